#!/usr/bin/env python3
"""Calibration and threshold settings compared by cross-validation on
TRAINING data only (the validate split is never read).

Folds as in bench/cv.py (whose split helpers this uses): for fold k,
spam-train on initial\\k, spam-validate on the held-out initial fold k
("train" stage), spam-update on incremental\\k, spam-validate on the
held-out folds k of both sets ("update" stage). Each --grid entry is a set
of spam-train flags (e.g. '--calibration off'); spam-update gets no flags,
so it follows the model's stored rule. Reported per stage, pooled over
folds: accuracy and FP/FN at the model's threshold, Brier score and log
loss of the probabilities spam-validate reports and of the plain sigmoid
of the margin ("raw"), and a 10-bin reliability table.

usage: bench/calibration_cv.py --bin build --data NAME=DIR [--folds 5]
                               --grid 'ARGS' [--grid 'ARGS' ...] [--table]
"""
import argparse, json, os, shutil, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cv import split, run   # noqa: E402

def validate(bindir, held, model, out):
    run([bindir + '/spam-validate', '-q', '--dataset', held, '--model', model, '--save-to', out])
    return json.load(open(out + '/metrics.json'))

def one_fold(bindir, data, k, fold, args, tmp, uargs):
    t = os.path.join(tmp, 'f%d' % fold)
    shutil.rmtree(t, ignore_errors=True)
    split(os.path.join(data, 'initial'), t + '/init', k, fold, False)
    split(os.path.join(data, 'incremental'), t + '/incr', k, fold, False)
    # separate folders: mail folders of both sets would otherwise merge
    held_a = split(os.path.join(data, 'initial'), t + '/held-a', k, fold, True)
    held_b = split(os.path.join(data, 'incremental'), t + '/held-b', k, fold, True)
    os.makedirs(t + '/model')
    run([bindir + '/spam-train', '-q', '--dataset', t + '/init', '--save-to', t + '/model'] + args)
    res = {'train': [validate(bindir, h, t + '/model', '%s/t%d' % (t, i))
                     for i, h in enumerate(sorted(set(held_a)))]}
    run([bindir + '/spam-update', '-q', '--dataset', t + '/incr', '--model', t + '/model',
         '--save-to', t + '/model'] + uargs)
    res['update'] = [validate(bindir, h, t + '/model', '%s/u%d' % (t, i))
                     for i, h in enumerate(sorted(set(held_a + held_b)))]
    return res

def pooled(ms):
    n = sum(sum(map(sum, m['confusion_matrix'])) for m in ms)
    w = lambda f: sum(f(m) * sum(map(sum, m['confusion_matrix'])) for m in ms) / n
    rel = []
    for b in range(10):
        cnt = sum(m['reliability'][b]['n'] for m in ms)
        mp = sum((m['reliability'][b]['mean_prob'] or 0) * m['reliability'][b]['n'] for m in ms)
        sf = sum((m['reliability'][b]['spam_fraction'] or 0) * m['reliability'][b]['n'] for m in ms)
        rel.append((ms[0]['reliability'][b]['bin'], cnt, mp / cnt if cnt else None, sf / cnt if cnt else None))
    return dict(n=n,
                acc=sum(m['confusion_matrix'][0][0] + m['confusion_matrix'][1][1] for m in ms) / n,
                fp=sum(m['confusion_matrix'][0][1] for m in ms),
                fn=sum(m['confusion_matrix'][1][0] for m in ms),
                brier=w(lambda m: m['brier']), ll=w(lambda m: m['log_loss']),
                raw_brier=w(lambda m: m['calibration'].get('uncalibrated_brier', m['brier'])),
                raw_ll=w(lambda m: m['calibration'].get('uncalibrated_log_loss', m['log_loss'])),
                thr=sum(m['threshold'] for m in ms) / len(ms), rel=rel)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default='build')
    ap.add_argument('--data', action='append', required=True)
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--grid', action='append', required=True)
    ap.add_argument('--table', action='store_true', help='print the reliability tables')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='ks-calcv-')
    try:
        print('%-9s %-44s %-6s %5s %7s %4s %4s %7s %8s %8s %8s %8s' % (
            'data', 'setting', 'stage', 'n', 'acc', 'fp', 'fn', 'thr', 'brier', 'logloss',
            'rawbrier', 'rawll'))
        for spec in a.data:
            name, d = spec.split('=', 1)
            for g in a.grid:
                st = {'train': [], 'update': []}
                for fold in range(a.folds):
                    targs, _, uargs = g.partition('|')
                    r = one_fold(a.bin, d, a.folds, fold, targs.split(), tmp, uargs.split())
                    for s in st:
                        st[s] += r[s]
                for s in ('train', 'update'):
                    p = pooled(st[s])
                    print('%-9s %-44s %-6s %5d %7.4f %4d %4d %7.4f %8.5f %8.5f %8.5f %8.5f' % (
                        name, g, s, p['n'], p['acc'], p['fp'], p['fn'], p['thr'], p['brier'],
                        p['ll'], p['raw_brier'], p['raw_ll']), flush=True)
                    if a.table:
                        for b, c, mp, sf in p['rel']:
                            print('    %-10s n %5d  mean p %s  spam share %s' % (
                                b, c, '%.4f' % mp if mp is not None else '-',
                                '%.4f' % sf if sf is not None else '-'))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__':
    main()
