#!/usr/bin/env bash
# The example's pipeline on the example's CSV data: initial train ->
# validate -> incremental train -> validate, with the issue's targets.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
[ -d "$data/initial" ] || { echo "missing $data"; exit 1; }
m="$work/model" out1="$work/metrics1" out2="$work/metrics2"
mkdir -p "$m" "$out1" "$out2"   # Knitfab creates empty output folders

expect_exit 0 "spam-train on the CSV" "$bin/spam-train" --dataset "$data/initial" --save-to "$m"
check "model.bin and model.json written" test -s "$m/model.bin" -a -s "$m/model.json"
check "no temporary files left" test -z "$(ls -A "$m" | grep -v '^model\.\(bin\|json\)$')"
expect_exit 0 "spam-validate initial model" "$bin/spam-validate" --dataset "$data/validate" --model "$m" --save-to "$out1"
cp "$m/model.bin" "$work/initial.bin"
expect_exit 0 "spam-update in place (same folder in and out)" "$bin/spam-update" --dataset "$data/incremental" --model "$m" --save-to "$m"
differs() { ! cmp -s "$1" "$2"; }
check "update changed the model" differs "$m/model.bin" "$work/initial.bin"
expect_exit 0 "spam-validate updated model" "$bin/spam-validate" --dataset "$data/validate" --model "$m" --save-to "$out2"

mj="$out2/metrics.json"
acc=$(json "$mj" 'm["accuracy"]'); auc=$(json "$mj" 'm["roc_auc"]')
echo "knitfab example: accuracy $acc, roc_auc $auc (initial model: $(json "$out1/metrics.json" 'm["accuracy"], m["roc_auc"]'))"
# issue #6: accuracy >= 0.990 and (1-AUC) <= 0.10 % (measured 0.9903 and
# 0.050 %; the example pipeline 0.972 / 0.80 %, bogofilter 0.983 / 0.22 %)
check "accuracy after incremental >= 0.990 ($acc)" ge "$acc" 0.990
check "ROC AUC after incremental >= 0.999 ($auc)" ge "$auc" 0.999
check "example keys present" json "$mj" '[m[k] for k in ("timestamp","accuracy","confusion_matrix","classification_report")] and ""'
check "classification_report has sklearn's shape" test "$(json "$mj" 'sorted(m["classification_report"].keys())')" = "['0', '1', 'accuracy', 'macro avg', 'weighted avg']"
check "per-class report keys" test "$(json "$mj" 'sorted(m["classification_report"]["1"].keys())')" = "['f1-score', 'precision', 'recall', 'support']"
n=$(json "$mj" 'm["classification_report"]["macro avg"]["support"]')
rows=$(($(wc -l < "$out2/predictions.csv") - 1))
check "predictions.csv has one row per message ($rows = $n)" test "$rows" = "$n"
check "predictions.csv header" test "$(head -1 "$out2/predictions.csv")" = "id,label,score,predicted"
check "confusion matrix sums to support" test "$(json "$mj" 'sum(map(sum, m["confusion_matrix"]))')" = "$n"
# recompute accuracy from predictions.csv
recomputed=$(python3 -c "
import csv,sys
r=list(csv.DictReader(open(sys.argv[1])))
print(sum(int(x['label'])==int(x['predicted']) for x in r)/len(r))" "$out2/predictions.csv")
check "accuracy recomputed from predictions.csv ($recomputed)" python3 -c "import sys; sys.exit(abs($recomputed-$acc) > 1e-9)"
check "history has initial then incremental" test "$(json "$mj" '",".join(h["mode"] for h in m["model"]["history"])')" = "initial,incremental"
check "parent checksum is the initial model's" test "$(json "$mj" 'm["model"]["parent_checksum"]')" = "$(json "$out1/metrics.json" 'm["model"]["checksum"]')"
finish
