/* oos.c - out-of-sample scores of training data -> calibration and
 * threshold (oos.h; the choice of method is argued in docs/design.md,
 * "Threshold and calibration"). */
#include <math.h>
#include <zlib.h>
#include "oos.h"
#include "ks/alloc.h"

#define FOLDS 5
#define CROSSFIT_MAX_BITS 22

struct ks_oos {
    uint32_t mode;              /* KS_SCORES_CROSSFIT or _PROGRESSIVE */
    ks_model *fold[FOLDS];      /* cross-fit: fold k's model never learns fold k */
    ks_scored *v;               /* collected scores (margins) */
    size_t n, cap;
};

ks_status ks_oos_new(ks_oos **out, const ks_model *m, uint32_t mode)
{
    ks_oos *o;
    ks_status st;
    *out = NULL;
    if (mode == KS_SCORES_OFF)
        return KS_OK;
    if (mode == KS_SCORES_CROSSFIT && ks_model_features(m)->hash_bits > CROSSFIT_MAX_BITS) {
        ks_log(KS_LOG_WARN, "calibration: cross-fit needs %d more models of 2^%u buckets; "
               "using progressive scores instead (over 2^%d buckets)", FOLDS,
               (unsigned)ks_model_features(m)->hash_bits, CROSSFIT_MAX_BITS);
        mode = KS_SCORES_PROGRESSIVE;
    }
    if (!(o = ks_calloc(1, sizeof *o)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for calibration");
    o->mode = mode;
    for (int k = 0; mode == KS_SCORES_CROSSFIT && k < FOLDS; k++)
        if ((st = ks_model_clone_state(&o->fold[k], m)) != KS_OK) {
            ks_oos_free(o);
            return st;
        }
    *out = o;
    return KS_OK;
}

void ks_oos_free(ks_oos *o)
{
    if (!o)
        return;
    for (int k = 0; k < FOLDS; k++)
        ks_model_free(o->fold[k]);
    ks_free(o->v);
    ks_free(o);
}

void ks_oos_end_learning(ks_oos *o)
{
    for (int k = 0; o && k < FOLDS; k++) {
        ks_model_free(o->fold[k]);
        o->fold[k] = NULL;
    }
}

uint32_t ks_oos_mode(const ks_oos *o) { return o ? o->mode : KS_SCORES_OFF; }

const ks_scored *ks_oos_scores(const ks_oos *o, size_t *n)
{
    *n = o ? o->n : 0;
    return o ? o->v : NULL;
}

static ks_status keep(ks_oos *o, double margin, int label, double weight)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4096;
        ks_scored *nv = ks_realloc(o->v, cap * sizeof *nv);
        if (!nv)
            return ks_fail(KS_ERR_NOMEM, "out of memory for %zu calibration scores", cap);
        o->v = nv;
        o->cap = cap;
    }
    o->v[o->n].score = margin;
    o->v[o->n].weight = weight;
    o->v[o->n].label = label;
    o->n++;
    return KS_OK;
}

ks_status ks_oos_step(ks_oos *o, const ks_model *m, const ks_fvec *x,
                      const unsigned char *enc, size_t len, int label,
                      double weight, int replay, unsigned pass, unsigned passes)
{
    int fold;
    if (!o || weight <= 0)
        return KS_OK;
    if (o->mode == KS_SCORES_PROGRESSIVE)
        return pass == 1 && !replay ? keep(o, ks_model_margin(m, x), label, weight) : KS_OK;
    fold = replay ? -1 : (int)(crc32(0L, enc, (uInt)len) % FOLDS);
    if (pass == passes && fold >= 0) {
        ks_status st = keep(o, ks_model_margin(o->fold[fold], x), label, weight);
        if (st != KS_OK)
            return st;
    }
    for (int k = 0; k < FOLDS; k++)
        if (k != fold)
            ks_model_learn(o->fold[k], x, label, weight);
    return KS_OK;
}

static const char *rule_name(uint32_t r)
{
    return r == KS_RULE_TARGET_FPR ? "target false-positive rate"
         : r == KS_RULE_ACCURACY ? "highest accuracy" : "fixed";
}

ks_status ks_oos_finish(ks_oos *o, ks_model *m, double target_fpr, double fixed_threshold)
{
    ks_calibration c = {-1.0, 0.0, KS_SCORES_OFF, KS_RULE_FIXED, 0.0};
    ks_threshold_choice ch;
    ks_platt pl;
    ks_scored *p;
    ks_status st;
    int it = 0;

    if (!o) {   /* scores off: the plain sigmoid */
        if (!isnan(fixed_threshold))
            ks_model_set_threshold(m, fixed_threshold);
        return ks_model_set_calibration(m, &c);
    }
    if ((st = ks_platt_fit(o->v, o->n, &pl, &it)) != KS_OK)
        return st;
    if (!(pl.a < 0 && pl.a >= -1e6 && fabs(pl.b) <= 1e6)) {
        ks_log(KS_LOG_WARN, "calibration: fitted a = %g, b = %g are unusable (scores do not "
               "rank spam above ham); keeping the plain sigmoid", pl.a, pl.b);
        pl.a = -1.0;
        pl.b = 0.0;
    }
    c.a = pl.a;
    c.b = pl.b;
    c.scores = o->mode;
    c.rule = !isnan(target_fpr) ? KS_RULE_TARGET_FPR
           : !isnan(fixed_threshold) ? KS_RULE_FIXED : KS_RULE_ACCURACY;
    c.target_fpr = c.rule == KS_RULE_TARGET_FPR ? target_fpr : 0.0;
    if ((st = ks_model_set_calibration(m, &c)) != KS_OK)
        return st;
    /* the threshold is on calibrated probabilities */
    if (!(p = ks_malloc((o->n ? o->n : 1) * sizeof *p)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu calibration scores", o->n);
    for (size_t i = 0; i < o->n; i++) {
        p[i] = o->v[i];
        p[i].score = ks_platt_prob(&pl, o->v[i].score);
    }
    st = ks_threshold_choose(p, o->n, target_fpr, 0.5, 0.0, 1.0, &ch);
    ks_free(p);
    if (st != KS_OK)
        return st;
    if (c.rule == KS_RULE_FIXED)
        ks_model_set_threshold(m, fixed_threshold);
    else
        ks_model_set_threshold(m, ch.threshold);
    ks_log(KS_LOG_INFO, "calibration: Platt a %.4f, b %.4f on %zu %s scores (%d Newton steps); "
           "threshold %.4f (%s%s)", pl.a, pl.b, o->n,
           o->mode == KS_SCORES_CROSSFIT ? "cross-fit" : "progressive", it,
           ks_model_threshold(m), rule_name(c.rule),
           c.rule == KS_RULE_TARGET_FPR ? ", target given" : "");
    if (c.rule != KS_RULE_FIXED)
        ks_log(KS_LOG_INFO, "calibration: on those scores: accuracy %.4f, false-positive rate "
               "%.5f, spam recall %.4f (weighted)", ch.accuracy, ch.fpr, ch.recall);
    return KS_OK;
}
