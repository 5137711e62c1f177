#!/usr/bin/env bash
# run.sh - builds the libFuzzer targets with clang and runs each for SECONDS
# on a seed corpus made now (never committed): slices of the example CSVs,
# the hand-written mails in seeds/, mbox files and gzip files made from
# them, a TREC index, a small model.bin and svm.bin written by spam-train,
# and LIBSVM files (hand-written lines, and spam-features output for a
# slice of a CSV).
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]     (default: all targets)
#   e.g. tests/fuzz/run.sh 60           CI's bounded run (11 targets, ~12 min)
#        tests/fuzz/run.sh 3600 mail    a long run of one target
# Environment: KS_FUZZ_BUILD (default build-fuzz), KS_FUZZ_WORK (default
# $KS_FUZZ_BUILD/work: corpora, crash files, logs), KS_SHARED_DATA (the
# folder holding knitfab-example/, default ../shared/data), FUZZ_ARGS (more
# libFuzzer flags, e.g. -runs=10000000), KS_FUZZ_NOBUILD=1 (use the build
# as it is). Exit 1 when a target reports a crash, leak, timeout or
# sanitizer error; the input that caused it is in $KS_FUZZ_WORK/artifacts.
set -uo pipefail
secs=${1:?usage: run.sh SECONDS [TARGET...]}
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${KS_FUZZ_BUILD:-$top/build-fuzz}
work=${KS_FUZZ_WORK:-$build/work}
shared=${KS_SHARED_DATA:-$(cd "$top/.." && pwd)/shared/data}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv mail html charset mbox trec gzip model libsvm svm_model extract)
cc=${CC:-$(command -v clang-14 || command -v clang)}
[ -n "$cc" ] || { echo "run.sh: clang not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

[ "${KS_FUZZ_NOBUILD:-0}" = 1 ] || {
CC=$cc cmake -S "$top" -B "$build" -DKS_FUZZ=ON -DKS_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 1
# the fuzz targets and the programs that make model and LIBSVM seeds
# (others, such as extract_bench, link ks without the fuzzer runtime)
cmake --build "$build" -j"$(nproc)" --target spam-train spam-update spam-features \
    $(printf '%s_fuzz ' "${targets[@]}") >/dev/null ||
    { echo "run.sh: build failed" >&2; exit 1; }
}

seeds() {   # target folder: fills the seed corpus of one target
    local t=$1 d=$2 s=$top/tests/fuzz/seeds csv
    mkdir -p "$d"
    csv=$(ls "$shared"/knitfab-example/dataset/*/*.csv 2>/dev/null | head -1)
    case $t in
    csv)
        [ -n "$csv" ] && { head -c 3000 "$csv" >"$d/head.csv"; tail -c 3000 "$csv" >"$d/tail.csv"; }
        printf '"Unnamed: 0",label,text,label_num\r\n1,ham,"multi\r\nline ""quoted""",0\r\n2,spam,x,1\n3,,,\n' >"$d/quoted.csv"
        printf '\xef\xbb\xbfid,label,text\n1,spam,caf\xe9\n2,ham,"open' >"$d/bom-latin1-open.csv" ;;
    mail|html|charset|mbox|extract)
        cp "$s"/mail/*.eml "$d/"
        [ "$t" = html ] && cp "$s"/html/*.html "$d/"
        if [ "$t" = mbox ]; then
            for f in "$s"/mail/*.eml; do printf 'From x@y Mon Jan  1 00:00:00 2024\n'; cat "$f"; printf '\n>From quoted\n'; done >"$d/all.mbox"
        fi
        if [ "$t" = charset ]; then
            printf '\x0a\xc4\xe3\xba\xc3' >"$d/gbk"; printf '\x0d\x82\xa0\x82\xa2' >"$d/sjis"
            printf '\x07Hi +AKM-1 +ZeVnLIqe-' >"$d/utf7"; printf '\x0e\x1b$B$3$s\x1b(B' >"$d/iso2022"
            printf '\x03caf\xc3\xa9 \xed\xa0\x80 \xf4\x90\x80\x80' >"$d/utf8-bad"
        fi ;;
    trec)
        printf 'spam data/1\nham data/2\n' >"$d/index"
        printf 'spam  data/1\r\nham\tdata/2 extra\nbogus data/1\n\nham data/missing\n' >"$d/index-bad" ;;
    gzip)
        printf 'hello gzip\n' | gzip -c >"$d/one.gz"
        { printf 'a\n' | gzip -c; printf 'b\n' | gzip -c; } >"$d/two-members.gz"
        head -c 200000 /dev/zero | gzip -9 -c >"$d/zeros.gz"
        { printf 'x\n' | gzip -c; printf 'junk'; } >"$d/trailing-junk.gz"
        [ -n "$csv" ] && head -c 20000 "$csv" | gzip -c >"$d/csv.gz" ;;
    model)
        local m=$work/model-src
        mkdir -p "$m/data"
        { printf '"Unnamed: 0",label,text,label_num\n'
          for i in 1 2 3 4 5 6; do printf '%d,ham,"meeting notes %d",0\n%d,spam,"buy cheap pills %d",1\n' $i $i $((i+10)) $i; done; } >"$m/data/d.csv"
        "$build/spam-train" -q --dataset "$m/data" --save-to "$m/a" --hash-bits 8 --passes 1 &&
            cp "$m/a/model.bin" "$d/small.bin"
        "$build/spam-train" -q --dataset "$m/data" --save-to "$m/b" --hash-bits 8 --passes 2 \
            --features words,bigrams,chargrams,urls --weighting binary &&
            "$build/spam-update" -q --dataset "$m/data" --model "$m/b" --save-to "$m/b" &&
            cp "$m/b/model.bin" "$d/history.bin" ;;
    libsvm)
        printf '+1 qid:3 1:0.5 7:2 300:-1e-3 # a comment\n-1 2:1 9:-4.25\n# a comment line\n\n0 1:1\r\n1\n1.0 5:3.4028235e38 6:1e-45\n' >"$d/hand.svm"
        printf '2 1:1\n1 3:1 2:1\n1 0:1\n1 5:nan\n-1 4:inf\n1 268435457:1\n1 7:\n1 x:1\nspam 1:1\n' >"$d/bad.svm"
        if [ -n "$csv" ]; then   # whole records of a CSV slice (a record ends ",0" or ",1")
            local f=$work/libsvm-src
            mkdir -p "$f/data"
            head -c 8000 "$csv" | awk '{ b = b $0 "\n" } /,[01]\r?$/ { printf "%s", b; b = "" }' >"$f/data/d.csv"
            "$build/spam-features" -q --dataset "$f/data" --output "$d/features8.svm" --hash-bits 8
            "$build/spam-features" -q --dataset "$f/data" --output "$d/features20.svm" --hash-bits 20
        fi ;;
    svm_model)
        local m=$work/svm-src
        mkdir -p "$m/data"
        { printf '"Unnamed: 0",label,text,label_num\n'
          for i in 1 2 3 4 5 6; do printf '%d,ham,"meeting notes %d",0\n%d,spam,"buy cheap pills %d",1\n' $i $i $((i+10)) $i; done; } >"$m/data/d.csv"
        "$build/spam-train" -q --dataset "$m/data" --save-to "$m/a" --hash-bits 8 --algo svm &&
            cp "$m/a/svm.bin" "$d/linear.bin"
        "$build/spam-train" -q --dataset "$m/data" --save-to "$m/b" --hash-bits 8 --algo svm \
            --svm-kernel rbf --svm-gamma 0.5 --svm-c 10 --svm-cap 4 && cp "$m/b/svm.bin" "$d/rbf.bin" ;;
    esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$work/artifacts" "$work/logs"
failed=()
for t in "${targets[@]}"; do
    exe=$build/${t}_fuzz
    [ -x "$exe" ] || { echo "run.sh: no target $t" >&2; failed+=("$t"); continue; }
    corpus=$work/corpus/$t
    [ -d "$corpus" ] || seeds "$t" "$corpus"
    # Inputs that once crashed a target (seeds/regress/<target>-*) run first, every time.
    for r in "$top"/tests/fuzz/seeds/regress/"$t"-*; do [ -f "$r" ] && cp "$r" "$corpus/"; done
    log=$work/logs/$t.log
    t0=$SECONDS
    "$exe" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" ${FUZZ_ARGS:-} \
        "$corpus" </dev/null >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "fuzz $t: ok, ${runs:-?} executions in $((SECONDS - t0)) s, $cov, corpus $(ls "$corpus" | wc -l) files"
    else
        echo "fuzz $t: FAILED (exit $rc) after $((SECONDS - t0)) s; log $log"
        grep -E 'ERROR|SUMMARY|artifact' "$log" | head -5
        failed+=("$t")
    fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz targets failed: ${failed[*]}"; exit 1; }
