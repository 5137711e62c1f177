#!/usr/bin/env bash
# The pipeline on the SpamAssassin demo split (raw RFC 822 mail in ham/ and
# spam/ folders, made by in/fetch-demo-data.sh): initial train -> validate
# -> incremental train (the later, drifted mail) -> validate.
source "$(dirname "$0")/lib.bash"
data="$top/in/dataset"
"$top/in/fetch-demo-data.sh" >/dev/null || { echo "cannot make the demo data"; exit 1; }
m="$work/model" out1="$work/metrics1" out2="$work/metrics2"
mkdir -p "$m" "$out1" "$out2"

expect_exit 0 "spam-train on raw mail" "$bin/spam-train" --dataset "$data/initial" --save-to "$m"
check "format detected as mail" stderr_has "format mail"
check "2169 ham and 399 spam read" stderr_has "ham 2169, spam 399"
expect_exit 0 "spam-validate initial model" "$bin/spam-validate" --dataset "$data/validate" --model "$m" --save-to "$out1"
expect_exit 0 "spam-update in place" "$bin/spam-update" --dataset "$data/incremental" --model "$m" --save-to "$m"
check "the update rehearses the reservoir" stderr_has "rehearsing"
check "the update relearns from zero weights" stderr_has "relearning from zero weights"
expect_exit 0 "spam-validate updated model" "$bin/spam-validate" --dataset "$data/validate" --model "$m" --save-to "$out2"

# issue #6: before the drifted data, the initial model alone ranks the split
# at (1-AUC) <= 0.15 % (hinge alpha 0.5: 0.116 %; alpha 2 was at 0.175 %)
check "(1-AUC) of the initial model <= 0.15 % ($(json "$out1/metrics.json" 'm["one_minus_auc_pct"]'))" ge 0.15 "$(json "$out1/metrics.json" 'm["one_minus_auc_pct"]')"

mj="$out2/metrics.json"
auc=$(json "$mj" 'm["roc_auc"]'); fp=$(json "$mj" 'm["confusion_matrix"][0][1]')
echo "spamassassin: accuracy $(json "$mj" 'm["accuracy"]'), roc_auc $auc, false positives $fp of $(json "$mj" 'm["classification_report"]["0"]["support"]') ham (initial model: auc $(json "$out1/metrics.json" 'm["roc_auc"]'))"
check "validate split read: 854 ham, 387 spam" test "$(json "$mj" 'm["dataset"]["ham"] * 10000 + m["dataset"]["spam"]')" = 8540387
check "ROC AUC after incremental >= 0.999 ($auc)" ge "$auc" 0.999
# issue #6 asks <= 0.015 %: the relearned hinge model ranks the split at
# 0.013 % (alpha 2: 0.014 %); the update that continued from the weights was
# at 0.024 % (hinge) and 0.039 % (log)
check "(1-AUC) after incremental <= 0.015 % ($(json "$mj" 'm["one_minus_auc_pct"]'))" ge 0.015 "$(json "$mj" 'm["one_minus_auc_pct"]')"
check "accuracy after incremental >= 0.993 (issue #6)" ge "$(json "$mj" 'm["accuracy"]')" 0.993
# 0.7 % of the ham at most (6 since e3123aa: four cross-fit folds instead of
# five, chosen by bench/calibration_cv.py on training data, store a slightly
# lower threshold; the ranking is unchanged)
check "at most 6 of 854 ham flagged at the reported threshold ($fp)" test "$fp" -le 6
check "threshold reported" json "$mj" '"threshold" in m and ""'
check "ids are paths relative to the dataset" grep -q '^ham/easy-ham-1/' "$out2/predictions.csv"
check "no message skipped" test "$(json "$mj" 'm["dataset"]["skipped"]')" = 0
finish
