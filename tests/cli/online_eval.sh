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
expect_exit 2 "--online is a spam-train flag only" "$bin/spam-validate" --online
finish
