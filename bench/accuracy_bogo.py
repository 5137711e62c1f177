#!/usr/bin/env python3
"""accuracy_bogo.py - the corpus orders and the bogofilter side of bench/accuracy.sh.

    accuracy_bogo.py order DATASET OUTDIR time|md5
        TREC index OUTDIR/index of every message under DATASET (the
        SpamAssassin demo split: DATASET/<split>/<ham|spam>/<group>/<file>),
        paths through the symlink OUTDIR/corpus -> DATASET, in the order:
          time  chronological: the date of the topmost Received: header (when
                the collecting server delivered it); without one, the Date:
                header; without both, the time of the message before it in
                its group's file-name order. Ties: group, then file name.
          md5   by the MD5 digest in the file name (NNNNN.<md5>.txt): a fixed
                pseudo-random interleaving of the groups.
    accuracy_bogo.py csv2mail CSVDIR OUTDIR
        every row of CSVDIR/*.csv (Knitfab example: id, label, text) as a
        file OUTDIR/<ham|spam>/<id>.eml: a first line "Subject: ..." of the
        text becomes the header, the rest the body (after an empty line).
    accuracy_bogo.py online INDEXDIR DB OUT.csv
        the TREC online protocol with bogofilter: for each message of
        INDEXDIR/index in order, its score from the wordlist DB trained on
        the messages before it, then registration with its gold label
        (bogofilter -u, corrected with -Sn/-Ns when wrong: about one run
        per message; BOGO_ONLINE_PLAIN=1: -t then -s/-n, two runs per
        message, the same scores).
    accuracy_bogo.py train DB MAILDIR
        registers every file under MAILDIR/ham (-n) and MAILDIR/spam (-s).
    accuracy_bogo.py score DB MAILDIR OUT.csv
        scores every file under MAILDIR/{ham,spam}.

OUT.csv: id,label,score,predicted,verdict (bench/accuracy_eval.py reads it);
score = bogofilter's spamicity (%.10e), verdict its S/H/U at its default
cutoffs (spam >= 0.99, ham <= 0.45, unsure between), predicted = (verdict
is S): unsure counts as ham. bogofilter runs with -C (no configuration
file: its built-in defaults), --db-transaction=no, and a fresh wordlist
in DB.
"""
import csv
import email.utils
import os
import re
import subprocess
import sys

BOGO = os.environ.get("BOGOFILTER", "bogofilter")
FMT = "--terse-format=%1.1c %.10e"   # longer formats are truncated by bogofilter


def die(msg):
    print(f"accuracy_bogo.py: {msg}", file=sys.stderr)
    sys.exit(3)


# ---- orders ----------------------------------------------------------------

def header_block(path):
    with open(path, "rb") as f:
        raw = f.read(256 * 1024)
    raw = raw.replace(b"\r\n", b"\n")
    hdr = raw.split(b"\n\n", 1)[0].decode("latin-1")
    return re.sub(r"\n[ \t]+", " ", hdr).split("\n")


def parse_time(s):
    try:
        t = email.utils.parsedate_to_datetime(s.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if t is None or t.tzinfo is None:
        return None
    return t.timestamp()


def message_time(path):
    """(seconds, source): topmost Received: date, else Date:, else None."""
    lines = header_block(path)
    for l in lines:
        if l.lower().startswith("received:"):
            if ";" in l:
                t = parse_time(l.rsplit(";", 1)[1])
                if t is not None:
                    return t, "received"
            break
    for l in lines:
        if l.lower().startswith("date:"):
            t = parse_time(l[5:])
            if t is not None:
                return t, "date"
            break
    return None, "none"


def corpus(dataset):
    """[(group, name, label, relpath)] of every message of the demo split."""
    out = []
    for split in ("initial", "incremental", "validate"):
        for cls, label in (("ham", 0), ("spam", 1)):
            base = os.path.join(dataset, split, cls)
            if not os.path.isdir(base):
                die(f"{base}: missing (run in/fetch-demo-data.sh)")
            for group in sorted(os.listdir(base)):
                for name in sorted(os.listdir(os.path.join(base, group))):
                    out.append((group, name, label, f"{split}/{cls}/{group}/{name}"))
    return out


def cmd_order(dataset, outdir, how):
    msgs = corpus(os.path.abspath(dataset))
    if how == "md5":
        key = {m: (m[1].split(".")[1], m[0], m[1]) for m in msgs}
    elif how == "time":
        key, src, prev = {}, {"received": 0, "date": 0, "none": 0}, {}
        for m in sorted(msgs, key=lambda m: (m[0], m[1])):
            t, s = message_time(os.path.join(dataset, m[3]))
            src[s] += 1
            if t is None:
                t = prev.get(m[0], 0.0)
            prev[m[0]] = t
            key[m] = (t, m[0], m[1])
        print(f"order time: {src['received']} by Received:, {src['date']} by Date:, "
              f"{src['none']} by the message before", file=sys.stderr)
    else:
        die(f"unknown order '{how}' (time or md5)")
    msgs.sort(key=lambda m: key[m])
    os.makedirs(outdir, exist_ok=True)
    link = os.path.join(outdir, "corpus")
    if os.path.islink(link):
        os.unlink(link)
    os.symlink(os.path.abspath(dataset), link)
    with open(os.path.join(outdir, "index"), "w") as f:
        for m in msgs:
            f.write(f"{'spam' if m[2] else 'ham'} corpus/{m[3]}\n")
    print(f"order {how}: {len(msgs)} messages ({sum(1 for m in msgs if m[2])} spam) "
          f"in {outdir}/index", file=sys.stderr)


# ---- Knitfab CSV to mail files -----------------------------------------------

def cmd_csv2mail(csvdir, outdir):
    csv.field_size_limit(1 << 30)
    files = sorted(f for f in os.listdir(csvdir) if f.endswith(".csv"))
    if not files:
        die(f"{csvdir}: no *.csv file")
    n = 0
    for d in ("ham", "spam"):
        os.makedirs(os.path.join(outdir, d), exist_ok=True)
    for fn in files:
        with open(os.path.join(csvdir, fn), newline="", encoding="utf-8", errors="replace") as f:
            rd = csv.DictReader(f)
            for i, row in enumerate(rd, start=1):
                lab = row.get("label_num", row.get("label", "")).strip().lower()
                lab = {"0": "ham", "1": "spam", "ham": "ham", "spam": "spam"}.get(lab)
                if lab is None:
                    die(f"{fn}:{i + 1}: label is not 0/1/ham/spam")
                rid = (row.get("Unnamed: 0") or row.get("id") or str(i)).strip()
                text = row["text"]
                head, sep, body = text.partition("\n")
                eol = "\r\n" if head.endswith("\r") else "\n"   # the rows' own line ends
                if head.startswith("Subject:"):
                    mail = head + "\n" + eol + body
                else:
                    mail = eol + text
                dest = os.path.join(outdir, lab, f"{fn[:-4]}-{rid}.eml")
                if os.path.exists(dest):
                    die(f"{fn}:{i + 1}: id {rid} seen before")
                with open(dest, "w", encoding="utf-8") as o:
                    o.write(mail)
                n += 1
    print(f"csv2mail: {n} messages from {csvdir} in {outdir}", file=sys.stderr)


# ---- bogofilter --------------------------------------------------------------

def run(args, stdin=None):
    # --db-transaction=no: no Berkeley DB log and sync per run (about half
    # of a registering run's time here); the counts, so the scores, are
    # the same
    p = subprocess.run([BOGO, "-C", "--db-transaction=no"] + args, input=stdin,
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def new_db(db):
    """A fresh, empty wordlist (bogofilter cannot score without one)."""
    if os.path.exists(db):
        die(f"{db}: exists (want a fresh wordlist)")
    os.makedirs(db)
    p = subprocess.run(["bogoutil", "-l", os.path.join(db, "wordlist.db")],
                       input=".MSG_COUNT 0 0\n", capture_output=True, text=True)
    if p.returncode != 0:
        die(f"bogoutil -l {db}: {p.stderr.strip()}")


def parse_terse(line):
    v, s = line.split()
    if v not in ("S", "H", "U"):
        raise ValueError(line)
    return v, float(s)


def mail_files(maildir):
    out = []
    for cls, label in (("ham", 0), ("spam", 1)):
        base = os.path.join(maildir, cls)
        if not os.path.isdir(base):
            die(f"{base}: missing")
        for root, dirs, files in os.walk(base):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(root, f)
                out.append((os.path.relpath(p, maildir), label, p))
    return out


def cmd_train(db, maildir):
    if not os.path.exists(db):
        new_db(db)
    files = mail_files(maildir)
    for label, flag in ((0, "-n"), (1, "-s")):
        names = "".join(p + "\n" for _, y, p in files if y == label)
        rc, out, err = run(["-d", db, flag, "-b"], names)
        if rc != 0:
            die(f"bogofilter {flag} -b ({maildir}): exit {rc}: {err.strip()}")
    print(f"train: {len(files)} messages of {maildir} registered", file=sys.stderr)


def write_scores(out, rows):
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "label", "score", "predicted", "verdict"])
        for rid, y, v, s in rows:
            w.writerow([rid, y, f"{s:.10e}", int(v == "S"), v])


def cmd_score(db, maildir, out):
    files = mail_files(maildir)
    names = "".join(p + "\n" for _, _, p in files)
    rc, so, err = run(["-d", db, "-t", FMT, "-b"], names)
    lines = so.splitlines()
    if rc not in (0, 1, 2) or len(lines) != len(files):
        die(f"bogofilter -b ({maildir}): exit {rc}, {len(lines)} lines for {len(files)} files: {err.strip()}")
    write_scores(out, [(rid, y) + parse_terse(l) for (rid, y, _), l in zip(files, lines)])


def cmd_online(indexdir, db, out):
    plain = os.environ.get("BOGO_ONLINE_PLAIN") == "1"
    msgs = []
    with open(os.path.join(indexdir, "index")) as f:
        for l in f:
            lab, path = l.split()
            msgs.append((path, 1 if lab == "spam" else 0, os.path.join(indexdir, path)))
    new_db(db)
    rows, spawns = [], 0
    for k, (rid, y, p) in enumerate(msgs):
        # -u scores with the wordlist as it stands, then registers the
        # message as what it was classified; a wrong class is undone and
        # the gold one registered (-Sn / -Ns), an unsure one (-u leaves it
        # out) registered with the gold label: the wordlist then holds the
        # messages 0..k with their gold labels, as with -s / -n alone.
        rc, so, err = run(["-d", db] + ([] if plain else ["-u"]) + ["-t", FMT, "-I", p])
        spawns += 1
        if rc not in (0, 1, 2):
            die(f"bogofilter -u {p}: exit {rc}: {err.strip()}")
        v, s = parse_terse(so)
        fix = None
        if plain or v == "U":
            fix = "-s" if y else "-n"
        elif (v == "S") != bool(y):
            fix = "-Sn" if v == "S" else "-Ns"
        if fix:
            rc2, _, err = run(["-d", db, fix, "-I", p])
            spawns += 1
            if rc2 != 0:
                die(f"bogofilter {fix} {p}: exit {rc2}: {err.strip()}")
        rows.append((rid, y, v, s))
        if (k + 1) % 1000 == 0:
            print(f"online: {k + 1}/{len(msgs)} messages", file=sys.stderr)
    write_scores(out, rows)
    print(f"online: {len(msgs)} messages, {spawns} bogofilter runs", file=sys.stderr)


def main(a):
    cmds = {"order": (cmd_order, 3), "csv2mail": (cmd_csv2mail, 2), "online": (cmd_online, 3),
            "train": (cmd_train, 2), "score": (cmd_score, 3)}
    if not a or a[0] not in cmds or len(a) - 1 != cmds[a[0]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    cmds[a[0]][0](*a[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
