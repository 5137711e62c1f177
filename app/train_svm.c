/* train_svm.c - spam-train --algo svm and spam-update of an svm model.
 *
 * One pass collects the dataset's vectors in memory (an SVM solver needs
 * them all: memory is the vectors, ~8 bytes a non-zero, plus libsvm's
 * kernel cache), then libsvm trains on the kept support vectors of the
 * model (none for spam-train) plus these (Syed, Liu & Sung 1999). The
 * model folder is the usual one: model.bin (settings, history, checksum;
 * algo = svm) beside svm.bin (svm_model.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app.h"
#include "progress.h"
#include "skip.h"
#include "train_svm.h"
#include "ks/fileio.h"

int ks_app_is_svm(const ks_app_opts *o)
{
    ks_model *m = NULL;
    int svm;
    if (o->mode == KS_APP_TRAIN)
        return o->train.algo == KS_ALGO_SVM;
    /* the settings only: a scoring load leaves out the replay reservoir
     * (a full one here put SA spam-update's peak of memory at loading) */
    if (o->mode != KS_APP_UPDATE || ks_model_load_scoring(&m, o->model) != KS_OK)
        return 0;
    svm = ks_model_train_config(m)->algo == KS_ALGO_SVM;
    ks_model_free(m);
    return svm;
}

ks_status ks_app_svm_load(const ks_model *m, const char *dir, ks_svm **out)
{
    *out = NULL;
    if (ks_model_train_config(m)->algo != KS_ALGO_SVM)
        return KS_OK;
    return ks_svm_load(out, m, dir);
}

double ks_app_score(const ks_model *m, const ks_svm *svm, const ks_fvec *x)
{
    return svm ? ks_svm_predict(svm, x) : ks_model_predict(m, x);
}

typedef struct {
    ks_dataset *ds;
    ks_model *m;
    ks_svm *s;
    ks_extractor *ex;
    ks_fvec x;
    ks_app_skips skips;
} svm_trainer;

static ks_status make_models(const ks_app_opts *o, svm_trainer *t)
{
    const ks_dataset_stats *st = ks_dataset_stats_get(t->ds);
    ks_train_config tc = o->train;
    ks_status rc;
    if (o->mode == KS_APP_UPDATE) {
        if ((rc = ks_model_load(&t->m, o->model)) != KS_OK ||
            (rc = ks_svm_load(&t->s, t->m, o->model)) != KS_OK)
            return rc;
        ks_log(KS_LOG_INFO, "loaded svm model %s (checksum %08x, %zu support vectors, %zu "
               "training sessions)", o->model, ks_model_checksum(t->m), ks_svm_sv_count(t->s),
               ks_model_history_count(t->m));
        return KS_OK;
    }
    if (!st->per_class[0] || !st->per_class[1])
        return ks_fail(KS_ERR_DATA, "%s: only %s messages; training needs both ham and spam",
                       o->dataset, st->per_class[0] ? "ham" : "spam");
    tc.algo = KS_ALGO_SVM;
    tc.replay = 0;   /* the support vectors are this family's memory */
    if ((rc = ks_model_new(&t->m, &o->feat, &tc)) != KS_OK)
        return rc;
    return ks_svm_new(&t->s, &o->svm);
}

static ks_status collect(const ks_app_opts *o, svm_trainer *t)
{
    ks_message msg;
    ks_progress pr;
    ks_status st;
    ks_progress_start(&pr, "reading", ks_dataset_stats_get(t->ds)->messages);
    if ((st = ks_dataset_rewind(t->ds, 0)) != KS_OK)
        return st;
    while ((st = ks_dataset_next(t->ds, &msg)) == KS_OK) {
        const ks_dataset_stats *s = ks_dataset_stats_get(t->ds);
        int skipped;
        if ((st = ks_app_extract(t->ex, &msg, &t->x, &t->skips, &skipped)) != KS_OK)
            return st;
        if (!skipped && (st = ks_svm_add(t->s, &t->x, msg.label)) != KS_OK)
            return st;
        ks_progress_tick(&pr, s->messages, s->bytes);
    }
    if (st != KS_DONE)
        return st;
    return ks_app_check_skips(o, t->ds, &t->skips);
}

static ks_status save(const ks_app_opts *o, svm_trainer *t)
{
    const ks_dataset_stats *s = ks_dataset_stats_get(t->ds);
    ks_history_entry h;
    ks_status st;
    memset(&h, 0, sizeof h);
    snprintf(h.mode, sizeof h.mode, "%s", o->mode == KS_APP_TRAIN ? "initial" : "incremental");
    snprintf(h.dataset, sizeof h.dataset, "%s", o->dataset);
    h.dataset_bytes = ks_dataset_size(t->ds);
    h.messages[0] = s->per_class[0] - t->skips.per_class[0];
    h.messages[1] = s->per_class[1] - t->skips.per_class[1];
    h.skipped = s->skipped_total + t->skips.mime_limit;
    h.passes = 1;
    h.time = (int64_t)time(NULL);
    if ((st = ks_model_add_history(t->m, &h)) != KS_OK || (st = ks_ensure_dir(o->save_to)) != KS_OK)
        return st;
    return ks_svm_save(t->s, t->m, o->save_to);
}

static ks_status train(const ks_app_opts *o, svm_trainer *t)
{
    const ks_svm_config *c;
    size_t kept;
    double t0;
    ks_status st;
    if ((st = ks_app_open_dataset(o, &t->ds)) != KS_OK || (st = make_models(o, t)) != KS_OK ||
        (st = ks_extractor_new(&t->ex, ks_model_features(t->m))) != KS_OK)
        return st;
    /* svm probabilities are libsvm's own Platt fit on its 5-fold decision
     * values; the threshold is 0.5 on them unless --threshold (the
     * calibration fields of model.bin are the lr family's) */
    if (!isnan(o->target_fpr) || o->scores >= 0)
        return ks_fail(KS_ERR_USAGE, "--target-fpr and --calibration are for the lr family, "
                       "not this svm model (its threshold: 0.5 or --threshold)");
    if (o->relearn_set)   /* an svm update always retrains: its vectors and the new */
        return ks_fail(KS_ERR_USAGE, "--relearn and --no-relearn are for the lr family, not "
                       "this svm model (an svm update retrains on its kept support vectors "
                       "and the new data)");
    if (!isnan(o->threshold))
        ks_model_set_threshold(t->m, o->threshold);
    ks_extractor_set_limits(t->ex, &o->mail);
    if ((st = collect(o, t)) != KS_OK)
        return st;
    c = ks_svm_config_get(t->s);
    kept = ks_svm_sv_count(t->s);
    ks_log(KS_LOG_INFO, "svm: C-SVC, %s kernel, C %g, on %zu kept support vectors + %zu new "
           "examples (cap %u)", c->kernel == KS_SVM_RBF ? "rbf" : "linear", c->c, kept,
           ks_svm_batch_count(t->s), c->cap);
    t0 = ks_now();
    if ((st = ks_svm_train(t->s)) != KS_OK)
        return st;
    ks_log(KS_LOG_INFO, "svm: %zu support vectors, %.2f s (with Platt's 5-fold probability fit)",
           ks_svm_sv_count(t->s), ks_now() - t0);
    if ((st = save(o, t)) != KS_OK)
        return st;
    ks_log(KS_LOG_INFO, "wrote %s/model.bin and svm.bin (checksum %08x, threshold %.3f)",
           o->save_to, ks_model_checksum(t->m), ks_model_threshold(t->m));
    return KS_OK;
}

int ks_app_train_svm(const ks_app_opts *o)
{
    svm_trainer t;
    ks_status st;
    memset(&t, 0, sizeof t);
    st = train(o, &t);
    if (st != KS_OK)
        ks_log(KS_LOG_ERROR, "%s (no model written)", ks_error_detail());
    ks_fvec_free(&t.x);
    ks_extractor_free(t.ex);
    ks_svm_free(t.s);
    ks_model_free(t.m);
    ks_dataset_free(t.ds);
    return ks_app_exit_code(st);
}
