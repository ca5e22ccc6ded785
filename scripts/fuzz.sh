#!/usr/bin/env bash
# A longer fuzz campaign than the test suite's fixed budget (Tests/WeaveDriverTests/FuzzTests.swift).
#   scripts/fuzz.sh [ITERATIONS] [BINARY_RUNS] [SEED]     defaults: 5000 500, seed from the clock
# Mutates the shipped models; runs each mutant in process through Loader, Sema, the
# explorer (BFS and DFS, at most 2000 states) and BMC's encoder, and then BINARY_RUNS
# mutants through the real `weave check` / `weave parse` with a 60 s timeout, flagging
# any exit code outside the documented set, any death by signal and any hang.
# Failing binary inputs are saved under fuzz-crashes/; an in-process crash leaves its
# input in $TMPDIR/weave-fuzz-current.weave (default /tmp). Make each one a regression
# test in Tests/WeaveDriverTests/FuzzRegressionTests.swift, then fix it.
set -uo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-5000}
binary_runs=${2:-500}
seed=${3:-$(date +%s)}
echo "fuzz: seed $seed, $iterations in-process mutants, $binary_runs through the binary"
swift build --build-tests >/dev/null || { echo "fuzz: build failed"; exit 2; }
WEAVE_FUZZ_SEED=$seed WEAVE_FUZZ_ITERATIONS=$iterations WEAVE_FUZZ_BINARY_RUNS=$binary_runs \
WEAVE_FUZZ_SAVE="$PWD/fuzz-crashes" \
  swift test --skip-build --filter 'FuzzTests' 2>&1 | grep -E "fuzz:|error|failed|passed|Fatal|crash" 
status=${PIPESTATUS[0]}
tmp=${TMPDIR:-/tmp}
if [ "$status" -ne 0 ] && [ -f "$tmp/weave-fuzz-current.weave" ]; then
  echo "fuzz: the test process died; its last input is $tmp/weave-fuzz-current.weave"
fi
echo "fuzz: seed $seed: $([ "$status" -eq 0 ] && echo "no problems" || echo "PROBLEMS (exit $status)")"
exit "$status"
