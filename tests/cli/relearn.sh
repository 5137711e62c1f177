#!/usr/bin/env bash
# spam-update --relearn (the default) and --no-relearn: a relearning update
# learns the model's replay reservoir and the new data from zero weights and
# fits the calibration anew; --no-relearn continues from the weights and
# keeps it; a model without a reservoir is continued (or, asked to relearn,
# refused); the lr family only.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
[ -d "$data/initial" ] || { echo "missing $data"; exit 1; }
fast=(--passes 2 --hash-bits 16)
mj() { json "$1/model.json" "$2"; }

expect_exit 0 "train" "$bin/spam-train" --dataset "$data/initial" --save-to "$work/m" "${fast[@]}"
expect_exit 0 "update, default" "$bin/spam-update" --dataset "$data/incremental" --model "$work/m" --save-to "$work/r"
check "relearns from zero weights with all 3308 kept examples" stderr_has "relearning from zero weights: the model's 3308 kept examples (of 3308 seen)"
check "rehearses the reservoir" stderr_has "rehearsing 3308 examples"
check "the probability fit is new" test "$(mj "$work/r" 'm["calibration"]["a"] != '"$(mj "$work/m" 'm["calibration"]["a"]')"', m["calibration"]["scores"]')" = "True cross-fit"
check "history: initial then incremental" test "$(mj "$work/r" '[h["mode"] for h in m["history"]]')" = "['initial', 'incremental']"
check "the reservoir kept filling (4096 of 4136 seen)" test "$(mj "$work/r" 'm["replay_examples"]')" = 4096

expect_exit 0 "update --no-relearn" "$bin/spam-update" --dataset "$data/incremental" --model "$work/m" --save-to "$work/c" --no-relearn
check "continues: no relearning" bash -c "! grep -q relearning '$work/stderr'"
check "--no-relearn keeps a, b and the threshold" test "$(mj "$work/c" 'm["threshold"], m["calibration"]')" = "$(mj "$work/m" 'm["threshold"], m["calibration"]')"
check "the two updates are different models" test "$(mj "$work/c" 'm["checksum"]')" != "$(mj "$work/r" 'm["checksum"]')"
expect_exit 0 "update --relearn --calibration keep" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/m" --save-to "$work/rk" --relearn --calibration keep
check "keep still keeps the calibration" test "$(mj "$work/rk" 'm["threshold"], m["calibration"]')" = "$(mj "$work/m" 'm["threshold"], m["calibration"]')"
expect_exit 0 "validate the relearned model" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/r" --save-to "$work/v"
check "relearned model: ROC AUC >= 0.99" ge "$(json "$work/v/metrics.json" 'm["roc_auc"]')" 0.99

# no reservoir: nothing of the past to relearn
expect_exit 0 "train --replay 0" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/n" "${fast[@]}" --replay 0
expect_exit 0 "update a model without a reservoir: continues" "$bin/spam-update" --dataset "$data/incremental" --model "$work/n" --save-to "$work/n2"
check "says why it continues" stderr_has "keeps no past examples (--replay 0): continuing"
expect_exit 2 "--relearn with an empty reservoir is a usage error" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/n" --save-to "$work/bad" --relearn
check "message names --replay 0 and --no-relearn" stderr_has "it is empty (trained with --replay 0); use --no-relearn"

# flags: update only, lr only
expect_exit 2 "--relearn is not a spam-train flag" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/bad" --relearn
expect_exit 2 "--no-relearn is not a spam-validate flag" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/m" --save-to "$work/bad" --no-relearn
check "no model written by the failed runs" test ! -e "$work/bad"
finish
