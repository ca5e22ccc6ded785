#!/usr/bin/env bash
# Weave against SPIN on the same model at the same atomicity (run by hand, not in CI).
#   Benchmarks/run.sh [THREADS...]      default: 3 4 5
# Builds weave in release mode, installs SPIN from Debian if missing, and for each
# size runs: spin -a; gcc -O2 -DNOREDUCE (and with POR); ./pan -A; weave check.
# Prints distinct states (they must be equal without POR: a soundness check),
# times and peak memory from /usr/bin/time, and the Weave/SPIN ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-3 4 5}")
[ $# -eq 0 ] && sizes=(3 4 5)
command -v spin >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spin >/dev/null; }
swift build -c release --product weave >/dev/null
weave=.build/release/weave
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Benchmarks/spin/flush_race.pml "$work/"
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2>&1 || true; read -r secs kb < "$work/t"; }
printf "%-8s %12s %12s %9s %9s %9s %9s %9s %8s %8s\n" THREADS weave_states spin_states weave_s pan_s pan_por_s spin_e2e_s weave_MiB ratio e2e_ratio
for t in "${sizes[@]}"; do
  ( cd "$work" && rm -f pan* && timed_start=$(date +%s.%N) &&
    spin -DTHREADS="$t" -a flush_race.pml >/dev/null &&
    gcc -O2 -DNOREDUCE -DTHREADS="$t" -DMEMLIM=20000 -o pan pan.c 2>/dev/null &&
    gcc -O2 -DTHREADS="$t" -DMEMLIM=20000 -o pan_por pan.c 2>/dev/null &&
    echo "$(echo "$(date +%s.%N) - $timed_start" | bc)" > compile_s )
  compile=$(cat "$work/compile_s")
  timed "$work/pan" -A -m10000000; pan_s=$secs; spin_states=$(grep -oE "^ *[0-9]+ states, stored" "$work/out" | grep -oE "[0-9]+")
  timed "$work/pan_por" -A -m10000000; por_s=$secs
  timed "$weave" check Benchmarks/flush_race.weave --const THREADS="$t" --property renamed --quiet
  weave_s=$secs; weave_mib=$((kb / 1024)); weave_states=$(grep -oE "[0-9]+ distinct" "$work/out" | grep -oE "[0-9]+")
  e2e=$(echo "$compile + $pan_s" | bc)
  printf "%-8s %12s %12s %9s %9s %9s %9.2f %9s %8.2f %8.2f\n" "$t" "$weave_states" "$spin_states" "$weave_s" "$pan_s" "$por_s" "$e2e" "$weave_mib" \
    "$(echo "$weave_s / $pan_s" | bc -l)" "$(echo "$weave_s / $e2e" | bc -l)"
  [ "$weave_states" = "$spin_states" ] || echo "  MISMATCH: distinct states differ" >&2
done
