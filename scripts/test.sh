#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests (ctest), the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, the Plan test, and the
# container test (real Docker engine, three images, the walkthrough's steps).
# Usage: scripts/test.sh [--no-container] [--no-sanitize] [--no-fuzz]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
container=1 sanitize=1 fuzz=1
for a in "$@"; do
    case $a in
        --no-container) container=0 ;;
        --no-sanitize) sanitize=0 ;;
        --no-fuzz) fuzz=0 ;;
        *) echo "usage: scripts/test.sh [--no-container] [--no-sanitize] [--no-fuzz]" >&2; exit 2 ;;
    esac
done
scripts/install-deps.sh test || exit 1
in/fetch-demo-data.sh >/dev/null || exit 1
shared="$(cd "$top/.." && pwd)/shared/data"

passed=0 failed=0 names=()
stage() {   # name command...
    local name=$1; shift
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
    else
        failed=$((failed + 1)); names+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"
    fi
}
build_and_ctest() {   # builddir cmake-args...
    local dir=$1; shift
    cmake -S . -B "$dir" -DKS_BUILD_TESTS=ON -DKS_SHARED_DATA="$shared" "$@" >/dev/null &&
    cmake --build "$dir" -j"$(nproc)" >/dev/null &&
    ctest --test-dir "$dir" --output-on-failure -j2 --timeout "${KS_TEST_TIMEOUT:-900}"
}

stage "unit and end-to-end tests" build_and_ctest build
if [ $sanitize = 1 ]; then
    # KS_SVM_QUICK: the SVM pipeline test skips its SpamAssassin half under the
    # sanitizers (8 minutes there; the Knitfab half still runs)
    # (a test may run 3-5x slower there: 30 minutes per test at most)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 KS_SVM_QUICK=1
    KS_TEST_TIMEOUT=1800 stage "tests under ASan+UBSan" build_and_ctest build-asan -DCMAKE_BUILD_TYPE=Debug -DKS_SANITIZE=ON
    unset ASAN_OPTIONS UBSAN_OPTIONS KS_SVM_QUICK
fi
# Bounded fuzzing: every libFuzzer target for KS_FUZZ_SECONDS (default 60 s
# each, 11 targets); the long runs are in docs/robustness.md.
if [ $fuzz = 1 ] && [ -x tests/fuzz/run.sh ]; then
    stage "fuzzing, ${KS_FUZZ_SECONDS:-60} s per target" tests/fuzz/run.sh "${KS_FUZZ_SECONDS:-60}"
fi
[ -f tests/plans/test_plans.py ] && stage "Plan test" python3 tests/plans/test_plans.py
if [ $container = 1 ] && [ -f tests/container/run.sh ]; then
    stage "container test" bash tests/container/run.sh
fi

echo
[ $failed -gt 0 ] && echo "failed stages: ${names[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
