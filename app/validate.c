/* validate.c - spam-validate: score a labelled dataset with a model and
 * write metrics.json and predictions.csv (both atomically). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app.h"
#include "prefetch.h"
#include "progress.h"
#include "skip.h"
#include "train_svm.h"
#include "report.h"
#include "ks/buf.h"
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "ks/json.h"
#include "ks/metrics.h"

typedef struct {
    const ks_app_opts *o;
    ks_model *m;
    ks_dataset *ds;
    ks_extractor *ex;
    ks_metrics *met;
    ks_fvec x;
    ks_buf pred;          /* predictions.csv */
    ks_buf json;          /* metrics.json */
    double threshold;
    ks_app_skips skips;   /* messages the extractor refused */
    ks_prefetch *pf;      /* reading and extraction ahead of scoring */
    ks_svm *svm;          /* the model's svm (svm family), else NULL */
    double raw_ll, raw_brier;   /* lr: log loss and Brier of sigmoid(margin) */
} validator;

ks_status ks_app_csv_field(ks_buf *b, const char *s)
{
    ks_status st = KS_OK;
    if (!strpbrk(s, ",\"\r\n"))
        return ks_buf_append(b, s, strlen(s));
    st = ks_buf_putc(b, '"');
    for (; *s && st == KS_OK; s++)
        st = *s == '"' ? ks_buf_append(b, "\"\"", 2) : ks_buf_putc(b, *s);
    return st == KS_OK ? ks_buf_putc(b, '"') : st;
}

/* Scores one message from the read-ahead (or counts it as skipped). */
static ks_status score_one(validator *v, const ks_prefetch_info *in)
{
    double p;
    ks_status st;
    if (in->extract_st == KS_ERR_LIMIT) {
        ks_app_skip_limit(&v->skips, in->label, in->file, in->line, in->detail);
        return KS_OK;
    }
    if (in->extract_st != KS_OK)
        return ks_fail(in->extract_st, "%s", in->detail);
    if (v->svm) {
        p = ks_app_score(v->m, v->svm, &v->x);
    } else {   /* the calibrated p, and the plain sigmoid's for comparison */
        double z = ks_model_margin(v->m, &v->x), y = in->label ? 1.0 : 0.0;
        double r = 1.0 / (1.0 + exp(-fmin(fmax(z, -35.0), 35.0)));
        p = ks_model_calibrate(v->m, z);
        v->raw_brier += (r - y) * (r - y);
        r = fmin(fmax(r, 1e-15), 1.0 - 1e-15);
        v->raw_ll -= in->label ? log(r) : log1p(-r);
    }
    if ((st = ks_metrics_add(v->met, in->label, p)) != KS_OK ||
        (st = ks_app_csv_field(&v->pred, in->id)) != KS_OK)
        return st;
    return ks_buf_printf(&v->pred, ",%d,%.6f,%d\n", in->label, p, p >= v->threshold);
}

static ks_status score_all(validator *v)
{
    ks_prefetch_info in;
    ks_progress pr;
    ks_status st;

    ks_progress_start(&pr, "scoring", ks_dataset_stats_get(v->ds)->messages);
    ks_progress_set_bytes(&pr, ks_dataset_size(v->ds));
    if ((st = ks_dataset_rewind(v->ds, 0)) != KS_OK ||
        (st = ks_buf_append(&v->pred, "id,label,score,predicted\n", 25)) != KS_OK ||
        (st = ks_prefetch_start(v->pf, v->ds, v->ex)) != KS_OK)
        return st;
    while ((st = ks_prefetch_next(v->pf, &v->x, &in)) == KS_OK) {
        if ((st = score_one(v, &in)) != KS_OK)
            break;
        ks_progress_tick(&pr, in.messages, in.bytes);
    }
    ks_prefetch_stop(v->pf);   /* ds and ex are ours again */
    ks_progress_done(&pr);
    if (st != KS_DONE)
        return st;
    return ks_app_check_skips(v->o, v->ds, &v->skips);
}

static void iso_time(char *out, size_t n, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_dataset(validator *v, ks_json *j)
{
    const ks_dataset_stats *s = ks_dataset_stats_get(v->ds);
    ks_json_key(j, "dataset");
    ks_json_begin_object(j);
    ks_json_key(j, "path"); ks_json_string(j, v->o->dataset);
    ks_json_key(j, "format"); ks_json_string(j, ks_format_name(s->format));
    ks_json_key(j, "bytes"); ks_json_uint(j, ks_dataset_size(v->ds));
    ks_json_key(j, "files"); ks_json_uint(j, s->files);
    ks_json_key(j, "messages_read"); ks_json_uint(j, s->messages);
    ks_json_key(j, "ham"); ks_json_uint(j, s->per_class[0]);
    ks_json_key(j, "spam"); ks_json_uint(j, s->per_class[1]);
    ks_json_key(j, "skipped"); ks_json_uint(j, s->skipped_total + v->skips.mime_limit);
    ks_json_key(j, "skipped_by_reason");
    ks_json_begin_object(j);
    for (int r = 0; r < KS_SKIP_COUNT; r++) {
        ks_json_key(j, ks_skip_reason_name(r));
        ks_json_uint(j, s->skipped[r]);
    }
    ks_app_skips_json(j, &v->skips);
    ks_json_end(j);
    ks_json_end(j);
}

static void json_model(validator *v, ks_json *j)
{
    char hex[16], when[32];
    ks_json_key(j, "model");
    ks_json_begin_object(j);
    ks_json_key(j, "path"); ks_json_string(j, v->o->model);
    snprintf(hex, sizeof hex, "%08x", ks_model_checksum(v->m));
    ks_json_key(j, "checksum"); ks_json_string(j, hex);
    snprintf(hex, sizeof hex, "%08x", ks_model_parent_checksum(v->m));
    ks_json_key(j, "parent_checksum"); ks_json_string(j, hex);
    ks_json_key(j, "seen_ham"); ks_json_uint(j, ks_model_seen(v->m, 0));
    ks_json_key(j, "seen_spam"); ks_json_uint(j, ks_model_seen(v->m, 1));
    ks_json_key(j, "history");
    ks_json_begin_array(j);
    for (size_t i = 0; i < ks_model_history_count(v->m); i++) {
        const ks_history_entry *h = ks_model_history(v->m, i);
        iso_time(when, sizeof when, h->time);
        ks_json_begin_object(j);
        ks_json_key(j, "mode"); ks_json_string(j, h->mode);
        ks_json_key(j, "dataset"); ks_json_string(j, h->dataset);
        ks_json_key(j, "dataset_bytes"); ks_json_uint(j, h->dataset_bytes);
        ks_json_key(j, "ham"); ks_json_uint(j, h->messages[0]);
        ks_json_key(j, "spam"); ks_json_uint(j, h->messages[1]);
        ks_json_key(j, "skipped"); ks_json_uint(j, h->skipped);
        ks_json_key(j, "passes"); ks_json_uint(j, h->passes);
        ks_json_key(j, "time"); ks_json_string(j, when);
        ks_json_end(j);
    }
    ks_json_end(j);
    ks_json_end(j);
}

/* Where the threshold and the probabilities came from (docs/reference.md). */
static void json_calibration(validator *v, ks_json *j, const ks_metrics_summary *s)
{
    static const char *const scores[] = {"none", "cross-fit", "progressive"};
    static const char *const rule[] = {"fixed", "max-accuracy", "target-fpr"};
    const ks_calibration *c = ks_model_calibration(v->m);
    ks_json_key(j, "threshold_source");
    ks_json_string(j, isnan(v->o->threshold) ? "model" : "--threshold");
    ks_json_key(j, "model_threshold"); ks_json_double(j, ks_model_threshold(v->m));
    ks_json_key(j, "model_threshold_rule"); ks_json_string(j, rule[c->rule <= 2 ? c->rule : 0]);
    ks_json_key(j, "calibration");
    ks_json_begin_object(j);
    if (v->svm) {   /* the same keys as lr (one shape for every family) */
        ks_json_key(j, "method"); ks_json_string(j, "libsvm platt (5-fold)");
        ks_json_key(j, "scores"); ks_json_null(j);
        ks_json_key(j, "a"); ks_json_null(j);
        ks_json_key(j, "b"); ks_json_null(j);
        ks_json_key(j, "uncalibrated_log_loss"); ks_json_null(j);
        ks_json_key(j, "uncalibrated_brier"); ks_json_null(j);
    } else {
        ks_json_key(j, "method");
        ks_json_string(j, c->scores == KS_SCORES_OFF ? "none (sigmoid of the margin)" : "platt");
        ks_json_key(j, "scores"); ks_json_string(j, scores[c->scores <= 2 ? c->scores : 0]);
        ks_json_key(j, "a"); ks_json_double(j, c->a);
        ks_json_key(j, "b"); ks_json_double(j, c->b);
        ks_json_key(j, "uncalibrated_log_loss"); ks_json_double(j, v->raw_ll / (double)s->n);
        ks_json_key(j, "uncalibrated_brier"); ks_json_double(j, v->raw_brier / (double)s->n);
    }
    ks_json_end(j);
}

static ks_status write_outputs(validator *v, const ks_metrics_summary *s)
{
    ks_json j;
    char when[32];
    ks_status st;

    iso_time(when, sizeof when, (int64_t)time(NULL));
    ks_json_init(&j, &v->json);
    j.pretty = 1;
    ks_json_begin_object(&j);
    ks_json_key(&j, "timestamp"); ks_json_string(&j, when);
    ks_metrics_write_json(s, &j);
    json_calibration(v, &j, s);
    json_dataset(v, &j);
    json_model(v, &j);
    ks_json_end(&j);
    if ((st = ks_json_status(&j)) != KS_OK || (st = ks_buf_putc(&v->json, '\n')) != KS_OK)
        return st;
    /* metrics.json last: it is the commit point, as model.bin is for a
     * model, so a failure before it leaves no new metrics.json */
    if ((st = ks_ensure_dir(v->o->save_to)) != KS_OK ||
        (st = ks_write_atomic_in(v->o->save_to, "predictions.csv", v->pred.data, v->pred.len)) != KS_OK ||
        (st = ks_report_write(v->o->save_to, v->met, s, v->o->dataset, v->ds, v->o->model,
                              v->m)) != KS_OK)
        return st;
    return ks_write_atomic_in(v->o->save_to, "metrics.json", v->json.data, v->json.len);
}

static ks_status validate(validator *v)
{
    ks_metrics_summary s;
    ks_feature_config fc;
    ks_status st;

    if ((st = ks_model_load_scoring(&v->m, v->o->model)) != KS_OK ||
        (st = ks_app_svm_load(v->m, v->o->model, &v->svm)) != KS_OK ||
        (st = ks_app_open_dataset(v->o, &v->ds)) != KS_OK)
        return st;
    fc = *ks_model_features(v->m);
    fc.view = 0;   /* scoring needs the message's vector only */
    if ((st = ks_extractor_new(&v->ex, &fc)) != KS_OK ||
        (st = ks_metrics_new(&v->met)) != KS_OK ||
        (st = ks_prefetch_new(&v->pf, 64, v->o->threads > 1)) != KS_OK)
        return st;
    ks_extractor_set_limits(v->ex, &v->o->mail);
    ks_log(KS_LOG_INFO, "model %s: checksum %08x (parent %08x), %zu training sessions, "
           "seen ham %llu, spam %llu, threshold %.3f", v->o->model, ks_model_checksum(v->m),
           ks_model_parent_checksum(v->m), ks_model_history_count(v->m),
           (unsigned long long)ks_model_seen(v->m, 0), (unsigned long long)ks_model_seen(v->m, 1),
           ks_model_threshold(v->m));
    v->threshold = isnan(v->o->threshold) ? ks_model_threshold(v->m) : v->o->threshold;
    if ((st = score_all(v)) != KS_OK ||
        (st = ks_metrics_compute(v->met, v->threshold, &s)) != KS_OK ||
        (st = write_outputs(v, &s)) != KS_OK)
        return st;
    ks_log(KS_LOG_INFO, "accuracy %.4f, ROC AUC %.5f, (1-AUC) %.3f%%, log loss %.4f at threshold %.3f",
           s.accuracy, s.auc, s.one_minus_auc_pct, s.log_loss, s.threshold);
    ks_log(KS_LOG_INFO, "confusion [[TN %llu, FP %llu], [FN %llu, TP %llu]]; spam recall at 0.1%% FPR %.4f",
           (unsigned long long)s.tn, (unsigned long long)s.fp, (unsigned long long)s.fn,
           (unsigned long long)s.tp, s.recall_at_fpr_001);
    ks_log(KS_LOG_INFO, "wrote %s/: metrics.json, predictions.csv, " KS_REPORT_FILES, v->o->save_to);
    return KS_OK;
}

int ks_app_validate(const ks_app_opts *o)
{
    validator v;
    ks_status st;

    memset(&v, 0, sizeof v);
    v.o = o;
    st = validate(&v);
    if (st != KS_OK)
        ks_log(KS_LOG_ERROR, "%s (no metrics written)", ks_error_detail());
    ks_prefetch_free(v.pf);
    ks_fvec_free(&v.x);
    ks_buf_free(&v.pred);
    ks_buf_free(&v.json);
    ks_metrics_free(v.met);
    ks_extractor_free(v.ex);
    ks_dataset_free(v.ds);
    ks_svm_free(v.svm);
    ks_model_free(v.m);
    return ks_app_exit_code(st);
}
