#!/bin/bash
# bench/run.sh - the speed benchmark of issue 3, peers side by side, one run.
#
#   bench/run.sh [RUNS]        (default 5 runs per timing; medians reported)
#
# Builds into $BUILD (default /tmp/build-bench, Release, no -march=native),
# generates replicated data into bench/data/ (gitignored), and writes
# bench/results/latest.md (gitignored) and prints it. Needs: hyperfine,
# bogofilter, /usr/bin/python3 with python3-sklearn (Debian packages), the
# Knitfab CSVs ($KS_SHARED_DATA, default ../shared/data) and the SpamAssassin
# demo data in in/dataset (in/fetch-demo-data.sh).
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-/tmp/build-bench}
SHARED=${KS_SHARED_DATA:-$ROOT/../shared/data}
KF=$SHARED/knitfab-example/dataset
SA=$ROOT/in/dataset
DATA=$ROOT/bench/data
OUT=$ROOT/bench/results
PY=/usr/bin/python3
mkdir -p "$DATA" "$OUT"
T=$(mktemp -d /tmp/ks-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target spam-train spam-validate extract_bench >/dev/null
TRAIN=$BUILD/spam-train VALID=$BUILD/spam-validate

# --- data: Knitfab CSV at 1x and 16x (rows replicated), SpamAssassin as mbox
mkdir -p "$DATA/kf16"
if [ ! -s "$DATA/kf16/train_data.csv" ]; then
  { head -1 "$KF/initial/train_data.csv"
    for i in $(seq 16); do tail -n +2 "$KF/initial/train_data.csv"; done; } > "$DATA/kf16/train_data.csv"
fi
mbox() {   # mbox of every file under $@ (From_ line, >From quoting)
  find "$@" -type f | sort | while read -r f; do
    echo "From bench@localhost Thu Jan  1 00:00:00 1970"
    sed 's/^\(>*From \)/>\1/' "$f"; echo
  done
}
for set in initial validate; do
  for c in ham spam; do
    [ -s "$DATA/sa-$set-$c.mbox" ] || mbox "$SA/$set/$c" > "$DATA/sa-$set-$c.mbox"
  done
done
bytes() { du -sbL "$@" | awk '{s += $1} END {print s}'; }
KF_MB=$(echo "$(bytes "$KF/initial")/1000000" | bc -l)
KFV_MB=$(echo "$(bytes "$KF/validate")/1000000" | bc -l)
SA_MB=$(echo "$(bytes "$SA/initial")/1000000" | bc -l)
SAV_MB=$(echo "$(bytes "$SA/validate")/1000000" | bc -l)

# --- 1. feature extraction alone, per kernel, next to memchr
if [ -z "${SKIP_EXTRACT:-}" ]; then
"$BUILD/extract_bench" --mb 200 --runs "$RUNS" --label knitfab-csv "$KF/initial" > "$T/ex1.tsv"
"$BUILD/extract_bench" --mb 100 --runs "$RUNS" --label sa-raw-mail "$SA/initial" > "$T/ex2.tsv"
else touch "$T/ex1.tsv" "$T/ex2.tsv"; fi

# --- 2. end to end, whole processes, medians by hyperfine
hf() {   # name cmd [prepare]
  # bogofilter's exit code is its verdict (0 spam, 1 ham, 2 unsure): -i
  local name=$1 cmd=$2 prep=${3:-true}
  hyperfine -N -i --style none --runs "$RUNS" --warmup 1 --prepare "$prep" \
    --export-json "$T/$name.json" "$cmd" >/dev/null
  $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$T/$name.json"
}
rss() { /usr/bin/time -f %M -o "$T/rss" bash -c "$1" >/dev/null 2>&1 || true; echo $(( $(tail -1 "$T/rss") / 1024 )); }

M=$T/model; SK=$T/sk.pkl; HS=$T/hs.pkl; BD=$T/bogo
$TRAIN -q --dataset "$KF/initial" --save-to "$M"
declare -A W R
run() {   # key cmd [prepare]
  W[$1]=$(hf "$1" "$2" "${3:-true}"); R[$1]=$(rss "$2"); }
run kt  "$TRAIN -q --dataset $KF/initial --save-to $T/m2"
run kt1 "$TRAIN -q --passes 1 --dataset $KF/initial --save-to $T/m3"
run kt0 "$TRAIN -q --calibration off --dataset $KF/initial --save-to $T/m4"
run kv  "$VALID -q --model $M --dataset $KF/validate --save-to $T/v"
run ct  "$PY $ROOT/bench/sk_countvec_nb.py train $KF/initial $SK"
run cv  "$PY $ROOT/bench/sk_countvec_nb.py validate $KF/validate $SK"
run ht  "$PY $ROOT/bench/sk_countvec_nb.py --hashing train $KF/initial $HS"
run hv  "$PY $ROOT/bench/sk_countvec_nb.py --hashing validate $KF/validate $HS"
run st  "$TRAIN -q --dataset $SA/initial --save-to $T/sm"
run st1 "$TRAIN -q --passes 1 --dataset $SA/initial --save-to $T/sm1"
run st0 "$TRAIN -q --calibration off --dataset $SA/initial --save-to $T/sm0"
run sv  "$VALID -q --model $T/sm --dataset $SA/validate --save-to $T/sv"
BT="bogofilter -d $BD -n -M < $DATA/sa-initial-ham.mbox && bogofilter -d $BD -s -M < $DATA/sa-initial-spam.mbox"
W[bt]=$(hf bt "bash -c '$BT'" "bash -c 'rm -rf $BD && mkdir -p $BD'"); rm -rf "$BD"; mkdir -p "$BD"; R[bt]=$(rss "$BT")
BV="cat $DATA/sa-validate-ham.mbox $DATA/sa-validate-spam.mbox | bogofilter -d $BD -M -v"
W[bv]=$(hf bv "bash -c '$BV'"); R[bv]=$(rss "$BV")
R[k16]=$(rss "$TRAIN -q --dataset $DATA/kf16 --save-to $T/m16")
R[k016]=$(rss "$TRAIN -q --calibration off --dataset $DATA/kf16 --save-to $T/m16")

# --- report
{
echo "## Results ($(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), runs $RUNS, kernel $($TRAIN --version | sed -n 's/^kernel: //p'))"
echo
echo "### 1. Feature extraction alone (in memory, one thread, median MB/s of thread CPU time; rows in bench/README.md)"
echo
echo "| data | row | kernel | MB/s | vs scalar | vs memchr |"
echo "|---|---|---|---:|---:|---:|"
cat "$T/ex1.tsv" "$T/ex2.tsv" | awk -F'\t' '
  $2 == "memchr" { mc[$1] = $4 } $3 == "scalar" { sc[$1 FS $2] = $4 }
  { r = sc[$1 FS $2] ? sprintf("%.2fx", $4 / sc[$1 FS $2]) : "-";
    printf "| %s | %s | %s | %.0f | %s | %.1f %% |\n", $1, $2, $3, $4, $2 == "memchr" ? "-" : r, 100 * $4 / mc[$1] }'
echo
echo "### 2-3. End to end, whole processes (median wall s; MB/s of input; peak RSS MiB)"
echo
echo "| data | program | wall s | MB/s | peak RSS MiB | knitspam speed-up |"
echo "|---|---|---:|---:|---:|---:|"
row() { printf "| %s | %s | %.3f | %.1f | %s | %s |\n" "$1" "$2" "${W[$3]}" "$(echo "$4/${W[$3]}" | bc -l)" "${R[$3]}" "$5"; }
ratio() { printf "%.1fx" "$(echo "${W[$1]}/${W[$2]}" | bc -l)"; }
row knitfab-csv "spam-train (default)" kt "$KF_MB" -
row knitfab-csv "spam-train --passes 1" kt1 "$KF_MB" -
row knitfab-csv "spam-train --calibration off" kt0 "$KF_MB" -
row knitfab-csv "sklearn CountVectorizer+MultinomialNB train" ct "$KF_MB" "$(ratio ct kt) / $(ratio ct kt1) / $(ratio ct kt0)"
row knitfab-csv "sklearn HashingVectorizer+SGD train" ht "$KF_MB" "$(ratio ht kt) / $(ratio ht kt1) / $(ratio ht kt0)"
row knitfab-csv "spam-validate" kv "$KFV_MB" -
row knitfab-csv "sklearn CountVectorizer+MultinomialNB validate" cv "$KFV_MB" "$(ratio cv kv)"
row knitfab-csv "sklearn HashingVectorizer+SGD validate" hv "$KFV_MB" "$(ratio hv kv)"
row sa-raw-mail "spam-train (default)" st "$SA_MB" -
row sa-raw-mail "spam-train --passes 1" st1 "$SA_MB" -
row sa-raw-mail "spam-train --calibration off" st0 "$SA_MB" -
row sa-raw-mail "bogofilter -n/-s -M train" bt "$SA_MB" "$(ratio bt st) / $(ratio bt st1) / $(ratio bt st0)"
row sa-raw-mail "spam-validate" sv "$SAV_MB" -
row sa-raw-mail "bogofilter -M -v score" bv "$SAV_MB" "$(ratio bv sv)"
echo
echo "speed-up columns: default / --passes 1 / --calibration off"
echo
echo "spam-train peak RSS: ${R[kt]} MiB at 1x ($(printf %.1f "$KF_MB") MB), ${R[k16]} MiB at 16x ($(printf %.1f "$(echo "$KF_MB*16" | bc -l)") MB): $(printf %+.1f "$(echo "100*(${R[k16]}-${R[kt]})/${R[kt]}" | bc -l)") %"
echo "spam-train --calibration off peak RSS: ${R[kt0]} MiB at 1x, ${R[k016]} MiB at 16x: $(printf %+.1f "$(echo "100*(${R[k016]}-${R[kt0]})/${R[kt0]}" | bc -l)") %"
} | tee "$OUT/latest.md"
