/* online.c - spam-train --online: the TREC spam track's protocol.
 *
 * Messages are taken in dataset order (CSV rows, TREC index order, sorted
 * paths; no shuffling), each is scored by the model as it stands and only
 * then learned from, once. The scores of all messages give the ROC curve,
 * its area (ROCA) and (1-ROCA)%, the figure the spam track ranked filters
 * by, with a 95 % confidence interval: Hanley & McNeil's (1982) standard
 * error of the area, turned into an interval on the logit scale (as the
 * track's tools did) so that it stays inside [0, 1]. The per-message
 * scores, in the order scored, go to online_predictions.csv, so that other
 * filters can be compared with the same evaluation code (bench/accuracy.sh).
 *
 * Rehearsal: what --passes N does to a batch (every example learned N
 * times) is done here with the past only. Each message, once learned, is
 * offered to the model's replay reservoir (a uniform sample of the
 * messages so far, model.h), and N - 1 examples drawn at random from the
 * reservoir are learned again. A message is still scored before the model
 * has seen it, by a model that has seen only earlier messages.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "app.h"
#include "progress.h"
#include "skip.h"
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/fileio.h"
#include "ks/json.h"
#include "ks/metrics.h"

#define ROC_POINTS 200   /* most points written to online.json */

typedef struct { double score; int label; } scored;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return x > y ? -1 : x < y;
}

/* The 95 % interval of the ROC area a, with n1 spam and n0 ham. */
static void roca_ci(double a, double n1, double n0, double *lo, double *hi)
{
    double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
    double var = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n0 * n1);
    if (!(a > 0 && a < 1) || !(var > 0)) {
        *lo = *hi = a;
        return;
    }
    double l = log(a / (1 - a)), se = sqrt(var) / (a * (1 - a));
    *lo = 1 / (1 + exp(-(l - 1.96 * se)));
    *hi = 1 / (1 + exp(-(l + 1.96 * se)));
}

/* ROC points (false positive rate, true positive rate), thresholds between
 * distinct scores, thinned to at most ROC_POINTS. */
static ks_status write_roc(const ks_metrics *met, ks_json *j)
{
    size_t n = ks_metrics_count(met), k = 0;
    scored *s = ks_malloc((n ? n : 1) * sizeof *s);
    double pos = 0, neg = 0, tp = 0, fp = 0, last_fpr = -1;
    if (!s)
        return ks_fail(KS_ERR_NOMEM, "out of memory for the ROC curve");
    for (size_t i = 0; i < n; i++) {
        ks_metrics_get(met, i, &s[i].label, &s[i].score);
        pos += s[i].label;
    }
    neg = (double)n - pos;
    qsort(s, n, sizeof *s, by_score_desc);
    ks_json_key(j, "roc");
    ks_json_begin_array(j);
    ks_json_begin_array(j); ks_json_double(j, 0); ks_json_double(j, 0); ks_json_end(j);
    while (k < n) {
        double sc = s[k].score;
        for (; k < n && s[k].score == sc; k++)
            s[k].label ? tp++ : fp++;
        double fpr = neg ? fp / neg : 0, tpr = pos ? tp / pos : 0;
        if (k == n || fpr - last_fpr >= 1.0 / ROC_POINTS || fpr < 0.01) {
            ks_json_begin_array(j); ks_json_double(j, fpr); ks_json_double(j, tpr); ks_json_end(j);
            last_fpr = fpr;
        }
    }
    ks_json_end(j);
    ks_free(s);
    return KS_OK;
}

/* One online_predictions.csv row: the score with 17 significant digits, so
 * that the ROC area computed from the file is online.json's roca. */
static ks_status prediction_row(ks_buf *b, const char *id, int label, double p, double threshold)
{
    ks_status st = ks_app_csv_field(b, id);
    return st == KS_OK ? ks_buf_printf(b, ",%d,%.17g,%d\n", label, p, p >= threshold) : st;
}

static ks_status write_online(const ks_app_opts *o, const ks_metrics *met,
                              const ks_metrics_summary *s, const ks_dataset *ds,
                              const ks_buf *pred)
{
    ks_buf b = {0};
    ks_json j;
    double lo, hi;
    ks_status st;

    roca_ci(s->auc, (double)(s->tp + s->fn), (double)(s->tn + s->fp), &lo, &hi);
    ks_json_init(&j, &b);
    j.pretty = 1;
    ks_json_begin_object(&j);
    ks_json_key(&j, "protocol"); ks_json_string(&j, "online: each message scored, then learned, in dataset order");
    ks_json_key(&j, "dataset"); ks_json_string(&j, o->dataset);
    ks_json_key(&j, "format"); ks_json_string(&j, ks_format_name(ks_dataset_stats_get(ds)->format));
    ks_json_key(&j, "roca"); ks_json_double(&j, s->auc);
    ks_json_key(&j, "one_minus_roca_pct"); ks_json_double(&j, 100 * (1 - s->auc));
    ks_json_key(&j, "one_minus_roca_pct_ci95");
    ks_json_begin_array(&j); ks_json_double(&j, 100 * (1 - hi)); ks_json_double(&j, 100 * (1 - lo)); ks_json_end(&j);
    ks_metrics_write_json(s, &j);
    if ((st = write_roc(met, &j)) != KS_OK) {
        ks_buf_free(&b);
        return st;
    }
    ks_json_end(&j);
    /* online.json last: it is the commit point */
    if ((st = ks_json_status(&j)) == KS_OK && (st = ks_buf_putc(&b, '\n')) == KS_OK &&
        (st = ks_ensure_dir(o->save_to)) == KS_OK &&
        (st = ks_write_atomic_in(o->save_to, "online_predictions.csv", pred->data, pred->len)) == KS_OK)
        st = ks_write_atomic_in(o->save_to, "online.json", b.data, b.len);
    if (st == KS_OK)
        ks_log(KS_LOG_INFO, "online: (1-ROCA) %.4f%% [95%% CI %.4f, %.4f], accuracy %.4f over %llu messages; wrote %s/online.json, online_predictions.csv",
               100 * (1 - s->auc), 100 * (1 - hi), 100 * (1 - lo), s->accuracy,
               (unsigned long long)s->n, o->save_to);
    ks_buf_free(&b);
    return st;
}

/* splitmix64: the rehearsal draws, seeded by --seed (reproducible). */
static uint64_t next_draw(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Learns x, offers it to the reservoir, learns passes - 1 drawn examples. */
/* Learns x (and its view, or NULL), offers it to the reservoir, learns
 * passes - 1 drawn examples. */
static ks_status learn_and_rehearse(ks_model *m, const ks_fvec *x, const ks_fvec *view,
                                    int label, uint32_t passes, uint64_t *draw, ks_fvec *r,
                                    ks_fvec *rv)
{
    ks_status st;
    size_t k;
    int rl;
    ks_model_learn(m, x, label, 1.0);
    if (view)
        ks_model_learn(m, view, label, 1.0);
    if (passes < 2)
        return KS_OK;
    if ((st = ks_model_replay_offer(m, x, label)) != KS_OK)   /* the view is not kept */
        return st;
    if (!(k = ks_model_replay_count(m)))
        return KS_OK;
    for (uint32_t i = 1; i < passes; i++) {
        if ((st = ks_model_replay_get(m, (size_t)(next_draw(draw) % k), r, &rl)) != KS_OK)
            return st;
        ks_model_learn(m, r, rl, 1.0);
    }
    return KS_OK;
}

static ks_status online(const ks_app_opts *o, ks_dataset **ds, ks_model **m,
                        ks_extractor **ex, ks_metrics **met, ks_fvec *x, ks_buf *pred)
{
    ks_fvec r = {0}, v = {0}, rv = {0};
    uint64_t draw = o->train.seed;
    ks_app_skips sk = {0};
    ks_metrics_summary s;
    ks_message msg;
    ks_progress pr;
    ks_status st;
    int skipped;

    if ((st = ks_app_open_dataset(o, ds)) != KS_OK ||
        (st = ks_model_new(m, &o->feat, &o->train)) != KS_OK ||
        (st = ks_extractor_new(ex, &o->feat)) != KS_OK ||
        (st = ks_metrics_new(met)) != KS_OK ||
        (st = ks_dataset_rewind(*ds, 0)) != KS_OK ||
        (st = ks_buf_append(pred, "id,label,score,predicted\n", 25)) != KS_OK)
        return st;
    ks_extractor_set_limits(*ex, &o->mail);
    ks_progress_start(&pr, "online", ks_dataset_stats_get(*ds)->messages);
    while ((st = ks_dataset_next(*ds, &msg)) == KS_OK) {
        if ((st = ks_app_extract(*ex, &msg, x, &sk, &skipped)) != KS_OK)
            break;
        if (skipped)
            continue;
        if (o->feat.view && msg.kind == KS_MSG_VECTOR) {
            st = ks_fail(KS_ERR_USAGE, "%s: LIBSVM vectors have no training view (--view none "
                         "for vectors)", msg.file);
            break;
        }
        if (o->feat.view && (st = ks_extract_view(*ex, &v)) != KS_OK)
            break;
        double p = ks_model_predict(*m, x);
        if ((st = ks_metrics_add(*met, msg.label, p)) != KS_OK ||
            (st = prediction_row(pred, msg.id, msg.label, p, ks_model_threshold(*m))) != KS_OK ||
            (st = learn_and_rehearse(*m, x, o->feat.view ? &v : NULL, msg.label,
                                     o->train.passes, &draw, &r, &rv)) != KS_OK)
            break;
        ks_progress_tick(&pr, ks_dataset_stats_get(*ds)->messages, ks_dataset_stats_get(*ds)->bytes);
    }
    ks_fvec_free(&r);
    ks_fvec_free(&v);
    ks_fvec_free(&rv);
    if (st != KS_DONE || (st = ks_app_check_skips(o, *ds, &sk)) != KS_OK ||
        (st = ks_metrics_compute(*met, ks_model_threshold(*m), &s)) != KS_OK)
        return st;
    return write_online(o, *met, &s, *ds, pred);
}

int ks_app_online(const ks_app_opts *o)
{
    ks_dataset *ds = NULL;
    ks_model *m = NULL;
    ks_extractor *ex = NULL;
    ks_metrics *met = NULL;
    ks_fvec x = {0};
    ks_buf pred = {0};
    ks_status st = online(o, &ds, &m, &ex, &met, &x, &pred);
    if (st != KS_OK)
        ks_log(KS_LOG_ERROR, "%s (no online.json written)", ks_error_detail());
    ks_fvec_free(&x);
    ks_buf_free(&pred);
    ks_metrics_free(met);
    ks_extractor_free(ex);
    ks_model_free(m);
    ks_dataset_free(ds);
    return ks_app_exit_code(st);
}
