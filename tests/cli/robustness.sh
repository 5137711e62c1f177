#!/usr/bin/env bash
# Robustness of the programs against a hostile environment (issue 5): full
# disk and short writes (LD_PRELOAD shim tests/fault/write_fault.c, and a
# real full tmpfs when mount works), failing fsync, kill -9 during a save,
# read-only output and input folders, spam-update never touching its input
# model, symlink loops, FIFOs and missing or empty dataset folders. Every
# failure must exit with its documented code, name the file, and leave the
# old model (or none), never a partial or new one.
source "$(dirname "$0")/lib.bash"
T="$bin/spam-train" U="$bin/spam-update" V="$bin/spam-validate"

# The shim, built now with the host compiler (no sanitizers: with an ASan
# build of the programs the runtime must not insist on coming first).
shim=$work/write_fault.so
cc -shared -fPIC -o "$shim" "$top/tests/fault/write_fault.c" -ldl || { bad "cannot build the shim"; finish; exit; }
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
faulty() { env LD_PRELOAD="$shim" "$@"; }

# A small dataset (60 rows) and a valid model to start from.
mkdir -p "$work/d"
{ printf '"Unnamed: 0",label,text,label_num\n'
  for i in $(seq 1 30); do printf '%d,ham,"meeting notes %d agenda",0\n%d,spam,"buy cheap pills %d now",1\n' $i $i $((i+100)) $i; done; } >"$work/d/d.csv"
"$T" -q --dataset "$work/d" --save-to "$work/base" --hash-bits 12 || bad "baseline training"
valid() { "$V" -q --dataset "$work/d" --model "$1" --save-to "$work/vout" >/dev/null 2>&1; }
check "baseline model loads" valid "$work/base"

# ---- full disk (ENOSPC) and short writes through the shim ---------------
for lim in 0 1 100 1000 2000; do
    rm -rf "$work/o"
    expect_exit 5 "ENOSPC after $lim bytes: no model" faulty KS_FAULT_WRITE_LIMIT=$lim "$T" --dataset "$work/d" --save-to "$work/o" --hash-bits 12
    check "  message says disk full and names the file" grep -q "model\.\(bin\|json\): disk full" "$work/stderr"
    check "  no model.bin" test ! -e "$work/o/model.bin"
    check "  no temporary file left" test -z "$(ls -A "$work/o" 2>/dev/null | grep tmp)"
done
for f in model.json model.bin; do
    cp -r "$work/base" "$work/o2"; sum0=$(sha256sum <"$work/o2/model.bin")
    expect_exit 5 "ENOSPC on $f over an old model" faulty KS_FAULT_PATH=$f KS_FAULT_WRITE_LIMIT=10 "$U" --dataset "$work/d" --model "$work/o2" --save-to "$work/o2"
    check "  old model.bin kept byte for byte" test "$(sha256sum <"$work/o2/model.bin")" = "$sum0"
    rm -rf "$work/o2"
done
expect_exit 0 "short writes (every write halved) still save" faulty KS_FAULT_WRITE_SHORT=1 "$T" --dataset "$work/d" --save-to "$work/short" --hash-bits 12
check "  the model loads" valid "$work/short"
expect_exit 5 "fsync fails with EIO: no model" faulty KS_FAULT_FSYNC=1 "$T" --dataset "$work/d" --save-to "$work/fs" --hash-bits 12
check "  no model.bin" test ! -e "$work/fs/model.bin"
expect_exit 5 "ENOSPC on metrics.json: no metrics" faulty KS_FAULT_PATH=metrics.json KS_FAULT_WRITE_LIMIT=5 "$V" --dataset "$work/d" --model "$work/base" --save-to "$work/mo"
check "  message names metrics.json" stderr_has "metrics.json"
check "  no metrics.json" test ! -e "$work/mo/metrics.json"

# ---- a real full file system (tmpfs), when this machine lets us mount ----
mnt=$work/tmpfs
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    head -c 60000 /dev/zero >"$mnt/filler" 2>/dev/null
    expect_exit 5 "tmpfs full: no model" "$T" --dataset "$work/d" --save-to "$mnt/m" --hash-bits 12
    check "  message says disk full" stderr_has "disk full"
    check "  no model.bin" test ! -e "$mnt/m/model.bin"
    umount "$mnt"
else
    echo "skip tmpfs full-disk case (mount not permitted here; the shim covers ENOSPC)"
fi

# ---- read-only output folder and read-only input model -------------------
ro_mount() {   # dir: make it read-only even for root (bind mount), else 1
    mount --bind "$1" "$1" 2>/dev/null && mount -o remount,bind,ro "$1" 2>/dev/null && return 0
    umount "$1" 2>/dev/null; return 1
}
mkdir -p "$work/ro"
if [ "$(id -u)" != 0 ]; then chmod 555 "$work/ro"; rom=1; elif ro_mount "$work/ro"; then rom=2; else rom=0; fi
if [ $rom != 0 ]; then
    expect_exit 5 "read-only output folder" "$T" --dataset "$work/d" --save-to "$work/ro" --hash-bits 12
    check "  message names the folder" stderr_has "$work/ro"
    [ $rom = 2 ] && umount "$work/ro" || chmod 755 "$work/ro"
else
    echo "skip read-only output folder (root without bind mounts)"
fi
cp -r "$work/base" "$work/inmodel"
sum0=$(cd "$work/inmodel" && sha256sum model.bin model.json)
if [ "$(id -u)" != 0 ]; then chmod 555 "$work/inmodel"; rom=1; elif ro_mount "$work/inmodel"; then rom=2; else rom=0; fi
expect_exit 0 "spam-update from a read-only model folder to another" "$U" --dataset "$work/d" --model "$work/inmodel" --save-to "$work/upd"
check "  the input model is unchanged" test "$(cd "$work/inmodel" && sha256sum model.bin model.json)" = "$sum0"
check "  the new model loads" valid "$work/upd"
[ $rom = 2 ] && umount "$work/inmodel"; [ $rom = 1 ] && chmod 755 "$work/inmodel"
# Same folder (the walkthrough's case): replaced by rename, never rewritten in place.
cp -r "$work/base" "$work/same"
ln "$work/same/model.bin" "$work/old-link"
ino0=$(stat -c %i "$work/same/model.bin"); sum0=$(sha256sum <"$work/same/model.bin")
expect_exit 0 "spam-update into its own model folder" "$U" --dataset "$work/d" --model "$work/same" --save-to "$work/same"
check "  model.bin is a new file (renamed over the old)" test "$(stat -c %i "$work/same/model.bin")" != "$ino0"
check "  the old file's bytes were never touched" test "$(sha256sum <"$work/old-link")" = "$sum0"
check "  the new model loads" valid "$work/same"

# ---- kill -9 at random moments of a save ---------------------------------
# Writes are slowed and cut short by the shim so the save takes a while and
# the kills land before, during and after it. After each kill the folder
# holds the old model (first rounds: none) or a complete new one.
rm -rf "$work/k"; mkdir -p "$work/k"
kills=0 during=0
for round in $(seq 1 24); do
    # (no function or subshell in between: $! must be spam-train itself)
    env LD_PRELOAD="$shim" KS_FAULT_WRITE_SHORT=1 KS_FAULT_WRITE_DELAY_US=3000 \
        "$T" -q --dataset "$work/d" --save-to "$work/k" --hash-bits 12 --seed $round 2>/dev/null &
    pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 250)))"
    kill -9 $pid 2>/dev/null && kills=$((kills + 1))
    wait $pid 2>/dev/null
    ls -A "$work/k" | grep -q '\.tmp\.' && during=$((during + 1))
    rm -f "$work/k"/.*.tmp.*          # what a killed save leaves: never read
    if [ -e "$work/k/model.bin" ] && ! valid "$work/k"; then
        bad "kill -9 round $round left a model.bin that does not load"
    fi
done
ok "kill -9 in 24 rounds ($kills killed, $during during a write): never a partial model.bin"
check "  at least one kill landed before the program ended" test "$kills" -gt 0

# ---- dataset folders: symlink loops, FIFOs, missing and empty ------------
mkdir -p "$work/loop/ham" "$work/loop/spam"
printf 'Subject: hi\n\nmeeting at noon\n' >"$work/loop/ham/1"
printf 'Subject: buy\n\ncheap pills\n' >"$work/loop/spam/1"
ln -s .. "$work/loop/ham/up"; ln -s . "$work/loop/spam/self"; ln -s nowhere "$work/loop/ham/dangling"
ln -s "$work/loop/spam" "$work/loop/ham/cross"
expect_exit 0 "symlink loops in a mail folder are cut" timeout 20 "$T" --dataset "$work/loop" --save-to "$work/lo" --hash-bits 12 --max-bad-fraction 0.5
mkdir -p "$work/fifo/data"; mkfifo "$work/fifo/data/pipe"
printf 'ham data/pipe\nspam data/pipe\n' >"$work/fifo/index"
expect_exit 6 "TREC index naming a FIFO: skipped, not a hang" timeout 20 "$T" --dataset "$work/fifo" --save-to "$work/fo"
check "  reason unreadable" stderr_has "unreadable"
expect_exit 3 "missing dataset folder" "$T" --dataset "$work/none" --save-to "$work/mo2"
check "  message names the folder" stderr_has "$work/none"
mkdir -p "$work/empty"
expect_exit 3 "empty dataset folder" "$T" --dataset "$work/empty" --save-to "$work/mo2"
mkdir -p "$work/emptysub/ham" "$work/emptysub/spam"
expect_exit 6 "empty ham/ and spam/ folders: no usable record" "$T" --dataset "$work/emptysub" --save-to "$work/mo2"
check "  message says no usable record" stderr_has "no usable record"
check "no model from any of them" test ! -e "$work/mo2/model.bin"

# ---- MIME limits are bad records (the loops call ks_app_extract) ---------
mkdir -p "$work/mime/ham" "$work/mime/spam"
for i in $(seq 1 12); do printf 'Subject: hi %d\n\nmeeting\n' $i >"$work/mime/ham/$i"; printf 'Subject: buy %d\n\npills\n' $i >"$work/mime/spam/$i"; done
{ printf 'Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n'
  for i in $(seq 1 8); do printf -- '--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n' $((i-1)) $i; done
  printf -- '--b8\nContent-Type: text/plain\n\ndeep text\n'; } >"$work/mime/spam/deep"
expect_exit 0 "a message over --max-mime-depth is skipped and counted" "$T" --dataset "$work/mime" --save-to "$work/mm" --hash-bits 12 --max-mime-depth 4
check "  warning names the message and the limit" stderr_has "spam/deep.*MIME nesting deeper than 4"
expect_exit 6 "... and counts against --max-bad-fraction" "$T" --dataset "$work/mime" --save-to "$work/mm2" --hash-bits 12 --max-mime-depth 4 --max-bad-fraction 0.01
check "  no model" test ! -e "$work/mm2/model.bin"
finish
