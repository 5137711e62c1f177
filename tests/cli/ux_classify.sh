#!/usr/bin/env bash
# spam-classify: one message from a file or stdin (exit 0 ham, 1 spam),
# errors >= 2, batch over a folder and an mbox, scores equal to
# spam-validate's predictions.csv.
source "$(dirname "$0")/lib.bash"
c="$bin/spam-classify"
python3 "$top/tests/cli/ux_make_mail.py" "$work/mail" 60
expect_exit 0 "train on the synthetic mail corpus" "$bin/spam-train" -q \
    --dataset "$work/mail/train" --save-to "$work/model" --hash-bits 16
m=(--model "$work/model")
ham="$work/mail/test/ham/000.eml" spam="$work/mail/test/spam/000.eml"

# One message
expect_exit 0 "a ham message exits 0" "$c" "${m[@]}" "$ham"
check "prints score<TAB>ham" grep -qP '^0\.\d{6}\tham$' "$work/stdout"
expect_exit 1 "a spam message exits 1" "$c" "${m[@]}" "$spam"
check "prints score<TAB>spam" grep -qP '^(0|1)\.\d{6}\tspam$' "$work/stdout"
expect_exit 1 "spam on stdin (no argument)" "$c" "${m[@]}" <"$spam"
expect_exit 0 "ham on stdin (-)" "$c" "${m[@]}" - <"$ham"
expect_exit 1 "-q: spam, exit status only" "$c" -q "${m[@]}" "$spam"
check "-q prints nothing" test ! -s "$work/stdout"
gzip -c "$spam" >"$work/spam.eml.gz"
expect_exit 1 "a .gz message is read decompressed" "$c" "${m[@]}" "$work/spam.eml.gz"
expect_exit 0 "--threshold 1 makes everything ham" "$c" "${m[@]}" --threshold 1 "$spam"
expect_exit 1 "--threshold 0 makes everything spam" "$c" "${m[@]}" --threshold 0 "$ham"
expect_exit 1 "-v logs the model" "$c" -v "${m[@]}" "$spam"
check "debug line names the checksum" stderr_has "checksum"

# Errors are >= 2, never a verdict
expect_exit 2 "unknown flag" "$c" --no-such-flag
expect_exit 2 "two files" "$c" "${m[@]}" "$ham" "$spam"
expect_exit 2 "a file and --batch" "$c" "${m[@]}" --batch "$work/mail/test" "$ham"
expect_exit 2 "bad --threshold" "$c" "${m[@]}" --threshold 2 "$ham"
expect_exit 3 "missing message file" "$c" "${m[@]}" "$work/nope.eml"
check "message names the file" stderr_has "nope.eml"
expect_exit 4 "missing model" "$c" --model "$work/nomodel" "$ham"
check "message names model.bin" stderr_has "model.bin"
head -c 2000 /dev/urandom | head -c 1500 >"$work/big.eml"
expect_exit 3 "message over --max-message" "$c" "${m[@]}" --max-message 1024 "$work/big.eml"

# Batch over a folder
expect_exit 0 "batch over the test folder" "$c" "${m[@]}" --batch "$work/mail/test"
check "one line per message (10)" test "$(wc -l <"$work/stdout")" -eq 10
check "lines are score<TAB>verdict<TAB>id" test "$(grep -cP '^[01]\.\d{6}\t(ham|spam)\t(ham|spam)/\d{3}\.eml$' "$work/stdout")" -eq 10
check "every verdict matches the folder" test "$(awk -F'\t' '{split($3,a,"/"); if (a[1]==$2) n++} END {print n}' "$work/stdout")" -eq 10
check "summary on stderr" stderr_has "10 messages scored (ham 5, spam 5)"
cp "$work/stdout" "$work/batch.tsv"
expect_exit 0 "spam-validate on the same folder" "$bin/spam-validate" -q --dataset "$work/mail/test" \
    "${m[@]}" --save-to "$work/metrics"
check "batch scores equal predictions.csv" python3 - "$work/batch.tsv" "$work/metrics/predictions.csv" <<'PY'
import csv, sys
b = {l.split("\t")[2].strip(): l.split("\t")[0] for l in open(sys.argv[1])}
v = {r["id"]: r["score"] for r in csv.DictReader(open(sys.argv[2]))}
sys.exit(0 if b == v and len(b) == 10 else 1)
PY

# Batch over an mbox (a file, and inside a folder)
expect_exit 0 "batch over an mbox file" "$c" "${m[@]}" --batch "$work/mail/test.mbox"
check "10 messages, ids #1..#10" test "$(grep -cP '\t\S*test\.mbox#([1-9]|10)$' "$work/stdout")" -eq 10
check "mbox verdicts: 5 ham then 5 spam" test "$(cut -f2 "$work/stdout" | tr '\n' ' ')" = "ham ham ham ham ham spam spam spam spam spam "

# Unreadable entries are reported, the rest still scored
mkdir -p "$work/mixed"
cp "$ham" "$work/mixed/h.eml"; cp "$spam" "$work/mixed/s.eml"
ln -s "$work/gone.eml" "$work/mixed/dangling.eml"
touch "$work/mixed/.hidden"
expect_exit 3 "batch with a dangling link" "$c" "${m[@]}" --batch "$work/mixed"
check "the readable messages are printed" test "$(wc -l <"$work/stdout")" -eq 2
check "warning names the entry" stderr_has "dangling.eml"
mkdir -p "$work/emptydir"
expect_exit 6 "batch over an empty folder" "$c" "${m[@]}" --batch "$work/emptydir"
expect_exit 3 "batch over a missing folder" "$c" "${m[@]}" --batch "$work/nothere"
finish
