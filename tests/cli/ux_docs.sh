#!/usr/bin/env bash
# Documentation stays true: every flag each program's --help lists is in
# its man page and in docs/reference.md; every key spam-validate writes to
# metrics.json is in the reference; the man pages format without warnings;
# tools/metrics-history orders successive validations by model lineage.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
ref="$top/docs/reference.md"

for p in spam-train spam-update spam-validate spam-classify; do
    expect_exit 0 "$p --help" "$bin/$p" --help
    check "$p --help gives the exit status" grep -q "Exit status" "$work/stdout"
    man="$top/man/$p.1"
    check "$p has a man page" test -s "$man"
    missing=""
    for f in $(grep -oE -- '--[a-z][a-z0-9-]+' "$work/stdout" | sort -u); do
        grep -q -- "\`$f" "$ref" || missing="$missing ref:$f"
        grep -q -- "$(printf '%s' "$f" | sed 's/-/\\\\-/g')" "$man" || missing="$missing man:$f"
    done
    check "$p: every --help flag documented${missing:+ (missing:$missing)}" test -z "$missing"
    if command -v groff >/dev/null; then
        check "$p.1 formats without warnings" sh -c "[ -z \"\$(groff -man -Tutf8 -ww -z '$man' 2>&1)\" ]"
    fi
done
expect_exit 0 "spam-classify --version" "$bin/spam-classify" --version
check "names the program and version" grep -q "spam-classify (knitspam)" "$work/stdout"

# metrics.json keys <-> reference, and the history view over two models
expect_exit 0 "train" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/m1"
expect_exit 0 "update" "$bin/spam-update" -q --dataset "$data/incremental" --model "$work/m1" --save-to "$work/m2"
mkdir -p "$work/v"
expect_exit 0 "validate model 1" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/m1" --save-to "$work/v/1"
expect_exit 0 "validate model 2" "$bin/spam-validate" -q --dataset "$data/validate" --model "$work/m2" --save-to "$work/v/2"
check "every metrics.json key is in docs/reference.md" python3 - "$work/v/2/metrics.json" "$ref" <<'PY'
import json, sys
m, ref = json.load(open(sys.argv[1])), open(sys.argv[2]).read()
keys = set()
def walk(o, top):
    if isinstance(o, dict):
        for k, v in o.items():
            if top or not k.replace(".", "").isdigit():
                keys.add(k)
            walk(v, False)
    elif isinstance(o, list):
        for v in o:
            walk(v, False)
walk(m, True)
missing = sorted(k for k in keys if "`%s" % k not in ref and '"%s"' % k not in ref and k not in ref)
print("  missing: %s" % missing if missing else "", end="")
sys.exit(1 if missing else 0)
PY
expect_exit 0 "metrics-history over both" python3 "$top/tools/metrics-history" "$work/v"
check "two rows, model 2 from row 1" python3 - "$work/stdout" "$work/m1/model.json" "$work/m2/model.json" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
c1, c2 = (json.load(open(p))["checksum"] for p in sys.argv[2:4])
rows = [l.split() for l in lines[1:] if l.strip()]
sys.exit(0 if len(rows) == 2 and rows[0][2] == c1 and rows[1][2] == c2 and rows[1][3] == "#1" else 1)
PY
expect_exit 0 "metrics-history --csv" python3 "$top/tools/metrics-history" --csv "$work/v/2" "$work/v/1/metrics.json"
check "CSV header and two rows" test "$(wc -l <"$work/stdout")" -eq 3
expect_exit 2 "metrics-history with nothing found" python3 "$top/tools/metrics-history" "$work/m1"
finish
