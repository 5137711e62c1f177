#!/usr/bin/env python3
"""accuracy_eval.py - one evaluation for every filter's per-message scores.

    accuracy_eval.py [--json OUT] [--roc-points N] [--segments K] NAME=SCORES.csv[@T] ...

Each SCORES.csv has a header line and at least the columns `label` (0 ham,
1 spam) and `score` (higher = more spammy); `predicted` (0/1), when
present, is the filter's own verdict and gives accuracy, FP and FN;
`verdict` (S/H/U, bogofilter), when present, gives the count of unsure
messages. With @T, the verdict is instead score >= T (and unsure is not
counted). spam-validate's predictions.csv and spam-train --online's
online_predictions.csv have this form; bench/accuracy_bogo.py writes it
for bogofilter.

For each file it prints one Markdown table row:
  n, ham, spam, accuracy, FP, FN, (1-AUC)% with its 95 % interval, and
  the spam recall at 0.1 % and 1 % false-positive rate,
and with --json writes the same figures and the ROC points. --segments K
also prints the (1-AUC)% of K consecutive parts of each file, in file
order (for an online run: how the filter did early and late).

Definitions (the same as model/metrics.c and app/online.c):
- AUC: the Mann-Whitney statistic, P(score(spam) > score(ham)), ties count
  half (scikit-learn's roc_auc_score).
- 95 % interval: Hanley & McNeil's (1982) standard error of the area,
  turned into an interval on the logit scale (the TREC spam track's tools
  did so) so that it stays inside [0, 1]; printed as (1-AUC)%.
- spam recall at FPR f: the largest true-positive rate over the thresholds
  between distinct scores (and above the highest) at which
  FP / ham <= f. With fewer than 1/f ham, that means no false positive.
- ROC points: (FPR, TPR) after each group of equal scores, from the
  highest score down, starting at (0, 0).

Python 3 standard library only.
"""
import csv
import json
import math
import sys


def read_scores(path):
    """Returns (labels, scores, predicted or None, verdicts or None)."""
    labels, scores, pred, verd = [], [], [], []
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        cols = rd.fieldnames or []
        for c in ("label", "score"):
            if c not in cols:
                raise ValueError(f"{path}: no '{c}' column (header: {','.join(cols)})")
        for i, row in enumerate(rd, start=2):
            try:
                y = int(row["label"])
                s = float(row["score"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{i}: label or score is not a number")
            if y not in (0, 1) or math.isnan(s):
                raise ValueError(f"{path}:{i}: label must be 0 or 1 and score a number")
            labels.append(y)
            scores.append(s)
            if "predicted" in cols:
                pred.append(int(row["predicted"]))
            if "verdict" in cols:
                verd.append(row["verdict"])
    return labels, scores, (pred if "predicted" in cols else None), \
        (verd if "verdict" in cols else None)


def roc(labels, scores):
    """ROC points [(fpr, tpr)], from (0, 0); one point per group of equal scores."""
    npos = sum(labels)
    nneg = len(labels) - npos
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    pts = [(0.0, 0.0)]
    tp = fp = 0
    i = 0
    while i < len(order):
        s = scores[order[i]]
        while i < len(order) and scores[order[i]] == s:
            if labels[order[i]]:
                tp += 1
            else:
                fp += 1
            i += 1
        pts.append((fp / nneg if nneg else 0.0, tp / npos if npos else 0.0))
    return pts


def auc(labels, scores):
    """Mann-Whitney AUC, ties half; None with one class only."""
    npos = sum(labels)
    nneg = len(labels) - npos
    if npos == 0 or nneg == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    tp = 0
    pairs2 = 0   # 2 x (spam above ham + ties / 2)
    i = 0
    while i < len(order):
        s = scores[order[i]]
        gp = gn = 0
        while i < len(order) and scores[order[i]] == s:
            if labels[order[i]]:
                gp += 1
            else:
                gn += 1
            i += 1
        pairs2 += 2 * gn * tp + gp * gn
        tp += gp
    return pairs2 / (2.0 * npos * nneg)


def auc_ci95(a, npos, nneg):
    """Hanley-McNeil 95 % interval of the area a, on the logit scale."""
    if a is None:
        return None, None
    q1 = a / (2 - a)
    q2 = 2 * a * a / (1 + a)
    var = (a * (1 - a) + (npos - 1) * (q1 - a * a) + (nneg - 1) * (q2 - a * a)) / (nneg * npos)
    if not (0 < a < 1) or not var > 0:
        return a, a
    l = math.log(a / (1 - a))
    se = math.sqrt(var) / (a * (1 - a))
    return 1 / (1 + math.exp(-(l - 1.96 * se))), 1 / (1 + math.exp(-(l + 1.96 * se)))


def recall_at_fpr(points, f):
    """Largest TPR among the ROC points with FPR <= f."""
    return max(t for (x, t) in points if x <= f + 1e-12)


def thin(points, n):
    """At most about n points: the first, the last, every point below 1 %
    FPR, and then one each time the FPR has grown by 1/n."""
    if n <= 0 or len(points) <= n:
        return points
    out, last = [], -1.0
    for k, (x, t) in enumerate(points):
        if k == 0 or k == len(points) - 1 or x < 0.01 or x - last >= 1.0 / n:
            out.append((x, t))
            last = x
    return out


def evaluate(labels, scores, pred=None, verd=None):
    npos = sum(labels)
    nneg = len(labels) - npos
    pts = roc(labels, scores)
    a = auc(labels, scores)
    lo, hi = auc_ci95(a, npos, nneg)
    r = {
        "n": len(labels), "ham": nneg, "spam": npos,
        "auc": a,
        "one_minus_auc_pct": None if a is None else 100 * (1 - a),
        "one_minus_auc_pct_ci95": None if a is None else [100 * (1 - hi), 100 * (1 - lo)],
        "spam_recall_at_fpr": {"0.001": recall_at_fpr(pts, 0.001) if npos and nneg else None,
                               "0.01": recall_at_fpr(pts, 0.01) if npos and nneg else None},
        "roc": pts,
    }
    if pred is not None:
        fp = sum(1 for y, p in zip(labels, pred) if p and not y)
        fn = sum(1 for y, p in zip(labels, pred) if y and not p)
        r.update(accuracy=(len(labels) - fp - fn) / len(labels) if labels else None, fp=fp, fn=fn)
    if verd is not None:
        r["unsure"] = sum(1 for v in verd if v == "U")
    return r


def segments(labels, scores, k):
    """[(n, spam, (1-AUC)% or None)] of k consecutive parts."""
    n, out = len(labels), []
    for i in range(k):
        a, b = i * n // k, (i + 1) * n // k
        x = auc(labels[a:b], scores[a:b])
        out.append((b - a, sum(labels[a:b]), None if x is None else 100 * (1 - x)))
    return out


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


HEADER = ("| scores | n (ham/spam) | accuracy | FP | FN | (1-AUC)% | 95 % CI | "
          "recall @0.1% FPR | recall @1% FPR |\n|---|---|---:|---:|---:|---:|---|---:|---:|")


def row(name, r):
    ci = r["one_minus_auc_pct_ci95"]
    unsure = f" ({r['unsure']} unsure)" if r.get("unsure") else ""
    return (f"| {name} | {r['n']} ({r['ham']}/{r['spam']}) | {fmt(r.get('accuracy'), '.4f')}{unsure} | "
            f"{fmt(r.get('fp'), 'd')} | {fmt(r.get('fn'), 'd')} | {fmt(r['one_minus_auc_pct'], '.4f')} | "
            f"{'-' if ci is None else f'[{ci[0]:.4f}, {ci[1]:.4f}]'} | "
            f"{fmt(r['spam_recall_at_fpr']['0.001'], '.4f')} | {fmt(r['spam_recall_at_fpr']['0.01'], '.4f')} |")


def main(argv):
    out_json, npts, nseg, files = None, 200, 0, []
    it = iter(argv)
    for a in it:
        if a == "--json":
            out_json = next(it, None)
        elif a == "--roc-points":
            npts = int(next(it, "200"))
        elif a == "--segments":
            nseg = int(next(it, "0"))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif "=" in a:
            name, path = a.split("=", 1)
            thr = None
            if "@" in path:
                head, _, t = path.rpartition("@")
                try:
                    thr = float(t)
                    path = head
                except ValueError:
                    pass
            files.append((name, path, thr))
        else:
            print(f"accuracy_eval.py: expected NAME=FILE, got '{a}' (see --help)", file=sys.stderr)
            return 2
    if not files:
        print("accuracy_eval.py: no score files (see --help)", file=sys.stderr)
        return 2
    results = {}
    print(HEADER)
    for name, path, thr in files:
        try:
            labels, scores, pred, verd = read_scores(path)
            if thr is not None:
                pred, verd = [int(x >= thr) for x in scores], None
            r = evaluate(labels, scores, pred, verd)
            if nseg > 0:
                r["segments"] = segments(labels, scores, nseg)
        except (OSError, ValueError) as e:
            print(f"accuracy_eval.py: {e}", file=sys.stderr)
            return 3
        r["file"] = path
        r["threshold"] = thr
        print(row(name, r))
        r["roc"] = thin(r["roc"], npts)
        results[name] = r
    if nseg > 0:
        print(f"\n(1-AUC)% in {nseg} consecutive parts (messages, of them spam):\n")
        first = next(iter(results.values()))["segments"]
        print("| scores | " + " | ".join(f"part {i + 1} ({m}, {sp})" for i, (m, sp, _) in enumerate(first)) + " |")
        print("|---|" + "---:|" * nseg)
        for name, r in results.items():
            print(f"| {name} | " + " | ".join(fmt(x, ".4f") for _, _, x in r["segments"]) + " |")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
