#!/usr/bin/env bash
# bench/accuracy_eval.py (the evaluation behind bench/accuracy.sh) on
# hand-made score lists whose AUC, interval, recall at FPR and confusion
# counts are worked out by hand below.
source "$(dirname "$0")/lib.bash"
ev="$top/bench/accuracy_eval.py"
py=python3
# field NAME KEY...: a figure of the --json output, e.g. field t one_minus_auc_pct
field() { $py -c "import json,sys; r=json.load(open(sys.argv[1]))[sys.argv[2]]
for k in sys.argv[3:]: r=r[int(k)] if isinstance(r,list) else r[k]
print(r)" "$work/out.json" "$@"; }
# is VALUE TOL NAME KEY...: the figure is within TOL of VALUE (one python run)
is() { $py -c "import json,sys; v,t=float(sys.argv[1]),float(sys.argv[2]); r=json.load(open(sys.argv[3]))[sys.argv[4]]
for k in sys.argv[5:]: r=r[int(k)] if isinstance(r,list) else r[k]
sys.exit(0 if abs(float(r) - v) <= t else 1)" "$1" "$2" "$work/out.json" "${@:3}"; }

# 1. Two spam (0.9, 0.5) and two ham (0.5, 0.1): of the 4 spam-ham pairs 3
#    are ordered and one is tied (counts half): AUC 3.5/4 = 0.875, (1-AUC)%
#    12.5. Hanley-McNeil with n1 = n0 = 2: Q1 = .875/1.125, Q2 = 2(.875^2)/1.875,
#    var = (.875*.125 + (Q1 - .875^2) + (Q2 - .875^2))/4 = 0.0431424,
#    logit 95 % interval -> (1-AUC)% in [0.34428, 85.5228].
#    predicted (threshold 0.5): ham 0.5 is a FP, no FN: accuracy 3/4.
printf 'id,label,score,predicted\na,1,0.9,1\nb,0,0.5,1\nc,1,0.5,1\nd,0,0.1,0\n' > "$work/tie.csv"
expect_exit 0 "evaluates a 4-message list" $py "$ev" --json "$work/out.json" "t=$work/tie.csv"
check "AUC with a tie is 0.875" is 0.875 1e-12 t auc
check "(1-AUC)% is 12.5" is 12.5 1e-9 t one_minus_auc_pct
check "95% CI low end 0.34428" is 0.344278 1e-5 t one_minus_auc_pct_ci95 0
check "95% CI high end 85.5228" is 85.52278 1e-4 t one_minus_auc_pct_ci95 1
check "accuracy 0.75 from the predicted column" is 0.75 1e-12 t accuracy
check "one FP, no FN" test "$(field t fp) $(field t fn)" = "1 0"
check "ROC points: (0,0), (0,.5), (.5,1), (1,1)" test "$(field t roc)" = "[[0.0, 0.0], [0.0, 0.5], [0.5, 1.0], [1.0, 1.0]]"
check "the table row shows (1-AUC)% 12.5000" grep -q "| t | 4 (2/2) | 0.7500 | 1 | 0 | 12.5000 |" "$work/stdout"
# @T replaces the verdict: at 0.7 nothing is a FP and spam c (0.5) is a FN
expect_exit 0 "a threshold after @" $py "$ev" --json "$work/out.json" "t=$work/tie.csv@0.7"
check "at 0.7: no FP, one FN" test "$(field t fp) $(field t fn)" = "0 1"

# 2. Spam recall at 0.1 % and 1 % FPR with 1,000 ham (ham scores 0.000 ..
#    0.999, step 0.001) and 10 spam: 4 above every ham, 3 between the top
#    ham (0.999) and the next (0.998), 2 between the 11th (0.989) and 12th
#    (0.988) ham from the top, 1 at the bottom (-1).
#    FP <= 1 (0.1 % of 1,000): the best threshold passes the 4, the top ham
#    and the 3: recall 7/10 (with no FP it would be 4/10). FP <= 10: with
#    the 10 top ham, still 7/10 (the two next spam lie below the 11th ham);
#    FP <= 11 would give 9/10.
#    AUC: the 4 beat all 1,000 ham, the 3 beat 999, the 2 beat 989 (0.000
#    .. 0.988), the last none: (4000 + 2997 + 1978) / 10000 = 0.8975.
$py - "$work/fpr.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("label,score\n")
    for i in range(1000):
        f.write(f"0,{i / 1000:.3f}\n")
    for s in [2, 2, 2, 2, 0.9985, 0.9985, 0.9985, 0.9885, 0.9885, -1]:
        f.write(f"1,{s}\n")
EOF
expect_exit 0 "evaluates the 1,010-message list" $py "$ev" --json "$work/out.json" "f=$work/fpr.csv"
check "recall at 0.1% FPR is 0.7" is 0.7 1e-12 f spam_recall_at_fpr 0.001
check "recall at 1% FPR is 0.7" is 0.7 1e-12 f spam_recall_at_fpr 0.01
check "AUC 0.8975" is 0.8975 1e-12 f auc
check "no predicted column: no accuracy" test "$(field f accuracy 2>/dev/null || echo none)" = none
# and the AUC agrees with a brute-force count of every pair
check "AUC equals the pair count" $py - "$work/fpr.csv" "$(field f auc)" <<'EOF'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
pos = [float(x["score"]) for x in r if x["label"] == "1"]
neg = [float(x["score"]) for x in r if x["label"] == "0"]
w = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
sys.exit(0 if abs(w - float(sys.argv[2])) < 1e-12 else 1)
EOF

# 3. Perfect separation: AUC 1, (1-AUC)% 0 with a zero-width interval,
#    recall 1 at 0.1 % FPR; one class only: no AUC.
printf 'label,score\n0,0.1\n0,0.2\n1,0.8\n1,0.9\n' > "$work/perfect.csv"
expect_exit 0 "evaluates a separable list" $py "$ev" --json "$work/out.json" "p=$work/perfect.csv"
check "perfect: (1-AUC)% 0, interval [0, 0]" test "$(field p one_minus_auc_pct) $(field p one_minus_auc_pct_ci95)" = "0.0 [0.0, 0.0]"
check "perfect: recall 1 at 0.1% FPR" is 1 0 p spam_recall_at_fpr 0.001
printf 'label,score\n0,0.1\n0,0.2\n' > "$work/ham.csv"
expect_exit 0 "one class only" $py "$ev" --json "$work/out.json" "h=$work/ham.csv"
check "one class: AUC null" test "$(field h auc)" = None

# 3b. --segments 2: the first half ranks perfectly ((1-AUC)% 0), the second
#     upside down (100); in the whole list 3 of the 4 ham-spam pairs are
#     ordered (spam 0.2 is below ham 0.8 only): (1-AUC)% 25.
printf 'label,score\n0,0.1\n1,0.9\n0,0.8\n1,0.2\n' > "$work/seg.csv"
expect_exit 0 "--segments 2" $py "$ev" --segments 2 --json "$work/out.json" "s=$work/seg.csv"
check "segment 1: (1-AUC)% 0" is 0 1e-12 s segments 0 2
check "segment 2: (1-AUC)% 100" is 100 1e-12 s segments 1 2
check "whole list: (1-AUC)% 25" is 25 1e-9 s one_minus_auc_pct
check "segments table printed" grep -q "| s | 0.0000 | 100.0000 |" "$work/stdout"

# 4. Bad input is an error naming the file and line
printf 'label,value\n0,0.1\n' > "$work/nocol.csv"
expect_exit 3 "a file without a score column" $py "$ev" "x=$work/nocol.csv"
check "names the missing column" stderr_has "no 'score' column"
printf 'label,score\n0,0.1\n2,0.5\n' > "$work/badlab.csv"
expect_exit 3 "a label that is not 0/1" $py "$ev" "x=$work/badlab.csv"
check "names file and line 3" stderr_has "badlab.csv:3:"
expect_exit 2 "no NAME=FILE" $py "$ev" "$work/tie.csv"
finish
