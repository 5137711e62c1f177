#!/usr/bin/env bash
# The catalogue of broken inputs (issue 5): each row of catalogue.tsv makes
# one broken dataset, model or flag, runs one program on it and checks the
# exit code, the message, and that no model.bin or metrics.json is written.
source "$(dirname "$0")/lib.bash"
table="$(dirname "$0")/catalogue.tsv"

# ---- helpers for the setup column (run inside the case folder) ----------
csvh() { printf '"Unnamed: 0",label,text,label_num\n'; }
rows() {   # N: N ham and N spam rows
    local i
    for i in $(seq 1 "$1"); do
        printf '%d,ham,"meeting notes %d agenda",0\n%d,spam,"buy cheap pills %d now",1\n' $i $i $((i + 1000)) $i
    done
}
goodcsv() { mkdir -p data; { csvh; rows 5; } >data/d.csv; }
goodmodel() { cp -r "$work/good" model; }
mails() {   # DIR N: N plain messages
    local i
    for i in $(seq 1 "$2"); do printf 'Subject: hello %d\n\nsee you at noon %d\n' $i $i >"$1/$i"; done
}
deep() {    # N: a message with multiparts nested N deep
    local i
    printf 'Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n'
    for i in $(seq 1 "$1"); do printf -- '--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n' $((i - 1)) $i; done
    printf -- '--b%d\nContent-Type: text/plain\n\ncheap pills\n' "$1"
}
wide() {    # N: a message with N text parts
    local i
    printf 'Subject: wide\nContent-Type: multipart/mixed; boundary=w\n\n'
    for i in $(seq 1 "$1"); do printf -- '--w\nContent-Type: text/plain\n\npart %d\n' $i; done
    printf -- '--w--\n'
}
flipbit() {   # OFF (negative: from the end): flips bit 0 of that byte
    python3 - model/model.bin "$1" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read()); b[off] ^= 1; open(p, 'wb').write(b)
PY
}
setbytes() {   # OFF HEX: writes bytes and fixes the CRC, as a crafted file would
    python3 - model/model.bin "$1" "$2" <<'PY'
import sys, zlib
p, off, new = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
b = bytearray(open(p, 'rb').read()); b[off:off + len(new)] = new
b[-4:] = zlib.crc32(bytes(b[:-4])).to_bytes(4, 'little'); open(p, 'wb').write(b)
PY
}

mkdir -p "$work/gd"
( cd "$work/gd" && goodcsv ) && "$bin/spam-train" -q --dataset "$work/gd/data" --save-to "$work/good" --hash-bits 12 ||
    bad "cannot train the model the model cases start from"

n=0
# (tabs become \037 first: read would merge a run of tabs, an empty column)
while IFS=$'\037' read -r name prog setup flags want msg; do
    case $name in ''|'#'*) continue ;; esac
    n=$((n + 1))
    c=$work/case/$name
    mkdir -p "$c"
    ( cd "$c" && eval "$setup" ) >/dev/null 2>&1
    args=(--dataset "$c/data" --save-to "$c/out")
    [ "$prog" != train ] && args+=(--model "$c/model")
    # shellcheck disable=SC2086   # flags split on purpose
    timeout 60 "$bin/spam-$prog" "${args[@]}" $flags >"$c/stdout" 2>"$c/stderr"
    got=$?
    if ! [[ "|$want|" == *"|$got|"* ]]; then
        bad "$name: spam-$prog exit $got, expected $want; stderr: $(head -c 300 "$c/stderr")"
    elif ! grep -aEq -- "$msg" "$c/stderr"; then
        bad "$name: message does not match /$msg/: $(head -c 300 "$c/stderr")"
    elif [ "$got" != 0 ] && { [ -e "$c/out/model.bin" ] || [ -e "$c/out/metrics.json" ]; }; then
        bad "$name: exit $got but an output was written"
    else
        ok "$name (exit $got: $(grep -av '^$' "$c/stderr" | tail -1 | cut -c1-110))"
    fi
done < <(tr '\t' '\037' <"$table")
check "catalogue has at least 40 cases ($n)" test "$n" -ge 40
finish
