#!/usr/bin/env bash
# A long campaign of the differential soundness harness (issue 16, "No false green"):
# Tests/WeaveDriverTests/SoundnessHarnessTests.swift with a larger budget than `swift test`'s.
#   scripts/soundness.sh [MODELS] [SEED] [ROUNDS]     defaults: 600, seed from the clock, 1
# MODELS explicit models go through check's modes (1 and 2 workers, --fingerprint, --dfs,
# symmetry on and off) and checkpoint+resume; two thirds of that number through bmc and
# prove; a quarter as many symbolic-shape models through prove --symbolic N against check
# at N = 1..4 and on both sides of every literal compared with N; a tenth through the
# binary with a checkpoint, SIGKILL and --resume. ROUNDS > 1 repeats with seeds SEED,
# SEED+1, ... Models that make engines disagree (minimised, and the original) are written
# to soundness-findings/ (WEAVE_SOUNDNESS_OUT); the log of each round goes there too.
set -uo pipefail
cd "$(dirname "$0")/.."
models=${1:-600}
seed=${2:-$(date +%s)}
rounds=${3:-1}
out=${WEAVE_SOUNDNESS_OUT:-$PWD/soundness-findings}
mkdir -p "$out"
echo "soundness: $models models a round, $rounds round(s) from seed $seed; findings in $out"
swift build --build-tests >/dev/null || { echo "soundness: build failed"; exit 2; }
status=0
for ((r = 0; r < rounds; r++)); do
  s=$((seed + r))
  log="$out/round-$s.log"
  WEAVE_SOUNDNESS_MODELS=$models WEAVE_SOUNDNESS_SEED=$s WEAVE_SOUNDNESS_OUT="$out" \
    swift test --skip-build --filter SoundnessHarness >"$log" 2>&1
  rs=$?
  grep -E "^soundness:|disagree:|written to" "$log"
  echo "soundness: seed $s: $([ "$rs" -eq 0 ] && echo "no disagreements" || echo "DISAGREEMENTS or failures (exit $rs, log $log)")"
  [ "$rs" -ne 0 ] && status=$rs
done
exit "$status"
