#!/usr/bin/env bash
# report.html renders in headless Chromium (Debian's chromium package, as
# in CI: scripts/install-deps.sh test installs it) with the plots visible:
# the screenshot is decoded (PNG, Python standard library) and must hold
# enough pixels of the curve/bar colours inside each plot's area.
# KS_KEEP_SCREENSHOT=DIR keeps the PNG there for a person to look at.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    bad "chromium not installed (run scripts/install-deps.sh test)"
    finish; exit 1
fi

expect_exit 0 "train" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/m"
expect_exit 0 "validate" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/m" --save-to "$work/out"
png="$work/report.png"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$work/profile" --screenshot="$png" --window-size=1200,2000 \
    "file://$work/out/report.html" >"$work/chromium.log" 2>&1
check "chromium wrote a screenshot" test -s "$png"
[ -n "${KS_KEEP_SCREENSHOT:-}" ] && mkdir -p "$KS_KEEP_SCREENSHOT" && cp "$png" "$KS_KEEP_SCREENSHOT/report.png"

check "the screenshot shows text and the plots' colours" python3 - "$png" <<'PY'
import struct, sys, zlib

def decode(path):
    """8-bit RGB/RGBA non-interlaced PNG -> (width, height, rows of bytes, bpp)."""
    b = open(path, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(b):
        n, kind = struct.unpack(">I4s", b[pos:pos + 8])
        body = b[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "unsupported PNG"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            up = prev[i]
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + up) & 255
            elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
            elif f == 4:
                p = a + up - c
                pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp

w, h, rows, bpp = decode(sys.argv[1])
near = lambda p, q: all(abs(x - y) < 40 for x, y in zip(p, q))
ORANGE, BLUE = (0xd9, 0x48, 0x0f), (0x2b, 0x6c, 0xb0)
dark = orange = blue = 0
bands = {}   # orange pixels per 100-row band, to see the plots are apart
for y in range(h):
    r = rows[y]
    for x in range(0, w, 2):
        p = tuple(r[x * bpp:x * bpp + 3])
        if sum(p) < 200: dark += 1
        if near(p, ORANGE):
            orange += 1
            bands[y // 100] = bands.get(y // 100, 0) + 1
        elif near(p, BLUE): blue += 1
print("  %dx%d: dark %d, orange %d, blue %d, orange bands %s" % (w, h, dark, orange, blue, sorted(bands)))
ok = dark > 5000 and orange > 1500 and blue > 1500 and len(bands) >= 4
sys.exit(0 if ok else 1)
PY
finish
