#!/usr/bin/env bash
# spam-validate's pictures and report: roc.svg, pr.svg and scores.svg are
# well-formed XML (xmllint) and carry the numbers of metrics.json; the
# report holds the metrics and the three plots inline. Also the progress
# display: log lines without a terminal, a bar on one, nothing with -q.
source "$(dirname "$0")/lib.bash"
data="$shared/knitfab-example/dataset"
command -v xmllint >/dev/null || { bad "xmllint missing (scripts/install-deps.sh test installs libxml2-utils)"; finish; exit 1; }

expect_exit 0 "train" "$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/m1"
expect_exit 0 "validate" "$bin/spam-validate" --dataset "$data/validate" --model "$work/m1" --save-to "$work/out"
for f in roc.svg pr.svg scores.svg report.html; do
    check "$f written" test -s "$work/out/$f"
done
check "log line names the files written" stderr_has "roc.svg, pr.svg, scores.svg and report.html"
for f in roc pr scores; do
    check "$f.svg is well-formed XML (xmllint)" xmllint --noout "$work/out/$f.svg"
done

# The plotted numbers: curve area, headline numbers, histogram counts.
check "SVGs carry the numbers of metrics.json" python3 - "$work/out" <<'PY'
import json, re, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
m = json.load(open(d + "/metrics.json"))
NS = "{http://www.w3.org/2000/svg}"
def load(name):
    return ET.parse("%s/%s" % (d, name)).getroot()
def curve(root):
    fr = root.find(".//%srect[@class='frame']" % NS)
    x, y, w, h = (float(fr.get(k)) for k in ("x", "y", "width", "height"))
    pts = root.find(".//%spolyline[@class='curve']" % NS).get("points").split()
    return [((float(a) - x) / w, (y + h - float(b)) / h)
            for a, b in (p.split(",") for p in pts)]
fails = []
def expect(cond, what):
    if not cond:
        fails.append(what)
roc = load("roc.svg")
pts = curve(roc)
area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(pts, pts[1:]))
expect(abs(area - m["roc_auc"]) < 2e-3, "ROC area %.5f vs roc_auc %.5f" % (area, m["roc_auc"]))
expect(abs(float(roc.get("data-auc")) - m["roc_auc"]) < 1e-12, "data-auc")
expect(("AUC %.5f" % m["roc_auc"]) in ET.tostring(roc, encoding="unicode"), "AUC in the title")
expect(pts[0] == (0.0, 0.0) and abs(pts[-1][0] - 1) < 1e-6 and abs(pts[-1][1] - 1) < 1e-6,
       "ROC runs from (0,0) to (1,1)")
(tn, fp), (fn, tp) = m["confusion_matrix"]
op = roc.find(".//%scircle[@class='operating-point']/%stitle" % (NS, NS)).text
expect("FPR %.4f, TPR %.4f" % (fp / (fp + tn), tp / (tp + fn)) in op, "ROC operating point: " + op)
pr = load("pr.svg")
ppts = curve(pr)
expect(all(0 <= x <= 1 and 0 <= y <= 1 for x, y in ppts), "PR points inside the frame")
expect(all(b[0] >= a[0] for a, b in zip(ppts, ppts[1:])), "PR recall never decreases")
ap = float(pr.get("data-ap"))
expect(0.5 < ap <= 1.0 and ("average precision %.5f" % ap) in ET.tostring(pr, encoding="unicode"),
       "average precision in the title")
sc = load("scores.svg")
counts = {"ham": 0, "spam": 0}
nbars = 0
for r in sc.iter(NS + "rect"):
    cls = (r.get("class") or "").split()
    if "bar" in cls:
        nbars += 1
        t = r.find(NS + "title").text
        counts[cls[1]] += int(re.search(r": (\d+) messages", t).group(1))
expect(nbars == 40, "40 bars (20 bins x 2 classes), got %d" % nbars)
expect(counts == {"ham": m["dataset"]["ham"], "spam": m["dataset"]["spam"]},
       "histogram counts %s vs metrics.json" % counts)
for f in fails:
    print("  " + f)
sys.exit(1 if fails else 0)
PY

check "report.html holds the metrics and three inline plots" python3 - "$work/out" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(d + "/metrics.json"))
page = open(d + "/report.html", encoding="utf-8").read()
(tn, fp), (fn, tp) = m["confusion_matrix"]
need = ["%.4f" % m["accuracy"], "%.5f" % m["roc_auc"], "%.4f" % m["log_loss"],
        "<td>%d</td><td>%d</td>" % (tn, fp), "<td>%d</td><td>%d</td>" % (fn, tp),
        m["model"]["checksum"], "ROC curve", "Precision-recall", "Scores by class"]
missing = [s for s in need if s not in page]
ok = not missing and page.count("<svg ") == 3 and "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
print("  missing: %s" % missing if missing else "", end="")
sys.exit(0 if ok else 1)
PY

# One class only: the curves are undefined, the files still well-formed.
mkdir -p "$work/hamonly"
printf '"Unnamed: 0",label,text,label_num\n1,ham,"hello there & <you>",0\n2,ham,"meeting at noon",0\n' >"$work/hamonly/d.csv"
expect_exit 0 "validate a ham-only dataset" "$bin/spam-validate" --dataset "$work/hamonly" --model "$work/m1" --save-to "$work/one"
check "roc.svg says undefined and is well-formed" sh -c "xmllint --noout '$work/one/roc.svg' && grep -q undefined '$work/one/roc.svg'"
check "pr.svg, scores.svg well-formed" xmllint --noout "$work/one/pr.svg" "$work/one/scores.svg"

# Paths are escaped in the page
mkdir -p "$work/a&b<c"
cp "$work/hamonly/d.csv" "$work/a&b<c/"
expect_exit 0 "validate from a folder named a&b<c" "$bin/spam-validate" -q --dataset "$work/a&b<c" --model "$work/m1" --save-to "$work/esc"
check "the folder name is escaped in report.html" grep -q 'a&amp;b&lt;c' "$work/esc/report.html"

# Progress: log lines without a terminal (every 0 s here), a bar on one.
KS_PROGRESS_EVERY=0 "$bin/spam-train" --dataset "$data/initial" --save-to "$work/m2" --passes 1 2>"$work/log" >/dev/null
check "log mode: progress lines with count, total, MB, rate, time left" \
    grep -qE '^spam-train: pass 1/1: [0-9]+/[0-9]+ messages, [0-9.]+ MB, [0-9]+%, [0-9]+ msg/s, .* left$' "$work/log"
check "log mode: no terminal control characters" sh -c "! grep -q \$'\\r' '$work/log'"
"$bin/spam-train" -q --dataset "$data/initial" --save-to "$work/m2" --passes 1 2>"$work/log" >/dev/null
check "--quiet: nothing on stderr" test ! -s "$work/log"
if command -v script >/dev/null; then
    KS_PROGRESS_EVERY=0 script -qfec "$bin/spam-train --dataset $data/initial --save-to $work/m3 --passes 1" "$work/tty" >/dev/null 2>&1
    check "terminal: a bar is drawn in place" grep -qE $'\rpass 1/1 \\[[#.]+\\] +[0-9]+%' "$work/tty"
    check "terminal: the pass summary follows the erased bar" grep -qE $'\r\e\\[Kspam-train: pass 1/1:' "$work/tty"
fi
finish
