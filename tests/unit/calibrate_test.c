/* calibrate_test.c - Platt's fit against an independent brute-force
 * minimisation, and threshold choice on hand-made score lists. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "ks/calibrate.h"

/* The negative log likelihood with Platt's targets, written out here
 * without the library (naive, which is fine for moderate a s + b). */
static double nll(const ks_scored *v, size_t n, double a, double b)
{
    double n0 = 0, n1 = 0, f = 0;
    for (size_t i = 0; i < n; i++)
        v[i].label ? n1++ : n0++;
    for (size_t i = 0; i < n; i++) {
        double t = v[i].label ? (n1 + 1) / (n1 + 2) : 1 / (n0 + 2);
        double p = 1 / (1 + exp(a * v[i].score + b));
        f -= v[i].weight * (t * log(p) + (1 - t) * log(1 - p));
    }
    return f;
}

/* Grid search, then two finer grids around the best point. */
static void brute(const ks_scored *v, size_t n, double *ba, double *bb)
{
    double ca = -2, cb = 0, step = 0.05, best = INFINITY;
    for (int round = 0; round < 3; round++, step /= 20) {
        double a0 = ca, b0 = cb;
        int half = round == 0 ? 80 : 25;
        for (int i = -half; i <= half; i++)
            for (int j = -half; j <= half; j++) {
                double a = a0 + i * step, b = b0 + j * step, f = nll(v, n, a, b);
                if (f < best) {
                    best = f;
                    ca = a;
                    cb = b;
                }
            }
    }
    *ba = ca;
    *bb = cb;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFF;
}

/* n examples with scores in [-4, 4] and labels drawn with
 * P(spam) = 1 / (1 + exp(a s + b)). */
static ks_scored *sample(size_t n, double a, double b, uint32_t seed)
{
    ks_scored *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        double s = -4 + 8 * lcg(&seed) / 65535.0, p = 1 / (1 + exp(a * s + b));
        v[i].score = s;
        v[i].weight = 1;
        v[i].label = lcg(&seed) / 65536.0 < p;
    }
    return v;
}

Test(platt, matches_a_brute_force_minimum)
{
    ks_scored *v = sample(2000, -1.6, 0.7, 42);
    ks_platt p;
    double ga, gb;
    int it;
    cr_assert_eq(ks_platt_fit(v, 2000, &p, &it), KS_OK);
    brute(v, 2000, &ga, &gb);
    cr_assert(fabs(p.a - ga) < 2e-3 && fabs(p.b - gb) < 2e-3,
              "fit a %g b %g, grid a %g b %g", p.a, p.b, ga, gb);
    cr_assert_leq(nll(v, 2000, p.a, p.b), nll(v, 2000, ga, gb) + 1e-6);
    /* the library's objective is the same function */
    cr_assert_float_eq(ks_platt_objective(v, 2000, ga, gb), nll(v, 2000, ga, gb), 1e-9);
    /* and near the generating values (2000 samples) */
    cr_assert(fabs(p.a + 1.6) < 0.25 && fabs(p.b - 0.7) < 0.25, "a %g b %g", p.a, p.b);
    cr_assert_lt(it, 100);
    free(v);
}

Test(platt, weights_enter_the_likelihood)
{
    ks_scored *v = sample(1500, -0.8, -0.4, 9);
    uint32_t seed = 5;
    ks_platt p, u;
    double ga, gb;
    for (size_t i = 0; i < 1500; i++)   /* spam counts 1.5 to 3 times */
        v[i].weight = v[i].label ? 1.5 + 1.5 * lcg(&seed) / 65535.0 : 1.0;
    cr_assert_eq(ks_platt_fit(v, 1500, &p, NULL), KS_OK);
    brute(v, 1500, &ga, &gb);
    cr_assert(fabs(p.a - ga) < 2e-3 && fabs(p.b - gb) < 2e-3,
              "fit a %g b %g, grid a %g b %g", p.a, p.b, ga, gb);
    for (size_t i = 0; i < 1500; i++)
        v[i].weight = 1;
    cr_assert_eq(ks_platt_fit(v, 1500, &u, NULL), KS_OK);
    /* heavier spam moves the curve toward spam: p(spam) at 0 rises */
    cr_assert_gt(ks_platt_prob(&p, 0), ks_platt_prob(&u, 0) + 0.05);
    free(v);
}

Test(platt, separable_scores_give_finite_parameters)
{
    ks_scored v[40];
    ks_platt p;
    for (int i = 0; i < 40; i++)
        v[i] = (ks_scored){i < 20 ? -3.0 - i * 0.1 : 3.0 + (i - 20) * 0.1, 1.0, i >= 20};
    cr_assert_eq(ks_platt_fit(v, 40, &p, NULL), KS_OK);
    cr_assert(isfinite(p.a) && isfinite(p.b) && p.a < 0, "a %g b %g", p.a, p.b);
    /* the smoothed targets cap the confidence: p(spam) at the lowest spam
     * score stays below 1 and the fit is not wildly steep */
    cr_assert_lt(ks_platt_prob(&p, 3.0), 1.0);
    cr_assert_gt(ks_platt_prob(&p, 3.0), 0.9);
    cr_assert_lt(ks_platt_prob(&p, -3.0), 0.1);
}

Test(platt, one_class_or_bad_weight_is_an_error)
{
    ks_scored v[3] = {{1, 1, 1}, {2, 1, 1}, {3, 1, 1}};
    ks_platt p;
    cr_assert_eq(ks_platt_fit(v, 3, &p, NULL), KS_ERR_DATA);
    v[0].label = 0;
    v[1].weight = 0;
    cr_assert_eq(ks_platt_fit(v, 3, &p, NULL), KS_ERR_DATA);
    v[1].weight = NAN;
    cr_assert_eq(ks_platt_fit(v, 3, &p, NULL), KS_ERR_DATA);
}

Test(platt, prob_is_clipped_inside_zero_one)
{
    ks_platt p = {-1, 0};
    cr_assert_gt(ks_platt_prob(&p, -1e9), 0.0);
    cr_assert_lt(ks_platt_prob(&p, 1e9), 1.0);
    cr_assert_float_eq(ks_platt_prob(&p, 0), 0.5, 1e-15);
    cr_assert_float_eq(ks_platt_prob(&p, 2), 1 / (1 + exp(-2.0)), 1e-15);
}

/* 4 spam, 4 ham, interleaved. */
static const ks_scored eight[] = {
    {0.9, 1, 1}, {0.8, 1, 1}, {0.7, 1, 0}, {0.6, 1, 1},
    {0.4, 1, 0}, {0.3, 1, 0}, {0.2, 1, 1}, {0.1, 1, 0}};

Test(threshold, highest_accuracy_ties_go_to_the_preferred_value)
{
    ks_threshold_choice c;
    /* 6/8 correct at 0.75 (between 0.8 and 0.7) and at 0.5 (between 0.6
     * and 0.4); every other point is worse */
    cr_assert_eq(ks_threshold_choose(eight, 8, NAN, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.5, 1e-12);
    cr_assert_float_eq(c.accuracy, 0.75, 1e-12);
    cr_assert_float_eq(c.fpr, 0.25, 1e-12);
    cr_assert_float_eq(c.recall, 0.75, 1e-12);
    cr_assert_eq(ks_threshold_choose(eight, 8, NAN, 0.9, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.75, 1e-12);
    cr_assert_float_eq(c.accuracy, 0.75, 1e-12);
}

Test(threshold, target_fpr_takes_the_lowest_allowed_threshold)
{
    ks_threshold_choice c;
    /* one ham of four may be flagged: down to 0.6, not past 0.4 */
    cr_assert_eq(ks_threshold_choose(eight, 8, 0.25, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.5, 1e-12);
    cr_assert_float_eq(c.recall, 0.75, 1e-12);
    /* none may be flagged: stop above the ham at 0.7 */
    cr_assert_eq(ks_threshold_choose(eight, 8, 0.1, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.75, 1e-12);
    cr_assert_float_eq(c.fpr, 0.0, 1e-12);
    cr_assert_float_eq(c.recall, 0.5, 1e-12);
    /* three of four: everything above the last ham */
    cr_assert_eq(ks_threshold_choose(eight, 8, 0.75, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.15, 1e-12);
    cr_assert_float_eq(c.recall, 1.0, 1e-12);
}

Test(threshold, ties_are_flagged_together_and_ends_work)
{
    ks_threshold_choice c;
    /* a spam and a ham share 0.5: no threshold splits them */
    const ks_scored v[] = {{0.5, 1, 1}, {0.5, 1, 0}, {0.9, 1, 1}, {0.1, 1, 0}};
    cr_assert_eq(ks_threshold_choose(v, 4, 0.4, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.7, 1e-12);   /* between 0.9 and the tie */
    cr_assert_float_eq(c.recall, 0.5, 1e-12);
    /* all ham above all spam: best accuracy is "nothing is spam" or
     * "everything is spam", whichever class weighs more */
    const ks_scored w[] = {{0.9, 1, 0}, {0.8, 1, 0}, {0.2, 1, 1}};
    cr_assert_eq(ks_threshold_choose(w, 3, NAN, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.95, 1e-12);
    cr_assert_float_eq(c.accuracy, 2.0 / 3, 1e-12);
}

Test(threshold, weights_count)
{
    ks_threshold_choice c;
    /* the ham at 0.6 weighs 3: flagging it costs more than the spam
     * below it gains */
    const ks_scored v[] = {{0.9, 1, 1}, {0.6, 3, 0}, {0.5, 1, 1}, {0.1, 1, 0}};
    cr_assert_eq(ks_threshold_choose(v, 4, NAN, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.threshold, 0.75, 1e-12);
    cr_assert_float_eq(c.accuracy, 5.0 / 6, 1e-12);
    cr_assert_eq(ks_threshold_choose(v, 4, 0.5, 0.5, 0, 1, &c), KS_OK);
    cr_assert_float_eq(c.fpr, 0.0, 1e-12);   /* 3/4 of ham weight would be > 0.5 */
}

Test(threshold, one_class_is_an_error)
{
    ks_threshold_choice c;
    const ks_scored v[] = {{0.9, 1, 1}, {0.6, 1, 1}};
    cr_assert_eq(ks_threshold_choose(v, 2, NAN, 0.5, 0, 1, &c), KS_ERR_DATA);
}
