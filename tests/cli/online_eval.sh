#!/usr/bin/env bash
# spam-train --online: the spam track's score-then-learn protocol.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
o="$work/online"
expect_exit 0 "spam-train --online" "$bin/spam-train" --online --dataset "$data/initial" --save-to "$o"
oj="$o/online.json"
check "online.json written" test -s "$oj"
check "(1-ROCA)% is 100*(1-roca)" json "$oj" '"" if abs(m["one_minus_roca_pct"] - 100*(1-m["roca"])) < 1e-9 else exit(1)'
check "the 95% interval holds the estimate" json "$oj" '"" if m["one_minus_roca_pct_ci95"][0] <= m["one_minus_roca_pct"] <= m["one_minus_roca_pct_ci95"][1] else exit(1)'
check "every message was scored" test "$(json "$oj" 'm["classification_report"]["macro avg"]["support"]')" = 3308
check "ROC runs from (0,0) to (1,1), never down" json "$oj" '"" if m["roc"][0]==[0,0] and m["roc"][-1]==[1,1] and all(a[0]<=b[0] and a[1]<=b[1] for a,b in zip(m["roc"],m["roc"][1:])) else exit(1)'
# the area under the written points agrees with roca (trapezoids; thinned points)
check "area under the ROC points is roca" json "$oj" '"" if abs(sum((b[0]-a[0])*(a[1]+b[1])/2 for a,b in zip(m["roc"],m["roc"][1:])) - m["roca"]) < 0.003 else exit(1)'
# online is worse than batch training with passes (each message is scored unseen)
check "online accuracy is lower than after 5 passes would allow, but sane (> 0.9)" ge "$(json "$oj" 'm["accuracy"]')" 0.9
check "log states the interval" stderr_has "95% CI"
# online_predictions.csv: every message's score in the order scored; the
# evaluation bench/accuracy.sh uses for all filters gives online.json's area
op="$o/online_predictions.csv"
check "online_predictions.csv: header and 3308 rows" test "$(head -1 "$op") $(($(wc -l < "$op") - 1))" = "id,label,score,predicted 3308"
check "rows in dataset order (ids of the CSV, first row first)" test "$(sed -n 2p "$op" | cut -d, -f1)" = "$(python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))['Unnamed: 0'])" "$data/initial/train_data.csv")"
expect_exit 0 "bench/accuracy_eval.py reads it" python3 "$top/bench/accuracy_eval.py" --json "$work/ev.json" "o=$op"
check "its AUC is online.json's roca" python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['o']['auc']; b=json.load(open(sys.argv[2]))['roca']; sys.exit(0 if abs(a-b) < 1e-12 else 1)" "$work/ev.json" "$oj"
check "its recall at 0.1% FPR is online.json's" python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['o']['spam_recall_at_fpr']; b=json.load(open(sys.argv[2]))['spam_recall_at_fpr']; sys.exit(0 if abs(a['0.001']-b['0.001']) < 1e-12 and abs(a['0.01']-b['0.01']) < 1e-12 else 1)" "$work/ev.json" "$oj"
check "its accuracy is online.json's" python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['o']['accuracy']; b=json.load(open(sys.argv[2]))['accuracy']; sys.exit(0 if abs(a-b) < 1e-9 else 1)" "$work/ev.json" "$oj"
# Rehearsal (--passes N: N - 1 reservoir examples learned again after each
# message) uses the past only: flipping the label of message k changes no
# score of messages 1..k, and changes later scores.
python3 - "$data/initial/train_data.csv" "$work/flip" <<'PY'
import csv, os, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='latin-1')))[:401]
for name, flip in (("a", False), ("b", True)):
    os.makedirs(os.path.join(sys.argv[2], name), exist_ok=True)
    with open(os.path.join(sys.argv[2], name, "d.csv"), "w", newline="", encoding="latin-1") as f:
        w = csv.writer(f)
        for i, r in enumerate(rows):
            if flip and i == 200:   # data row 200: swap ham and spam
                r = [r[0], "spam" if r[1] == "ham" else "ham", r[2], "1" if r[3] == "0" else "0"]
            w.writerow(r)
PY
for v in a b; do
    expect_exit 0 "spam-train --online (flip set $v)" "$bin/spam-train" -q --online --dataset "$work/flip/$v" --save-to "$work/flip/o$v"
done
fa="$work/flip/oa/online_predictions.csv" fb="$work/flip/ob/online_predictions.csv"
check "rehearsal: scores of messages 1..200 do not depend on message 200's label" \
    cmp -s <(head -201 "$fa" | cut -d, -f1,3) <(head -201 "$fb" | cut -d, -f1,3)
check "rehearsal: later scores do depend on it" bash -c '! cmp -s <(tail -n +202 "$1" | cut -d, -f3) <(tail -n +202 "$2" | cut -d, -f3)' _ "$fa" "$fb"
expect_exit 0 "spam-train --online --passes 1 (no rehearsal)" "$bin/spam-train" -q --online --passes 1 --dataset "$work/flip/a" --save-to "$work/flip/o1"
check "rehearsal changes the scores (passes 5 vs 1)" bash -c '! cmp -s <(cut -d, -f3 "$1") <(cut -d, -f3 "$2")' _ "$fa" "$work/flip/o1/online_predictions.csv"
expect_exit 2 "--online is a spam-train flag only" "$bin/spam-validate" --online
finish
