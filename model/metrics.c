/* metrics.c - evaluation of (label, probability) pairs.
 *
 * Conventions, matching scikit-learn so reports can be compared directly:
 *  - spam (label 1) is the positive class; a message is predicted spam when
 *    prob >= threshold;
 *  - per-class precision, recall and F1 are sklearn's
 *    classification_report(y, pred, labels=[0, 1], output_dict=True,
 *    zero_division=0): precision = tp / (tp + fp), recall = tp / (tp + fn),
 *    F1 = (2 P R) / (P + R), each 0.0 when its denominator is 0. F1 is
 *    computed in that order, as sklearn 1.2 (Debian 12) does, so values
 *    agree to the last bit; later sklearn versions use 2 tp / (2 tp + fp +
 *    fn), which can differ in the last bit;
 *    "macro avg" is the plain mean over the two classes, "weighted avg"
 *    the mean weighted by support. The shape is always "0", "1",
 *    "accuracy", "macro avg", "weighted avg"; sklearn itself writes
 *    "micro avg" instead of "accuracy" when labels and predictions hold a
 *    single class (its value then equals the accuracy);
 *  - ROC AUC is the Mann-Whitney statistic: the fraction of (spam, ham)
 *    pairs where the spam scores higher, ties counting one half. It equals
 *    the trapezoidal area under the ROC curve (sklearn's roc_auc_score);
 *    NaN when either class is absent;
 *  - log loss is the mean of -[y ln p + (1 - y) ln(1 - p)] with p clipped
 *    to [1e-15, 1 - 1e-15]; the Brier score is the mean of (p - y)^2
 *    (sklearn's brier_score_loss);
 *  - reliability: messages binned by p into [0, 0.1), ..., [0.9, 1.0]; per
 *    bin the count, mean p and share of spam (a calibrated model has mean
 *    p close to the spam share in every well-filled bin);
 *  - spam recall at a false-positive rate target: thresholds are only
 *    placed between distinct scores (a tie is flagged all or none, never
 *    split at random), i.e. the candidate operating points are exactly the
 *    points of sklearn's roc_curve(drop_intermediate=False), plus (0, 0).
 *    The value is the largest TPR among points whose FPR = fp / n_ham is
 *    <= the target. NaN when either class is absent.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ks/alloc.h"
#include "ks/metrics.h"

struct ks_metrics {
    double *prob;          /* probability of spam, per message */
    unsigned char *label;  /* 0 ham, 1 spam, per message */
    size_t n;              /* messages added */
    size_t cap;            /* entries allocated in both arrays */
};

typedef struct {
    double p;    /* score */
    int y;       /* label */
} scored;

ks_status ks_metrics_new(ks_metrics **out)
{
    *out = ks_calloc(1, sizeof **out);
    return *out ? KS_OK : ks_fail(KS_ERR_NOMEM, "out of memory for metrics");
}

void ks_metrics_free(ks_metrics *m)
{
    if (!m)
        return;
    ks_free(m->prob);
    ks_free(m->label);
    ks_free(m);
}

static ks_status grow(ks_metrics *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    double *p = ks_realloc(m->prob, cap * sizeof *p);
    unsigned char *l;
    if (!p)
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu scores", cap);
    m->prob = p;
    l = ks_realloc(m->label, cap);
    if (!l)
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu scores", cap);
    m->label = l;
    m->cap = cap;
    return KS_OK;
}

ks_status ks_metrics_add(ks_metrics *m, int label, double prob)
{
    ks_status st;
    if (label != 0 && label != 1)
        return ks_fail(KS_ERR_USAGE, "label %d is not 0 or 1", label);
    if (!(prob >= 0.0 && prob <= 1.0))
        return ks_fail(KS_ERR_USAGE, "probability %g is not in [0, 1]", prob);
    if (m->n == m->cap && (st = grow(m)) != KS_OK)
        return st;
    m->prob[m->n] = prob;
    m->label[m->n] = (unsigned char)label;
    m->n++;
    return KS_OK;
}

size_t ks_metrics_count(const ks_metrics *m)
{
    return m->n;
}

void ks_metrics_get(const ks_metrics *m, size_t i, int *label, double *prob)
{
    assert(i < m->n);
    *label = m->label[i];
    *prob = m->prob[i];
}

static double safe_div(double a, double b) { return b > 0 ? a / b : 0.0; }

/* One class's row from its true positives, false positives, false
 * negatives (with that class as the positive one). */
static ks_class_report class_row(uint64_t tp, uint64_t fp, uint64_t fn)
{
    ks_class_report r;
    r.precision = safe_div((double)tp, (double)(tp + fp));
    r.recall = safe_div((double)tp, (double)(tp + fn));
    r.f1 = safe_div(2.0 * r.precision * r.recall, r.precision + r.recall);
    r.support = tp + fn;
    return r;
}

static void confusion(const ks_metrics *m, double t, ks_metrics_summary *s)
{
    s->tn = s->fp = s->fn = s->tp = 0;
    for (size_t i = 0; i < m->n; i++) {
        int pred = m->prob[i] >= t;
        if (m->label[i])
            pred ? s->tp++ : s->fn++;
        else
            pred ? s->fp++ : s->tn++;
    }
}

static void report(ks_metrics_summary *s)
{
    const ks_class_report *c = s->cls;
    double n = (double)s->n;
    s->cls[0] = class_row(s->tn, s->fn, s->fp);
    s->cls[1] = class_row(s->tp, s->fp, s->fn);
    s->accuracy = (double)(s->tp + s->tn) / n;
    s->macro.precision = (c[0].precision + c[1].precision) / 2;
    s->macro.recall = (c[0].recall + c[1].recall) / 2;
    s->macro.f1 = (c[0].f1 + c[1].f1) / 2;
    s->macro.support = s->n;
    s->weighted.precision = (c[0].precision * (double)c[0].support +
                             c[1].precision * (double)c[1].support) / n;
    s->weighted.recall = (c[0].recall * (double)c[0].support +
                          c[1].recall * (double)c[1].support) / n;
    s->weighted.f1 = (c[0].f1 * (double)c[0].support +
                      c[1].f1 * (double)c[1].support) / n;
    s->weighted.support = s->n;
}

static double log_loss(const ks_metrics *m)
{
    double sum = 0.0;
    for (size_t i = 0; i < m->n; i++) {
        double p = fmin(fmax(m->prob[i], 1e-15), 1.0 - 1e-15);
        sum -= m->label[i] ? log(p) : log1p(-p);
    }
    return sum / (double)m->n;
}

static void calibration(const ks_metrics *m, ks_metrics_summary *s)
{
    double sum_p[10] = {0}, spam[10] = {0}, brier = 0.0;
    for (int k = 0; k < 10; k++)
        s->reliability[k].n = 0;
    for (size_t i = 0; i < m->n; i++) {
        double p = m->prob[i], d = p - m->label[i];
        int k = (int)(p * 10);
        k = k < 0 ? 0 : k > 9 ? 9 : k;
        brier += d * d;
        s->reliability[k].n++;
        sum_p[k] += p;
        spam[k] += m->label[i];
    }
    s->brier = brier / (double)m->n;
    for (int k = 0; k < 10; k++) {
        double n = (double)s->reliability[k].n;
        s->reliability[k].mean_prob = n > 0 ? sum_p[k] / n : NAN;
        s->reliability[k].spam_fraction = n > 0 ? spam[k] / n : NAN;
    }
}

/* Descending by score; equal scores are one group, order inside is moot. */
static int by_score_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return (x < y) - (x > y);
}

/* Walks the score groups from the highest score down: AUC from pair
 * counts, recall at FPR from the ROC points between groups. */
static void ranking(const scored *v, size_t n, uint64_t npos, uint64_t nneg,
                    ks_metrics_summary *s)
{
    const double target[2] = {0.001, 0.01};
    double best[2] = {0.0, 0.0};
    uint64_t tp = 0, fp = 0, pairs2 = 0;   /* 2 x (spam above ham + ties/2) */
    for (size_t i = 0; i < n;) {
        uint64_t gp = 0, gn = 0;
        size_t j = i;
        for (; j < n && v[j].p == v[i].p; j++)
            v[j].y ? gp++ : gn++;
        /* each ham of this group is beaten by the tp spam above it, and
         * ties with the group's own spam count half */
        pairs2 += 2 * gn * tp + gp * gn;
        tp += gp;
        fp += gn;
        for (int k = 0; k < 2; k++)
            if ((double)fp / (double)nneg <= target[k])
                best[k] = fmax(best[k], (double)tp / (double)npos);
        i = j;
    }
    s->auc = (double)pairs2 / (2.0 * (double)npos * (double)nneg);
    s->recall_at_fpr_001 = best[0];
    s->recall_at_fpr_01 = best[1];
}

static ks_status rank_metrics(const ks_metrics *m, ks_metrics_summary *s)
{
    uint64_t npos = s->tp + s->fn, nneg = s->tn + s->fp;
    scored *v;
    if (npos == 0 || nneg == 0) {
        s->auc = s->recall_at_fpr_001 = s->recall_at_fpr_01 = NAN;
        return KS_OK;
    }
    v = ks_malloc(m->n * sizeof *v);
    if (!v)
        return ks_fail(KS_ERR_NOMEM, "out of memory ranking %zu scores", m->n);
    for (size_t i = 0; i < m->n; i++) {
        v[i].p = m->prob[i];
        v[i].y = m->label[i];
    }
    qsort(v, m->n, sizeof *v, by_score_desc);
    ranking(v, m->n, npos, nneg, s);
    ks_free(v);
    return KS_OK;
}

ks_status ks_metrics_compute(const ks_metrics *m, double threshold,
                             ks_metrics_summary *out)
{
    ks_metrics_summary s = {0};
    ks_status st;
    if (m->n == 0)
        return ks_fail(KS_ERR_DATA, "no messages were scored");
    s.n = m->n;
    s.threshold = threshold;
    confusion(m, threshold, &s);
    report(&s);
    s.log_loss = log_loss(m);
    calibration(m, &s);
    if ((st = rank_metrics(m, &s)) != KS_OK)
        return st;
    s.one_minus_auc_pct = (1.0 - s.auc) * 100.0;
    *out = s;
    return KS_OK;
}

static void json_row(ks_json *j, const char *key, const ks_class_report *r)
{
    ks_json_key(j, key);
    ks_json_begin_object(j);
    ks_json_key(j, "precision"); ks_json_double(j, r->precision);
    ks_json_key(j, "recall"); ks_json_double(j, r->recall);
    ks_json_key(j, "f1-score"); ks_json_double(j, r->f1);
    ks_json_key(j, "support"); ks_json_uint(j, r->support);
    ks_json_end(j);
}

void ks_metrics_write_json(const ks_metrics_summary *s, ks_json *j)
{
    ks_json_key(j, "accuracy"); ks_json_double(j, s->accuracy);
    ks_json_key(j, "confusion_matrix");
    ks_json_begin_array(j);
    ks_json_begin_array(j);
    ks_json_uint(j, s->tn); ks_json_uint(j, s->fp);
    ks_json_end(j);
    ks_json_begin_array(j);
    ks_json_uint(j, s->fn); ks_json_uint(j, s->tp);
    ks_json_end(j);
    ks_json_end(j);
    ks_json_key(j, "classification_report");
    ks_json_begin_object(j);
    json_row(j, "0", &s->cls[0]);
    json_row(j, "1", &s->cls[1]);
    ks_json_key(j, "accuracy"); ks_json_double(j, s->accuracy);
    json_row(j, "macro avg", &s->macro);
    json_row(j, "weighted avg", &s->weighted);
    ks_json_end(j);
    ks_json_key(j, "roc_auc"); ks_json_double(j, s->auc);
    ks_json_key(j, "one_minus_auc_pct"); ks_json_double(j, s->one_minus_auc_pct);
    ks_json_key(j, "log_loss"); ks_json_double(j, s->log_loss);
    ks_json_key(j, "brier"); ks_json_double(j, s->brier);
    ks_json_key(j, "reliability");
    ks_json_begin_array(j);
    for (int k = 0; k < 10; k++) {
        char bin[16];
        snprintf(bin, sizeof bin, "[%.1f,%.1f%c", k / 10.0, (k + 1) / 10.0, k == 9 ? ']' : ')');
        ks_json_begin_object(j);
        ks_json_key(j, "bin"); ks_json_string(j, bin);
        ks_json_key(j, "n"); ks_json_uint(j, s->reliability[k].n);
        ks_json_key(j, "mean_prob"); ks_json_double(j, s->reliability[k].mean_prob);
        ks_json_key(j, "spam_fraction"); ks_json_double(j, s->reliability[k].spam_fraction);
        ks_json_end(j);
    }
    ks_json_end(j);
    ks_json_key(j, "threshold"); ks_json_double(j, s->threshold);
    ks_json_key(j, "spam_recall_at_fpr");
    ks_json_begin_object(j);
    ks_json_key(j, "0.001"); ks_json_double(j, s->recall_at_fpr_001);
    ks_json_key(j, "0.01"); ks_json_double(j, s->recall_at_fpr_01);
    ks_json_end(j);
}
