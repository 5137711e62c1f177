#!/usr/bin/env bash
# --threads 2 (read and decode ahead in a second thread) gives exactly the
# results of --threads 1.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
for th in 1 2; do
    mkdir -p "$work/t$th"
    expect_exit 0 "spam-train --threads $th" "$bin/spam-train" --threads $th --dataset "$data/initial" --save-to "$work/t$th/m"
    expect_exit 0 "spam-update --threads $th" "$bin/spam-update" --threads $th --dataset "$data/incremental" --model "$work/t$th/m" --save-to "$work/t$th/m"
    expect_exit 0 "spam-validate --threads $th" "$bin/spam-validate" --threads $th --dataset "$data/validate" --model "$work/t$th/m" --save-to "$work/t$th/v"
done
check "identical predictions.csv" cmp -s "$work/t1/v/predictions.csv" "$work/t2/v/predictions.csv"
same_metrics() { test "$(json "$work/t1/v/metrics.json" 'm["accuracy"], m["roc_auc"], m["log_loss"]')" = "$(json "$work/t2/v/metrics.json" 'm["accuracy"], m["roc_auc"], m["log_loss"]')"; }
check "identical metrics" same_metrics
expect_exit 2 "--threads 3 is refused" "$bin/spam-train" --threads 3
finish
