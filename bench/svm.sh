#!/usr/bin/env bash
# bench/svm.sh BUILD_DIR [DATA_ROOT...] - LIBSVM interchange and the svm
# family against the logistic model, on each dataset root holding
# initial/ incremental/ validate/ (default: the Knitfab example's CSV and
# the SpamAssassin split in in/dataset):
#   - ours, lr (default) and --algo svm: initial -> validate -> incremental
#     -> validate; accuracy and ROC AUC after each step, wall time and peak
#     RSS of each training, model folder size;
#   - liblinear-train (Debian liblinear-tools) on the exported features of
#     initial+incremental (-s 0: L2 logistic regression, -s 1: L2-loss
#     linear SVM, C 1), liblinear-predict on the exported validate split.
# Prints a Markdown table; docs/design-svm.md keeps the latest figures.
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd); shift
top=$(cd "$(dirname "$0")/.." && pwd)
roots=("$@")
[ ${#roots[@]} -gt 0 ] || roots=("$top/../shared/data/knitfab-example/dataset" "$top/in/dataset")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v liblinear-train >/dev/null || { echo "liblinear-train missing (apt-get install liblinear-tools)"; exit 1; }

acc() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print('%.4f / %.5f' % (m['accuracy'], m['roc_auc']))" "$1/metrics.json"; }
timed() {   # timed OUTVAR cmd... : wall seconds and peak RSS MB
    local var=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/log" || { cat "$work/log"; exit 1; }
    local secs kb
    read -r secs kb < "$work/time"
    printf -v "$var" "%.1f s, %.0f MB" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
size() { du -sb "$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }

echo "| data | model | accuracy / ROC AUC initial | after incremental | train time, peak RSS (initial; update) | model size |"
echo "|---|---|---|---|---|---|"
for root in "${roots[@]}"; do
    name=$(basename "$(dirname "$root")")
    [ "$name" = "in" ] && name=spamassassin
    for algo in lr svm; do
        m="$work/$name-$algo"
        timed t1 "$build/spam-train" --algo "$algo" --dataset "$root/initial" --save-to "$m"
        "$build/spam-validate" -q --dataset "$root/validate" --model "$m" --save-to "$work/v1"
        timed t2 "$build/spam-update" --dataset "$root/incremental" --model "$m" --save-to "$m"
        "$build/spam-validate" -q --dataset "$root/validate" --model "$m" --save-to "$work/v2"
        echo "| $name | ours, --algo $algo | $(acc "$work/v1") | $(acc "$work/v2") | $t1; $t2 | $(size "$m") |"
    done
    x="$work/$name-x"
    mkdir -p "$x"
    for s in initial incremental validate; do
        "$build/spam-features" -q --dataset "$root/$s" --output "$x/$s.svm"
    done
    cat "$x/initial.svm" "$x/incremental.svm" > "$x/train.svm"
    for s in 0 1; do
        for set in initial train; do
            timed tl liblinear-train -q -s "$s" -c 1 "$x/$set.svm" "$x/ll-$s-$set.model"
            a=$(liblinear-predict "$x/validate.svm" "$x/ll-$s-$set.model" "$x/out" | sed -n 's/^Accuracy = \([0-9.]*\)%.*/\1/p')
            eval "a_$set=\$a t_$set=\"\$tl\""
        done
        what=$([ "$s" = 0 ] && echo "L2 logistic regression" || echo "L2-loss linear SVM")
        echo "| $name | liblinear -s $s ($what), our features | $(printf '%.4f' "$(echo "$a_initial / 100" | bc -l)") | $(printf '%.4f' "$(echo "$a_train / 100" | bc -l)") (initial+incremental) | $t_initial; $t_train | $(size "$x/ll-$s-train.model") |"
    done
done
