#!/usr/bin/env bash
# Flags, help, version and the failure paths a Knitfab run meets: every
# failure exits non-zero with a message naming what is wrong, and writes
# no model or metrics.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"

for p in spam-train spam-update spam-validate; do
    expect_exit 0 "$p --help" "$bin/$p" --help
    check "$p --help mentions --dataset and exit status" grep -q -- "--dataset" "$work/stdout"
    expect_exit 0 "$p --version" "$bin/$p" --version
    check "$p --version names the kernel" grep -q "kernel:" "$work/stdout"
    expect_exit 2 "$p with an unknown flag" "$bin/$p" --no-such-flag
    check "message names the flag" stderr_has "no-such-flag"
    expect_exit 2 "$p with a stray argument" "$bin/$p" stray
done
expect_exit 2 "spam-train --hash-bits 40" "$bin/spam-train" --hash-bits 40
check "message names the flag" stderr_has "hash-bits"
expect_exit 2 "spam-train --model is not a train flag" "$bin/spam-train" --model /x
expect_exit 2 "spam-validate --passes is not a validate flag" "$bin/spam-validate" --passes 3
expect_exit 2 "spam-train --view outside --features" "$bin/spam-train" --features words,urls --view words,meta
check "message names --view" stderr_has "view"
expect_exit 2 "spam-train --view with an unknown family" "$bin/spam-train" --view words,nouns
expect_exit 2 "spam-train --view with --algo svm" "$bin/spam-train" --algo svm --view words
expect_exit 2 "spam-update --view is a train flag" "$bin/spam-update" --view words

mkdir -p "$work/out"
expect_exit 3 "missing dataset folder" "$bin/spam-train" --dataset "$work/nope" --save-to "$work/out"
check "message names the folder" stderr_has "$work/nope"
mkdir -p "$work/empty"
expect_exit 3 "empty dataset folder" "$bin/spam-train" --dataset "$work/empty" --save-to "$work/out"
check "message names the folder" stderr_has "$work/empty"
check "no model written" test ! -e "$work/out/model.bin"

# Missing /in/model (a Knitfab run whose model input is empty)
mkdir -p "$work/nomodel" "$work/m"
expect_exit 4 "spam-validate with an empty model folder" "$bin/spam-validate" --dataset "$data/validate" --model "$work/nomodel" --save-to "$work/out"
check "message names model.bin" stderr_has "model.bin"
check "no metrics written" test ! -e "$work/out/metrics.json"
expect_exit 4 "spam-update with an empty model folder" "$bin/spam-update" --dataset "$data/incremental" --model "$work/nomodel" --save-to "$work/m"
check "no model written" test ! -e "$work/m/model.bin"

# One class only
mkdir -p "$work/oneclass"
printf '"Unnamed: 0",label,text,label_num\n1,ham,"hello there",0\n2,ham,"meeting at noon",0\n' > "$work/oneclass/d.csv"
expect_exit 6 "training on ham only" "$bin/spam-train" --dataset "$work/oneclass" --save-to "$work/m"
check "message says both classes are needed" stderr_has "both ham and spam"

# Too many bad records
mkdir -p "$work/bad"
{ printf '"Unnamed: 0",label,text,label_num\n'
  for i in 1 2 3 4 5 6; do printf '%d,ham,"ok %d",0\n%d,spam,"buy %d",1\n' $i $i $((i+100)) $i; done
  for i in 1 2 3 4; do printf '%d,maybe,"what",7\n' $((i+200)); done; } > "$work/bad/d.csv"
expect_exit 6 "4 of 16 records with bad labels" "$bin/spam-train" --dataset "$work/bad" --save-to "$work/m"
check "message gives the fraction" stderr_has "unusable"
expect_exit 0 "same with --max-bad-fraction 0.5" "$bin/spam-train" --dataset "$work/bad" --save-to "$work/m" --max-bad-fraction 0.5
check "warning names the reason" stderr_has "bad_label"

# Corrupt model: flip one byte
cp -r "$work/m" "$work/corrupt"
printf '\x55' | dd of="$work/corrupt/model.bin" bs=1 seek=40 conv=notrunc status=none
expect_exit 4 "flipped byte in model.bin" "$bin/spam-validate" --dataset "$data/validate" --model "$work/corrupt" --save-to "$work/out"
check "message says checksum" stderr_has "checksum"
finish
