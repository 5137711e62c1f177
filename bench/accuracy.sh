#!/usr/bin/env bash
# bench/accuracy.sh [BUILD_DIR | --head] - our classifier against bogofilter, side by
# side in one run, every figure from the same evaluation code
# (bench/accuracy_eval.py) over per-message score files. Protocols:
# docs/accuracy.md.
#
#   A. online (TREC spam track): the SpamAssassin corpus (6,046 messages)
#      in a defined order, each message scored and then trained on with its
#      gold label; ORDERS (default "time md5") picks the orders ("" = none).
#   B. batch: train on initial, update with incremental, score validate
#      (and validate after initial only), Knitfab CSV and SpamAssassin split.
#
# BUILD_DIR: a build of this tree (default: builds the working tree into
# /tmp/build-accuracy); --head: builds exactly the committed HEAD (git
# archive) in /tmp/build-accuracy-head, for figures that name a commit.
# Needs bogofilter and bogoutil (Debian package bogofilter), python3, the
# Knitfab CSVs (KS_SHARED_DATA, default ../shared/data) and the SpamAssassin
# demo data (in/fetch-demo-data.sh). Writes the gitignored
# bench/results/accuracy.md, accuracy.json (with ROC points) and
# bench/results/accuracy-scores/ (the per-message score files).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
shared=${KS_SHARED_DATA:-$top/../shared/data}
kf=$shared/knitfab-example/dataset
sa=$top/in/dataset
orders=${ORDERS-time md5}
res=$here/results
py=${PYTHON:-python3}

log() { echo "accuracy.sh: $*" >&2; }
for t in bogofilter bogoutil "$py"; do
    command -v "$t" >/dev/null || { echo "accuracy.sh: $t not found" >&2; exit 3; }
done
[ -d "$kf/initial" ] || { echo "accuracy.sh: $kf: no Knitfab dataset (set KS_SHARED_DATA)" >&2; exit 3; }
[ -d "$sa/initial" ] || { echo "accuracy.sh: $sa: no demo data (run in/fetch-demo-data.sh)" >&2; exit 3; }

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain -- app features model include trainer incremental validator 2>/dev/null | wc -l)
built="the working tree at commit $commit$([ "$dirty" -eq 0 ] || echo " with $dirty uncommitted source files")"
if [ "${1:-}" = --head ]; then
    # exactly the committed HEAD: git archive into a fixed folder, built there
    hb=/tmp/build-accuracy-head
    rm -rf "$hb/src"
    mkdir -p "$hb/src"
    git -C "$top" archive HEAD | tar -x -C "$hb/src"
    build=$hb/build
    log "building commit $commit in $build"
    cmake -S "$hb/src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target spam-train spam-update spam-validate >/dev/null
    built="commit $commit (git archive of HEAD)"
elif [ $# -ge 1 ]; then
    build=$(cd "$1" && pwd)
    built="$built (if $build was built from it)"
else
    build=/tmp/build-accuracy
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target spam-train spam-update spam-validate >/dev/null
fi
for p in spam-train spam-update spam-validate; do
    [ -x "$build/$p" ] || { echo "accuracy.sh: $build/$p missing" >&2; exit 3; }
done

work=$(mktemp -d)
dbs=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)   # bogofilter wordlists
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work" "$dbs"' EXIT
mkdir -p "$res"
scores=$res/accuracy-scores
rm -rf "$scores"
mkdir -p "$scores"
q() { "$@" 2>>"$work/log" || { tail -20 "$work/log" >&2; exit 1; }; }
secs() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.0f", b - a }'; }

start=$(date -u +%Y-%m-%dT%H:%MZ)

# ---- A. online ---------------------------------------------------------------
# bogofilter's online run is one or two processes per message: the orders run
# at the same time, with their wordlists in /dev/shm when there is one
declare -A t_ours t_bogo
for o in $orders; do
    log "online, order $o"
    q "$py" "$here/accuracy_bogo.py" order "$sa" "$work/$o" "$o"
    t=$(secs)
    q "$build/spam-train" -q --online --format trec --dataset "$work/$o" --save-to "$work/ours-$o"
    t_ours[$o]=$(took "$t")
    cp "$work/ours-$o/online_predictions.csv" "$scores/online-$o-ours.csv"
    cp "$work/ours-$o/online.json" "$scores/online-$o-ours.json"
    (
        t=$(secs)
        "$py" "$here/accuracy_bogo.py" online "$work/$o" "$dbs/online-$o" \
            "$scores/online-$o-bogofilter.csv" 2>"$work/bogo-$o.log" || exit 1
        took "$t" > "$work/bogo-$o.time"
    ) &
    pids+=($!)
done
# ---- B. batch ----------------------------------------------------------------
# ours: spam-train initial -> validate; spam-update incremental -> validate
ours_batch() {   # name dataset_root
    local n=$1 d=$2 w=$work/$1
    mkdir -p "$w"
    q "$build/spam-train" -q --dataset "$d/initial" --save-to "$w/m0"
    q "$build/spam-validate" -q --model "$w/m0" --dataset "$d/validate" --save-to "$w/v0"
    q "$build/spam-update" -q --model "$w/m0" --dataset "$d/incremental" --save-to "$w/m1"
    q "$build/spam-validate" -q --model "$w/m1" --dataset "$d/validate" --save-to "$w/v1"
    cp "$w/v0/predictions.csv" "$scores/batch-$n-initial-ours.csv"
    cp "$w/v1/predictions.csv" "$scores/batch-$n-updated-ours.csv"
    cp "$w/v0/metrics.json" "$scores/batch-$n-initial-ours.metrics.json"
    cp "$w/v1/metrics.json" "$scores/batch-$n-updated-ours.metrics.json"
}
# bogofilter: -n/-s initial -> score validate; -n/-s incremental -> score validate
bogo_batch() {   # name mail_root
    local n=$1 d=$2 db=$dbs/$1
    q "$py" "$here/accuracy_bogo.py" train "$db" "$d/initial"
    q "$py" "$here/accuracy_bogo.py" score "$db" "$d/validate" "$scores/batch-$n-initial-bogofilter.csv"
    q "$py" "$here/accuracy_bogo.py" train "$db" "$d/incremental"
    q "$py" "$here/accuracy_bogo.py" score "$db" "$d/validate" "$scores/batch-$n-updated-bogofilter.csv"
}
log "batch, Knitfab CSV"
for s in initial incremental validate; do
    q "$py" "$here/accuracy_bogo.py" csv2mail "$kf/$s" "$work/kf-mail/$s"
done
t=$(secs); ours_batch knitfab "$kf"; t_ours[knitfab]=$(took "$t")
t=$(secs); bogo_batch knitfab "$work/kf-mail"; t_bogo[knitfab]=$(took "$t")
log "batch, SpamAssassin split"
t=$(secs); ours_batch sa "$sa"; t_ours[sa]=$(took "$t")
t=$(secs); bogo_batch sa "$sa"; t_bogo[sa]=$(took "$t")

for k in "${!pids[@]}"; do
    wait "${pids[$k]}" || { cat "$work"/bogo-*.log >&2; log "bogofilter online run failed"; exit 1; }
done
pids=()
for o in $orders; do t_bogo[$o]=$(cat "$work/bogo-$o.time"); done

# ---- report ------------------------------------------------------------------
ev() { q "$py" "$here/accuracy_eval.py" "$@"; }
# spam-validate's own figures (computed from unrounded scores; predictions.csv
# has 6 decimals) beside the evaluation's, as a cross-check
own() {
    "$py" - "$@" <<'EOF'
import json, sys
for f in sys.argv[1:]:
    m = json.load(open(f))
    print(f"| {f.rsplit('/', 1)[-1][:-len('.metrics.json')]} | {m['accuracy']:.4f} | "
          f"{m['one_minus_auc_pct']:.4f} | {m['spam_recall_at_fpr']['0.001']:.4f} |")
EOF
}
{
    echo "# bench/accuracy.sh: ours against bogofilter"
    echo
    echo "Run $start (UTC), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end."
    echo "Ours: $built, built in $build."
    echo "$(bogofilter -V 2>&1 | head -1). Command: \`bash bench/accuracy.sh${1:+ $1}\`."
    echo
    echo "Accuracy, FP, FN: ours at the model's threshold; bogofilter at its default"
    echo "cutoffs (spam >= 0.99; unsure, between 0.45 and 0.99, counted as ham) and, in"
    echo "the rows \"two-state at 0.5\", spam when its score >= 0.5. Recall at 0.1 % FPR:"
    echo "the largest spam recall with FP / ham <= 0.001; with fewer than 1,000 ham"
    echo "(both validate sets) that means no false positive at all."
    echo
    echo "## A. Online (TREC protocol), SpamAssassin corpus, 6,046 messages"
    echo
    for o in $orders; do
        echo "Order \`$o\` (ours ${t_ours[$o]} s, bogofilter ${t_bogo[$o]} s):"
        echo
        ev --segments 3 --json "$work/online-$o.json" "ours=$scores/online-$o-ours.csv" \
            "bogofilter=$scores/online-$o-bogofilter.csv" \
            "bogofilter, two-state at 0.5=$scores/online-$o-bogofilter.csv@0.5"
        echo
    done
    echo "## B. Batch: validate split after initial, and after the incremental update"
    echo
    echo "Knitfab CSV (ours ${t_ours[knitfab]} s, bogofilter ${t_bogo[knitfab]} s):"
    echo
    ev --json "$work/batch-knitfab.json" \
        "ours, initial only=$scores/batch-knitfab-initial-ours.csv" \
        "bogofilter, initial only=$scores/batch-knitfab-initial-bogofilter.csv" \
        "bogofilter, initial only, two-state at 0.5=$scores/batch-knitfab-initial-bogofilter.csv@0.5" \
        "ours, initial + incremental=$scores/batch-knitfab-updated-ours.csv" \
        "bogofilter, initial + incremental=$scores/batch-knitfab-updated-bogofilter.csv" \
        "bogofilter, initial + incremental, two-state at 0.5=$scores/batch-knitfab-updated-bogofilter.csv@0.5"
    echo
    echo "SpamAssassin split (ours ${t_ours[sa]} s, bogofilter ${t_bogo[sa]} s):"
    echo
    ev --json "$work/batch-sa.json" \
        "ours, initial only=$scores/batch-sa-initial-ours.csv" \
        "bogofilter, initial only=$scores/batch-sa-initial-bogofilter.csv" \
        "bogofilter, initial only, two-state at 0.5=$scores/batch-sa-initial-bogofilter.csv@0.5" \
        "ours, initial + incremental=$scores/batch-sa-updated-ours.csv" \
        "bogofilter, initial + incremental=$scores/batch-sa-updated-bogofilter.csv" \
        "bogofilter, initial + incremental, two-state at 0.5=$scores/batch-sa-updated-bogofilter.csv@0.5"
    echo
    echo "Cross-check, spam-validate's own metrics.json (unrounded scores):"
    echo
    echo "| run | accuracy | (1-AUC)% | recall @0.1% FPR |"
    echo "|---|---:|---:|---:|"
    own "$scores"/batch-*-ours.metrics.json
} > "$work/accuracy.md"
"$py" - "$work" "$res/accuracy.json" <<'EOF'
import glob, json, os, sys
out = {os.path.basename(f)[:-5]: json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json"))}
json.dump(out, open(sys.argv[2], "w"), indent=1)
EOF
mv "$work/accuracy.md" "$res/accuracy.md"
cat "$res/accuracy.md"
log "wrote $res/accuracy.md, accuracy.json, accuracy-scores/"
