# lib.bash - helpers for the end-to-end tests (sourced, not run by ctest).
# Each test: bash tests/cli/<name>.sh BUILD_DIR SHARED_DATA_DIR
set -uo pipefail
build=${1:?build dir}
shared=${2:?shared data dir}
bin="$build"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npass=0 nfail=0

ok() { npass=$((npass + 1)); echo "ok   $*"; }
bad() { nfail=$((nfail + 1)); echo "FAIL $*"; }
check() {   # description command...
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
# expect_exit CODE description command...  (stderr kept in $work/stderr)
expect_exit() {
    local want=$1 d=$2; shift 2
    "$@" >"$work/stdout" 2>"$work/stderr"
    local got=$?
    if [ "$got" = "$want" ]; then ok "$d (exit $got)"; else bad "$d: exit $got, expected $want; stderr: $(head -c 400 "$work/stderr")"; fi
}
stderr_has() { grep -q -- "$1" "$work/stderr"; }
not_stderr_has() { ! grep -q -- "$1" "$work/stderr"; }
# json FILE EXPR -> prints python expression over the parsed object m
json() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1"; }
# ge A B: A >= B as floats
ge() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }
finish() {
    echo "$npass passed, $nfail failed"
    [ "$nfail" -eq 0 ]
}
