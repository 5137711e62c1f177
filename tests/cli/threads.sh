#!/usr/bin/env bash
# --threads 2 (read and decode ahead in a second thread; spam-train's
# cross-fit fold models learned partly in a second thread) gives exactly
# the results of --threads 1: model.bin byte for byte (but for the
# sessions' end times), predictions and metrics. So do learning every
# pass instead of skipping those after a pass without a step, and a run
# without temporary files.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
# model.bin without the history entries' times (u64 at 160 + 316 i + 308)
# and so without the CRC32 that covers them nor the parent's (at 152)
bin_sans_time() { python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read()[:-4])
d[152:156] = bytes(4)
for i in range(int.from_bytes(d[156:160], "little")):
    d[160 + 316 * i + 308:160 + 316 * i + 316] = bytes(8)
sys.stdout.buffer.write(d)' "$1"; }
same_bin() { cmp -s <(bin_sans_time "$1") <(bin_sans_time "$2"); }
for th in 1 2; do
    mkdir -p "$work/t$th"
    expect_exit 0 "spam-train --threads $th" "$bin/spam-train" --threads $th --dataset "$data/initial" --save-to "$work/t$th/m"
    cp "$work/t$th/m/model.bin" "$work/t$th/initial.bin"
    expect_exit 0 "spam-update --threads $th" "$bin/spam-update" --threads $th --dataset "$data/incremental" --model "$work/t$th/m" --save-to "$work/t$th/m"
    expect_exit 0 "spam-validate --threads $th" "$bin/spam-validate" --threads $th --dataset "$data/validate" --model "$work/t$th/m" --save-to "$work/t$th/v"
done
check "identical model.bin after spam-train (cross-fit)" same_bin "$work/t1/initial.bin" "$work/t2/initial.bin"
check "identical model.bin after spam-update" same_bin "$work/t1/m/model.bin" "$work/t2/m/model.bin"
differ() { ! same_bin "$1" "$2"; }
check "the comparison tells two models apart" differ "$work/t1/initial.bin" "$work/t1/m/model.bin"
check "identical predictions.csv" cmp -s "$work/t1/v/predictions.csv" "$work/t2/v/predictions.csv"
same_metrics() { test "$(json "$work/t1/v/metrics.json" 'm["accuracy"], m["roc_auc"], m["log_loss"]')" = "$(json "$work/t2/v/metrics.json" 'm["accuracy"], m["roc_auc"], m["log_loss"]')"; }
check "identical metrics" same_metrics
# Passes after one without a step are not learned (ks_model_steps): the
# same models as learning every pass (KS_LEARN_ALL=1), and it did happen.
mkdir -p "$work/all"
expect_exit 0 "spam-train, every pass learned" env KS_LEARN_ALL=1 "$bin/spam-train" --dataset "$data/initial" --save-to "$work/all/m"
check "the run learned every pass" not_stderr_has "not learned"
cp "$work/all/m/model.bin" "$work/all/initial.bin"
expect_exit 0 "spam-update, every pass learned" env KS_LEARN_ALL=1 "$bin/spam-update" --dataset "$data/incremental" --model "$work/all/m" --save-to "$work/all/m"
expect_exit 0 "spam-train -v" "$bin/spam-train" -v --dataset "$data/initial" --save-to "$work/sk"
check "the default run skipped a pass of the model" stderr_has "pass 8/8: not learned"
check "and passes of the fold models" grep -Eq "fold models learned .*\([1-9][0-9]* of their passes not learned" "$work/stderr"
check "identical model.bin after spam-train, passes skipped or not" same_bin "$work/all/initial.bin" "$work/t2/initial.bin"
check "identical model.bin after spam-update, passes skipped or not" same_bin "$work/all/m/model.bin" "$work/t2/m/model.bin"
# Without temporary files (no pass cache: every pass reads the data; the
# fold models learn beside the model; the reservoir in memory) the same
# models: the pass cache's wide vectors and carried folds change nothing,
# and the reservoir still gets the compact form.
mkdir -p "$work/notmp"
expect_exit 0 "spam-train without temporary files" env TMPDIR=/nonexistent "$bin/spam-train" --dataset "$data/initial" --save-to "$work/notmp/m"
check "it had no pass cache" stderr_has "cannot make the pass cache file"
cp "$work/notmp/m/model.bin" "$work/notmp/initial.bin"
expect_exit 0 "spam-update without temporary files" env TMPDIR=/nonexistent "$bin/spam-update" --dataset "$data/incremental" --model "$work/notmp/m" --save-to "$work/notmp/m"
check "identical model.bin after spam-train, cached or not" same_bin "$work/notmp/initial.bin" "$work/t2/initial.bin"
check "identical model.bin after spam-update, cached or not" same_bin "$work/notmp/m/model.bin" "$work/t2/m/model.bin"
expect_exit 2 "--threads 3 is refused" "$bin/spam-train" --threads 3
finish
