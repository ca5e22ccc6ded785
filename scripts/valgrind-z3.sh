#!/bin/sh
# Runs `weave prove` and `weave bmc` (the Z3 wrapper's whole life cycle: contexts,
# terms, solvers, models, push/pop, timeouts) under valgrind --leak-check=full and
# prints the leak summary of each. Usage: scripts/valgrind-z3.sh [path/to/weave]
# Needs valgrind (apt-get install valgrind). Exit status 1 if anything is "definitely lost".
set -eu
cd "$(dirname "$0")/.."
WEAVE=${1:-.build/debug/weave}
[ -x "$WEAVE" ] || swift build
status=0
run() {
    log=$(mktemp)
    valgrind --leak-check=full --errors-for-leak-kinds=definite --log-file="$log" "$WEAVE" "$@" >/dev/null || true
    echo "== weave $*"
    sed 's/^==[0-9]*== *//' "$log" | grep -E "^(definitely lost|indirectly lost|possibly lost|still reachable|ERROR SUMMARY):"
    if grep -q "definitely lost: [1-9]" "$log"; then status=1; grep -A12 "definitely lost in" "$log" | head -60; fi
    rm -f "$log"
}
run prove Proofs/flush_waits_for_all.weave --param design=flush_waits_for_all \
    --property "close completed before rename" --property "runtime error" --timeout 60000
run prove Models/flush_delayed_fput.weave --property "close completed before rename"
run bmc Models/flush_delayed_fput.weave --depth 6
exit $status
