#!/usr/bin/env bash
# The decision threshold stored in the model (issue #6): spam-train and
# spam-update choose it on out-of-sample training scores (highest accuracy,
# or --target-fpr), or store --threshold; spam-validate and spam-classify
# use it unless --threshold overrides; bad values are usage errors.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
[ -d "$data/initial" ] || { echo "missing $data"; exit 1; }
fast=(--passes 2 --hash-bits 16)
mj() { json "$1/model.json" "$2"; }

expect_exit 0 "train, default rule" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/acc" "${fast[@]}"
expect_exit 0 "train --target-fpr 0.001" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/fpr" "${fast[@]}" --target-fpr 0.001
expect_exit 0 "train --target-fpr 0.2" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/fpr2" "${fast[@]}" --target-fpr 0.2
t_acc=$(mj "$work/acc" 'm["threshold"]') t_fpr=$(mj "$work/fpr" 'm["threshold"]') t_fpr2=$(mj "$work/fpr2" 'm["threshold"]')
echo "thresholds: max-accuracy $t_acc, target-fpr 0.001 $t_fpr, target-fpr 0.2 $t_fpr2"
check "default rule is max-accuracy, Platt on cross-fit scores" test "$(mj "$work/acc" 'm["calibration"]["threshold_rule"], m["calibration"]["scores"], m["calibration"]["method"]')" = "max-accuracy cross-fit platt"
check "fitted slope a < 0" python3 -c "import sys; sys.exit(not ($(mj "$work/acc" 'm["calibration"]["a"]') < 0))"
check "--target-fpr is recorded" test "$(mj "$work/fpr" 'm["calibration"]["threshold_rule"], m["calibration"]["target_fpr"]')" = "target-fpr 0.001"
check "--target-fpr 0.001 changes the stored threshold ($t_fpr vs $t_acc)" test "$t_fpr" != "$t_acc"
check "a lower target gives a higher threshold ($t_fpr > $t_fpr2)" python3 -c "import sys; sys.exit(not ($t_fpr > $t_fpr2))"
check "the weights are the same model (only the threshold differs)" test "$(mj "$work/fpr" 'm["nonzero_weights"]')" = "$(mj "$work/acc" 'm["nonzero_weights"]')"

# spam-validate: the model's threshold unless --threshold
expect_exit 0 "validate with the model's threshold" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/fpr" --save-to "$work/v1"
check "metrics threshold = model's, source model" test "$(json "$work/v1/metrics.json" 'm["threshold"], m["threshold_source"], m["model_threshold_rule"]')" = "$t_fpr model target-fpr"
check "predicted = score >= the model's threshold in predictions.csv" python3 - "$work/v1/predictions.csv" "$t_fpr" <<'PY'
import csv, sys
t = float(sys.argv[2])
rows = list(csv.DictReader(open(sys.argv[1])))
# scores are printed with 6 decimals: skip rows too close to call
sys.exit(any(int(r['predicted']) != (float(r['score']) >= t) for r in rows if abs(float(r['score']) - t) > 1e-6))
PY
expect_exit 0 "validate --threshold 0.9" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/fpr" --save-to "$work/v2" --threshold 0.9
check "metrics threshold 0.9, source --threshold, model's still reported" test "$(json "$work/v2/metrics.json" 'm["threshold"], m["threshold_source"], m["model_threshold"]')" = "0.9 --threshold $t_fpr"
check "brier, reliability and uncalibrated scores reported" json "$work/v1/metrics.json" '[m["brier"], len(m["reliability"]) == 10 or 1/0, m["calibration"]["uncalibrated_brier"]] and ""'
check "reliability counts sum to n" test "$(json "$work/v1/metrics.json" 'sum(b["n"] for b in m["reliability"]) == sum(map(sum, m["confusion_matrix"]))')" = True

# --threshold at training stores a fixed threshold; spam-classify uses it
python3 "$top/tests/cli/ux_make_mail.py" "$work/mail" 60
expect_exit 0 "train --threshold 0.999999" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/fix" --hash-bits 16 --threshold 0.999999
check "stored fixed" test "$(mj "$work/fix" 'm["threshold"], m["calibration"]["threshold_rule"]')" = "0.999999 fixed"
spam="$work/mail/test/spam/000.eml"
expect_exit 1 "classify: spam at --threshold 0.5" "$bin/spam-classify" --model "$work/fix" --threshold 0.5 "$spam"
score=$(cut -f1 "$work/stdout")
if python3 -c "import sys; sys.exit(not ($score < 0.999999))"; then
    expect_exit 0 "classify: the same message is ham at the model's threshold (score $score)" "$bin/spam-classify" --model "$work/fix" "$spam"
else
    bad "the spam message scored $score, cannot show the model's threshold in use"
fi

# spam-update follows the model's rule, or flags
expect_exit 0 "update a --target-fpr model (default: relearn, refit)" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/fpr" --save-to "$work/fpr-u"
check "relearned update refits a, by the model's rule and target" test "$(mj "$work/fpr-u" 'm["calibration"]["a"] != '"$(mj "$work/fpr" 'm["calibration"]["a"]')"', m["calibration"]["threshold_rule"], m["calibration"]["target_fpr"]')" = "True target-fpr 0.001"
expect_exit 0 "update a --target-fpr model --no-relearn (keep)" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/fpr" --save-to "$work/fpr-n" --no-relearn
check "--no-relearn keeps threshold, rule and target" test "$(mj "$work/fpr-n" 'm["threshold"], m["calibration"]["threshold_rule"], m["calibration"]["target_fpr"]')" = "$t_fpr target-fpr 0.001"
expect_exit 0 "update --calibration crossfit refits by the model's rule" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/fpr" --save-to "$work/fpr-r" --calibration crossfit
check "refit: new a, same rule" test "$(mj "$work/fpr-r" 'm["calibration"]["a"] != '"$(mj "$work/fpr" 'm["calibration"]["a"]')"', m["calibration"]["threshold_rule"], m["calibration"]["target_fpr"]')" = "True target-fpr 0.001"
expect_exit 0 "update --target-fpr 0.01 refits with the model's scores" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/acc" --save-to "$work/acc-f" --target-fpr 0.01
check "rule and target replaced" test "$(mj "$work/acc-f" 'm["calibration"]["threshold_rule"], m["calibration"]["target_fpr"], m["calibration"]["scores"]')" = "target-fpr 0.01 cross-fit"
expect_exit 0 "update --calibration keep" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/acc" --save-to "$work/acc-k" --calibration keep
check "keep: a, b, threshold unchanged" test "$(mj "$work/acc-k" 'm["threshold"], m["calibration"]')" = "$(mj "$work/acc" 'm["threshold"], m["calibration"]')"
expect_exit 0 "update --threshold 0.7" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/acc" --save-to "$work/acc-t" --threshold 0.7
check "update stores the fixed threshold" test "$(mj "$work/acc-t" 'm["threshold"], m["calibration"]["threshold_rule"]')" = "0.7 fixed"
expect_exit 0 "train --calibration off" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/off" --hash-bits 16 --calibration off
check "off: plain sigmoid, threshold 0.5" test "$(mj "$work/off" 'm["threshold"], m["calibration"]["a"], m["calibration"]["b"], m["calibration"]["scores"]')" = "0.5 -1 0 none"

# usage errors (exit 2) and no model written
for v in 0 1 -0.1 1.5 abc ''; do
    expect_exit 2 "--target-fpr '$v' is a usage error" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --target-fpr "$v"
done
check "message names the flag" stderr_has "target-fpr"
expect_exit 2 "--target-fpr with --threshold" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --target-fpr 0.01 --threshold 0.5
expect_exit 2 "--target-fpr with --calibration off" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --target-fpr 0.01 --calibration off
expect_exit 2 "--calibration bogus" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --calibration bogus
expect_exit 2 "--calibration keep is for spam-update" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --calibration keep
expect_exit 2 "--threshold 1.5 at training" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --threshold 1.5
expect_exit 2 "--target-fpr with --algo svm" "$bin/spam-train" -q --dataset "$work/mail/train" --save-to "$work/bad" --algo svm --target-fpr 0.01
expect_exit 2 "spam-validate takes no --target-fpr" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/acc" --save-to "$work/bad" --target-fpr 0.01
check "no model or metrics written by the failed runs" test ! -e "$work/bad"
finish
