/* oos_test.c - cross-fit scores (app/oos.c): the deferred way (fold
 * models learning a temporary log after the model, one or two at a time)
 * gives the scores of the live way (four fold models beside the model),
 * bit for bit, with one thread or two, replayed examples and training
 * views included; passes after one without a step are skipped by the
 * deferred fold models and still give the same scores. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "oos.h"
#include "ks/buf.h"

#define BITS 12

/* Binary vectors (one magnitude, so they fit the wide form) and, for the
 * deferred fold models, no decoded vectors on odd passes (as spam-train's
 * settled passes give none); from pass 2 on every other example comes in
 * the wide form with its fold, as spam-train's pass cache gives them, and
 * the log keeps whichever form it is given. */
static int binary;

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random sparse vector whose features lean on its label. */
static void random_vec(uint64_t *s, int label, ks_fvec *v)
{
    uint32_t n = 5 + (uint32_t)(mix(s) % 40), idx = 0;
    v->n = 0;
    for (uint32_t k = 0; k < n; k++) {
        idx += 1 + (uint32_t)(mix(s) % 90);
        if (idx >= (1u << BITS))
            break;
        v->f[v->n].index = (idx & ~1u) | (uint32_t)(label && mix(s) % 3 ? 1 : 0);
        if (v->n && v->f[v->n].index <= v->f[v->n - 1].index)
            continue;
        v->f[v->n].value = binary ? (mix(s) % 5 ? 0.25f : -0.25f)
                                  : 0.5f + (float)(mix(s) % 100) / 100.0f;
        v->n++;
    }
}

/* PASSES passes over 300 examples (every fifth a replayed one, every
 * third with a view), scored by an oos made with `fresh` and `threads`;
 * from pass 14 on every seventh example has the other label (so pass 14 is
 * not "the same examples as the pass before"). The deferred fold models
 * skip the passes after one without a step (*skipped); the live ones
 * learn all. */
#define PASSES 20
static void run(int fresh, unsigned threads, double *scores, size_t *n, unsigned *skipped)
{
    static ks_feature f[64], g[64];
    ks_fvec x = {f, 0, 64}, view = {g, 0, 64};
    ks_feature_config fc;
    ks_train_config tc;
    ks_model *m;
    ks_oos *o;
    const ks_scored *v;
    ks_feature_config_default(&fc);
    fc.hash_bits = BITS;
    ks_train_config_default(&tc);
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    cr_assert_eq(ks_oos_new(&o, m, KS_SCORES_CROSSFIT, threads, fresh), KS_OK);
    for (unsigned pass = 1; pass <= PASSES; pass++) {
        uint64_t s = 42;   /* the same examples each pass */
        ks_oos_begin_pass(o, pass > 1 && pass != 14);
        for (int i = 0; i < 300; i++) {
            int label = (int)(mix(&s) % 2), pair = i % 3 == 0;
            ks_buf enc = {0};
            random_vec(&s, label, &x);
            random_vec(&s, label, &view);
            if (pass >= 14 && i % 7 == 0)
                label = !label;
            cr_assert_eq(ks_fvec_encode(&x, &enc), KS_OK);
            if (pair)
                cr_assert_eq(ks_fvec_encode(&view, &enc), KS_OK);
            int none = binary && fresh && pass % 2, fold = -1;
            if (binary && pass > 1 && i % 2) {   /* as the pass cache gives it */
                fold = ks_oos_fold((const unsigned char *)enc.data, enc.len);
                ks_buf_clear(&enc);
                cr_assert_eq(ks_fvec_encode_wide(&x, &enc), KS_OK);
                if (pair)
                    cr_assert_eq(ks_fvec_encode_wide(&view, &enc), KS_OK);
            }
            cr_assert_eq(ks_oos_step(o, m, none ? NULL : &x, pair && !none ? &view : NULL,
                                     (const unsigned char *)enc.data, enc.len, fold, label,
                                     label ? 2.0 : 0.75, i % 5 == 0, pass, PASSES), KS_OK);
            ks_model_learn(m, &x, label, label ? 2.0 : 0.75);
            if (pair)
                ks_model_learn(m, &view, label, label ? 2.0 : 0.75);
            ks_buf_free(&enc);
        }
    }
    cr_assert_eq(ks_oos_end_learning(o), KS_OK);
    *skipped = ks_oos_passes_skipped(o);
    cr_assert_eq(ks_oos_finish(o, m, NAN, NAN), KS_OK);
    v = ks_oos_scores(o, n);
    for (size_t i = 0; i < *n; i++)
        scores[i] = v[i].score;
    ks_oos_free(o);
    ks_model_free(m);
}

/* Deferred with one thread and two, live with two: the scores of live
 * with one, bit for bit; the deferred fold models skip min_skipped passes
 * or more. */
static void same_scores_every_way(unsigned min_skipped)
{
    static double live[300], d1[300], d2[300], l2[300];
    size_t n_live, n1, n2, nl2;
    unsigned sk_live, sk1, sk2, skl2;
    run(0, 1, live, &n_live, &sk_live);
    run(1, 1, d1, &n1, &sk1);
    run(1, 2, d2, &n2, &sk2);
    run(0, 2, l2, &nl2, &skl2);
    cr_assert_eq(sk_live + skl2, 0, "the live fold models learn every pass");
    cr_assert_geq(sk1, min_skipped, "the deferred ones skip passes after one without a step (%u)", sk1);
    cr_assert_eq(sk2, sk1);
    cr_assert_eq(n_live, 240, "scored: the last pass's examples less the replayed ones");
    cr_assert_eq(n1, n_live);
    cr_assert_eq(n2, n_live);
    cr_assert_eq(nl2, n_live);
    cr_assert(memcmp(live, d1, n_live * sizeof *live) == 0, "deferred, 1 thread");
    cr_assert(memcmp(live, d2, n_live * sizeof *live) == 0, "deferred, 2 threads");
    cr_assert(memcmp(live, l2, n_live * sizeof *live) == 0, "live, 2 threads");
    int nonzero = 0;
    for (size_t i = 0; i < n_live; i++)
        nonzero += live[i] != 0.0;
    cr_assert_gt(nonzero, 200, "the fold models learned");
}

Test(oos, deferred_cross_fit_scores_are_the_live_ones)
{
    binary = 0;
    same_scores_every_way(binary ? 0 : 5);
}

/* The same with binary vectors, half of them in the wide form
 * (features.h), and without decoded vectors on odd passes. */
Test(oos, deferred_wide_log_gives_the_live_scores)
{
    binary = 1;
    same_scores_every_way(binary ? 0 : 5);
}
