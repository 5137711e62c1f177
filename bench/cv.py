#!/usr/bin/env python3
"""Cross-validation of training settings on TRAINING data only.

The validate split is never read. Each dataset's initial and incremental
sets are cut into K folds (by a hash of the message id); for fold k the
programs themselves run the pipeline on the other folds
(spam-train on initial\\k, spam-update on incremental\\k) and spam-validate
scores the held-out fold k of both sets. Reported: mean accuracy at the
model's threshold, ROC AUC, (1-AUC)%, false positives, log loss.

--protocol drift measures generalisation to later mail instead, still on
training data only: spam-train on all of initial, spam-validate on all of
incremental (the later-collected set). A setting that wins the folds by
learning artefacts of one collection period (relay hosts, dates) loses here.

--protocol before-update measures both at once, as the validate split is
scored after the initial step: for fold k, spam-train on initial minus
fold k, spam-validate on initial's fold k and all of incremental pooled
(one ranking, so mail like the training mail competes with later mail).

usage: bench/cv.py --bin build --data NAME=DIR [--data ...] [--folds 5]
                   [--protocol folds|drift|before-update] --grid 'ARGS' [--grid 'ARGS' ...]
  DIR holds initial/ and incremental/ (a CSV folder or ham/ spam/ folders);
  each --grid is one setting, as spam-train flags ("--alpha 2 --passes 5");
  flags after a '|' go to spam-update ("--passes 5 | --balance none").
"""
import argparse, csv, hashlib, json, os, shutil, subprocess, sys, tempfile

def fold_of(key, k):
    return int(hashlib.md5(key.encode()).hexdigest()[:8], 16) % k

def split_csv(src, dst, k, fold, held, fprefix=''):
    """Writes rows of fold `fold` (held=True) or the others into dst/[fprefix]NAME.csv."""
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith('.csv'):
            continue
        with open(os.path.join(src, name), newline='', encoding='latin-1') as f:
            rows = list(csv.reader(f))
        with open(os.path.join(dst, fprefix + name), 'w', newline='', encoding='latin-1') as f:
            w = csv.writer(f)
            w.writerow(rows[0])
            for r in rows[1:]:
                if (fold_of(r[0], k) == fold) == held:
                    w.writerow(r)

def split_mail(src, dst, k, fold, held, prefix):
    for root, _, files in os.walk(src):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), src)
            if (fold_of(rel, k) == fold) == held:
                out = os.path.join(dst, os.path.dirname(rel), prefix + name)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                os.symlink(os.path.abspath(os.path.join(root, name)), out)

def split(src, dst, k, fold, held, prefix='', pool=False):
    """pool: CSV rows go into dst itself (file names prefixed), one dataset with mail's."""
    if any(n.endswith('.csv') for n in os.listdir(src)):
        if pool:
            split_csv(src, dst, k, fold, held, prefix + '-')
            return [dst]
        split_csv(src, dst if not prefix else dst + '-' + prefix, k, fold, held)
        return [dst if not prefix else dst + '-' + prefix]
    split_mail(src, dst, k, fold, held, prefix)
    return [dst]

def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        sys.exit('failed: %s\n%s' % (' '.join(cmd), r.stderr))

def one_fold(bindir, data, k, fold, args, uargs, tmp):
    t = os.path.join(tmp, 'f%d' % fold)
    shutil.rmtree(t, ignore_errors=True)
    split(os.path.join(data, 'initial'), t + '/init', k, fold, False)
    split(os.path.join(data, 'incremental'), t + '/incr', k, fold, False)
    held = split(os.path.join(data, 'initial'), t + '/held', k, fold, True, 'a')
    held += split(os.path.join(data, 'incremental'), t + '/held', k, fold, True, 'b')
    os.makedirs(t + '/model')
    run([bindir + '/spam-train', '-q', '--dataset', t + '/init', '--save-to', t + '/model'] + args)
    run([bindir + '/spam-update', '-q', '--dataset', t + '/incr', '--model', t + '/model',
         '--save-to', t + '/model'] + uargs)
    res = []
    for i, h in enumerate(sorted(set(held))):
        run([bindir + '/spam-validate', '-q', '--dataset', h, '--model', t + '/model',
             '--save-to', '%s/m%d' % (t, i)])
        res.append(json.load(open('%s/m%d/metrics.json' % (t, i))))
    return res

def before_update(bindir, data, k, fold, args, tmp):
    """spam-train on initial minus fold k; spam-validate on initial's fold k
    and all of incremental pooled into one set, as the validate split is
    scored after the initial step: mail like the training mail and later mail."""
    t = os.path.join(tmp, 'b%d' % fold)
    shutil.rmtree(t, ignore_errors=True)
    split(os.path.join(data, 'initial'), t + '/init', k, fold, False)
    split(os.path.join(data, 'initial'), t + '/held', k, fold, True, 'a', pool=True)
    split(os.path.join(data, 'incremental'), t + '/held', 1, 0, True, 'b', pool=True)
    os.makedirs(t + '/model')
    run([bindir + '/spam-train', '-q', '--dataset', t + '/init', '--save-to', t + '/model'] + args)
    run([bindir + '/spam-validate', '-q', '--dataset', t + '/held', '--model', t + '/model',
         '--save-to', t + '/m'])
    return [json.load(open(t + '/m/metrics.json'))]

def drift(bindir, data, args, tmp):
    t = os.path.join(tmp, 'drift')
    shutil.rmtree(t, ignore_errors=True)
    os.makedirs(t + '/model')
    run([bindir + '/spam-train', '-q', '--dataset', os.path.join(data, 'initial'),
         '--save-to', t + '/model'] + args)
    run([bindir + '/spam-validate', '-q', '--dataset', os.path.join(data, 'incremental'),
         '--model', t + '/model', '--save-to', t + '/m'])
    return [json.load(open(t + '/m/metrics.json'))]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default='build')
    ap.add_argument('--data', action='append', required=True)
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--protocol', choices=('folds', 'drift', 'before-update'), default='folds')
    ap.add_argument('--grid', action='append', required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='ks-cv-')
    try:
        print('%-10s %-44s %8s %9s %8s %5s %8s' % ('data', 'setting', 'acc', 'auc', '1-auc%', 'fp', 'logloss'))
        for spec in a.data:
            name, d = spec.split('=', 1)
            for g in a.grid:
                targs, _, uargs = g.partition('|')
                ms = []
                if a.protocol == 'drift':
                    ms = drift(a.bin, d, targs.split(), tmp)
                for fold in range(a.folds if a.protocol != 'drift' else 0):
                    if a.protocol == 'folds':
                        ms += one_fold(a.bin, d, a.folds, fold, targs.split(), uargs.split(), tmp)
                    else:
                        ms += before_update(a.bin, d, a.folds, fold, targs.split(), tmp)
                n = sum(m['classification_report']['macro avg']['support'] for m in ms)
                correct = sum(m['confusion_matrix'][0][0] + m['confusion_matrix'][1][1] for m in ms)
                fp = sum(m['confusion_matrix'][0][1] for m in ms)
                auc = sum(m['roc_auc'] * m['classification_report']['macro avg']['support'] for m in ms) / n
                ll = sum(m['log_loss'] * m['classification_report']['macro avg']['support'] for m in ms) / n
                print('%-10s %-44s %8.4f %9.5f %8.3f %5d %8.4f' % (name, g, correct / n, auc, 100 * (1 - auc), fp, ll), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__':
    main()
