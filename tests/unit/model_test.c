/* model_test.c - FTRL-Proximal steps against hand computation, learning a
 * separable problem, and the small accessors. The optimiser state is read
 * through model_internal.h to check it exactly. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/model.h"
#include "../../model/model_internal.h"

static ks_feature_config small_features(void)
{
    ks_feature_config fc;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    return fc;
}

static ks_model *make_loss(uint32_t loss, double alpha, double beta,
                           double l1, double l2)
{
    ks_feature_config fc = small_features();
    ks_train_config tc;
    ks_model *m;
    ks_train_config_default(&tc);
    tc.loss = loss;
    tc.alpha = alpha;
    tc.beta = beta;
    tc.l1 = l1;
    tc.l2 = l2;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    return m;
}

/* The hand computations below are of the log loss (logistic regression). */
static ks_model *make(double alpha, double beta, double l1, double l2)
{
    return make_loss(KS_LOSS_LOG, alpha, beta, l1, l2);
}

Test(model, first_ftrl_step_by_hand)
{
    /* alpha 0.1, beta 1, no regularisation; x = {3: 1, 7: 2}, y = 1.
     * All weights 0, so p = 0.5 and the loss is ln 2. Gradients:
     * g3 = -0.5, g7 = -1, g_bias = -0.5. With w = 0, z = g and n = g^2. */
    ks_model *m = make(0.1, 1.0, 0.0, 0.0);
    ks_feature f[] = {{3, 1.0f}, {7, 2.0f}};
    ks_fvec x = {f, 2, 2};
    cr_assert_eq(ks_model_predict(m, &x), 0.5);
    double loss = ks_model_learn(m, &x, 1, 1.0);   /* macros evaluate twice */
    cr_assert_float_eq(loss, log(2.0), 1e-15);
    cr_assert_eq(KS_Z(m, 3), -0.5f);
    cr_assert_eq(KS_N(m, 3), 0.25f);
    cr_assert_eq(KS_Z(m, 7), -1.0f);
    cr_assert_eq(KS_N(m, 7), 1.0f);
    cr_assert_eq(m->bias_z, -0.5);
    cr_assert_eq(m->bias_n, 0.25);
    for (uint32_t i = 0; i < m->dim; i++)
        if (i != 3 && i != 7)
            cr_assert(KS_Z(m, i) == 0 && KS_N(m, i) == 0, "coordinate %u touched", i);
    /* w3 = 0.5 / ((1 + 0.5) / 0.1) = 1/30, w7 = 1 / ((1 + 1) / 0.1) = 1/20,
     * w_bias = 1/30; margin = 1/30 + 2/20 + 1/30 = 1/6 */
    cr_assert_float_eq(ks_model_margin(m, &x), 1.0 / 6, 1e-15);
    ks_model_free(m);
}

Test(model, second_step_with_l1_l2_and_weight)
{
    /* alpha 0.5, beta 1, l1 0.2, l2 0.1. Step 1: x = {3: 1, 7: 2}, y = 1,
     * example weight 2, so d = (0.5 - 1) * 2 = -1: z3 = -1, n3 = 1,
     * z7 = -2, n7 = 4, z_b = -1, n_b = 1. */
    ks_model *m = make(0.5, 1.0, 0.2, 0.1);
    ks_feature f1[] = {{3, 1.0f}, {7, 2.0f}}, f2[] = {{3, 1.0f}, {5, 1.0f}};
    ks_fvec x1 = {f1, 2, 2}, x2 = {f2, 2, 2};
    double w3, wb, p, s3, sb, loss;
    ks_model_learn(m, &x1, 1, 2.0);
    cr_assert_eq(KS_Z(m, 3), -1.0f);
    cr_assert_eq(KS_N(m, 7), 4.0f);
    cr_assert_eq(m->bias_z, -1.0);
    /* weights: w3 = (1 - 0.2) / ((1 + 1) / 0.5 + 0.1) = 0.8 / 4.1,
     * w_b = 1 / ((1 + 1) / 0.5) = 0.25 (no l1/l2 on the bias), w5 = 0 */
    w3 = 0.8 / 4.1;
    wb = 0.25;
    /* Step 2: x = {3: 1, 5: 1}, y = 0, weight 1: p = sigmoid(w3 + wb),
     * g3 = g5 = g_b = p; sigma = (sqrt(n + p^2) - sqrt(n)) / alpha */
    p = 1.0 / (1.0 + exp(-(w3 + wb)));
    loss = ks_model_learn(m, &x2, 0, 1.0);
    cr_assert_float_eq(loss, -log(1.0 - p), 1e-12);
    s3 = (sqrt(1.0 + p * p) - 1.0) / 0.5;
    sb = s3;
    cr_assert_float_eq(KS_Z(m, 3), -1.0 + p - s3 * w3, 1e-6);
    cr_assert_float_eq(KS_N(m, 3), 1.0 + p * p, 1e-6);
    cr_assert_float_eq(KS_Z(m, 5), p, 1e-7);          /* w5 was 0 */
    cr_assert_float_eq(KS_N(m, 5), p * p, 1e-7);
    cr_assert_eq(KS_Z(m, 7), -2.0f);                  /* untouched */
    cr_assert_float_eq(m->bias_z, -1.0 + p - sb * wb, 1e-12);
    cr_assert_float_eq(m->bias_n, 1.0 + p * p, 1e-12);
    /* z5 = p ~ 0.61 > l1, so coordinate 5 is now non-zero: 3 non-zero */
    cr_assert_eq(ks_model_nonzero(m), 3);
    ks_model_free(m);
}

Test(model, l1_keeps_small_z_at_zero_weight)
{
    ks_model *m = make(0.1, 1.0, 1.0, 0.0);
    ks_feature f[] = {{9, 1.0f}};
    ks_fvec x = {f, 1, 1};
    ks_model_learn(m, &x, 1, 1.0);   /* z9 = -0.5, |z| <= l1 */
    cr_assert_eq(KS_Z(m, 9), -0.5f);
    cr_assert_eq(ks_model_nonzero(m), 0);
    /* margin is the bias alone: 0.5 / ((1 + 0.5) / 0.1) = 1/30 */
    cr_assert_float_eq(ks_model_margin(m, &x), 1.0 / 30, 1e-15);
    ks_model_free(m);
}

Test(model, first_hinge_step_by_hand)
{
    /* Hinge loss, alpha 0.1, beta 1; x = {3: 1, 7: 2}, y = 1 (y' = 1).
     * Margin 0 < 1: loss 1 - 0 = 1, d = -y' = -1: g3 = -1, g7 = -2,
     * g_bias = -1; with w = 0, z = g and n = g^2. */
    ks_model *m = make_loss(KS_LOSS_HINGE, 0.1, 1.0, 0.0, 0.0);
    ks_feature f[] = {{3, 1.0f}, {7, 2.0f}};
    ks_fvec x = {f, 2, 2};
    double loss = ks_model_learn(m, &x, 1, 1.0);
    cr_assert_eq(loss, 1.0);
    cr_assert_eq(KS_Z(m, 3), -1.0f);
    cr_assert_eq(KS_N(m, 3), 1.0f);
    cr_assert_eq(KS_Z(m, 7), -2.0f);
    cr_assert_eq(KS_N(m, 7), 4.0f);
    cr_assert_eq(m->bias_z, -1.0);
    cr_assert_eq(m->bias_n, 1.0);
    /* w3 = 1 / ((1 + 1) / 0.1) = 1/20, w7 = 2 / ((1 + 2) / 0.1) = 1/15,
     * w_bias = 1/20; margin = 1/20 + 2/15 + 1/20 = 7/30 */
    cr_assert_float_eq(ks_model_margin(m, &x), 7.0 / 30, 1e-15);
    /* A ham example (y' = -1) at margin 7/30: loss 1 + 7/30, d = +1 */
    loss = ks_model_learn(m, &x, 0, 1.0);
    cr_assert_float_eq(loss, 1.0 + 7.0 / 30, 1e-15);
    cr_assert_float_eq(KS_N(m, 3), 2.0f, 0);
    ks_model_free(m);
}

/* An example on the right side of the margin (y' m >= 1) is no step: the
 * state stays bit for bit, whatever its weight; one inside the margin
 * (the other label) moves it. */
Test(model, hinge_skips_examples_outside_the_margin)
{
    ks_model *m = make_loss(KS_LOSS_HINGE, 0.5, 1.0, 0.0, 0.0);
    ks_feature f[] = {{3, 1.0f}, {7, 1.0f}};
    ks_fvec x = {f, 2, 2};
    float *before;
    double bz, bn;
    while (ks_model_margin(m, &x) < 1.0)
        ks_model_learn(m, &x, 1, 1.0);
    before = ks_malloc(2 * (size_t)m->dim * sizeof *before);
    memcpy(before, m->zn, 2 * (size_t)m->dim * sizeof *before);
    bz = m->bias_z;
    bn = m->bias_n;
    cr_assert_eq(ks_model_learn(m, &x, 1, 3.0), 0.0);
    cr_assert_eq(memcmp(before, m->zn, 2 * (size_t)m->dim * sizeof *before), 0);
    cr_assert(m->bias_z == bz && m->bias_n == bn);
    cr_assert_gt(ks_model_learn(m, &x, 0, 1.0), 1.0);
    cr_assert_neq(memcmp(before, m->zn, 2 * (size_t)m->dim * sizeof *before), 0);
    ks_free(before);
    ks_model_free(m);
}

/* Tiny deterministic generator for the synthetic data. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFF;
}

/* Example k: spam gets 3 of indices 100..109, ham 3 of 200..209, both 4
 * shared noise indices from 300..399; values 1 (indices ascending). */
static int example(uint32_t *seed, ks_feature *f, ks_fvec *x)
{
    int label = lcg(seed) & 1;
    uint32_t base = label ? 100 : 200, n = 0;
    for (uint32_t k = 0; k < 3; k++)
        f[n++] = (ks_feature){base + 3 * k + lcg(seed) % 3, 1.0f};
    for (uint32_t k = 0; k < 4; k++)
        f[n++] = (ks_feature){300 + 25 * k + lcg(seed) % 25, 1.0f};
    x->f = f;
    x->n = x->cap = n;
    return label;
}

Test(model, learns_a_separable_problem)
{
    for (uint32_t loss = KS_LOSS_LOG; loss <= KS_LOSS_HINGE; loss++) {
        ks_model *m = make_loss(loss, 0.1, 1.0, 0.0, 1e-6);
        ks_feature f[8];
        ks_fvec x;
        uint32_t seed;
        int correct = 0;
        for (int pass = 0; pass < 5; pass++) {
            seed = 42;
            for (int i = 0; i < 200; i++) {
                int y = example(&seed, f, &x);
                ks_model_learn(m, &x, y, 1.0);
            }
        }
        seed = 7;   /* fresh examples from the same distribution */
        for (int i = 0; i < 500; i++) {
            int y = example(&seed, f, &x);
            correct += (ks_model_predict(m, &x) >= 0.5) == y;
        }
        cr_assert_eq(correct, 500, "loss %u", loss);
        ks_model_free(m);
    }
}

Test(model, probability_stays_inside_zero_one)
{
    ks_model *m = make(0.1, 1.0, 0.0, 0.0);
    ks_feature f[] = {{1, 1e30f}};
    ks_fvec x = {f, 1, 1};
    KS_Z(m, 1) = -1e6f;   /* an absurd weight */
    KS_N(m, 1) = 1.0f;
    cr_assert_lt(ks_model_predict(m, &x), 1.0);
    cr_assert_gt(ks_model_predict(m, &x), 0.99);
    f[0].value = -1e30f;
    cr_assert_gt(ks_model_predict(m, &x), 0.0);
    ks_model_free(m);
}

Test(model, rejects_bad_settings)
{
    ks_feature_config fc = small_features();
    ks_train_config tc;
    ks_model *m = (ks_model *)1;
    ks_train_config_default(&tc);
    tc.alpha = 0;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_ERR_USAGE);
    cr_assert_null(m);
    ks_train_config_default(&tc);
    tc.l2 = NAN;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_ERR_USAGE);
    ks_train_config_default(&tc);
    tc.loss = 2;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_ERR_USAGE);
    cr_assert_not_null(strstr(ks_error_detail(), "loss"));
    ks_train_config_default(&tc);
    fc.hash_bits = 29;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_ERR_USAGE);
    ks_model_free(NULL);
}

Test(model, defaults)
{
    ks_train_config tc;
    ks_model *m = make(0.1, 1.0, 0.0, 0.0);
    ks_train_config_default(&tc);
    cr_assert_eq(tc.alpha, 0.5);
    cr_assert_eq(ks_default_alpha(KS_LOSS_HINGE), 0.5);
    cr_assert_eq(ks_default_alpha(KS_LOSS_LOG), 8.0);
    cr_assert_eq(tc.beta, 1.0);
    cr_assert_eq(tc.passes, 8);
    cr_assert_eq(tc.balance, 0);
    cr_assert_eq(tc.loss, KS_LOSS_HINGE);
    cr_assert_eq(ks_model_threshold(m), 0.5);
    ks_model_set_threshold(m, 0.7);
    cr_assert_eq(ks_model_threshold(m), 0.7);
    cr_assert_eq(ks_model_checksum(m), 0);
    cr_assert_eq(ks_model_parent_checksum(m), 0);
    cr_assert_eq(ks_model_features(m)->hash_bits, 10);
    cr_assert_eq(ks_model_train_config(m)->alpha, 0.1);
    cr_assert_eq(ks_model_nonzero(m), 0);
    ks_model_free(m);
}

Test(model, history_and_seen)
{
    ks_model *m = make(0.1, 1.0, 0.0, 0.0);
    ks_history_entry h;
    memset(&h, 'x', sizeof h);   /* unterminated strings get cut */
    h.messages[0] = 10;
    h.messages[1] = 3;
    for (int i = 0; i < 9; i++)
        cr_assert_eq(ks_model_add_history(m, &h), KS_OK);
    cr_assert_eq(ks_model_history_count(m), 9);
    cr_assert_eq(ks_model_seen(m, 0), 90);
    cr_assert_eq(ks_model_seen(m, 1), 27);
    cr_assert_eq(strlen(ks_model_history(m, 8)->mode), 15);
    cr_assert_eq(strlen(ks_model_history(m, 8)->dataset), 255);
    cr_assert_null(ks_model_history(m, 9));
    ks_model_free(m);
}

Test(model, compatibility_names_the_setting)
{
    ks_model *m = make(0.1, 1.0, 0.0, 0.0);
    ks_feature_config fc = small_features();
    cr_assert_eq(ks_model_check_compatible(m, &fc), KS_OK);
    fc.ngram_n = 5;
    cr_assert_eq(ks_model_check_compatible(m, &fc), KS_ERR_MODEL);
    cr_assert_not_null(strstr(ks_error_detail(), "ngram_n"), "%s",
                       ks_error_detail());
    ks_model_free(m);
}

Test(model, allocation_failure_in_new_and_history)
{
    ks_feature_config fc = small_features();
    ks_train_config tc;
    ks_history_entry h = {0};
    ks_train_config_default(&tc);
    for (unsigned long n = 1;; n++) {
        ks_model *m = NULL;
        ks_status st;
        ks_alloc_fail_at(n, 0);
        st = ks_model_new(&m, &fc, &tc);
        for (int i = 0; st == KS_OK && i < 10; i++)
            st = ks_model_add_history(m, &h);
        ks_alloc_fail_at(0, 0);
        ks_model_free(m);
        if (st == KS_OK)
            break;
        cr_assert_eq(st, KS_ERR_NOMEM);
        cr_assert_lt(n, 20);
    }
}

/* FTRL-Proximal as the top of model.c writes it, every quotient a
 * division: the plain reference for ks_model_learn's shortcuts (weights
 * computed once, a power-of-two alpha multiplied by its inverse). State in
 * float like the model's, bias in double; returns the loss. */
typedef struct { float zn[2 * 1024]; double bz, bn; } ref_state;

static double ref_weight(double alpha, double beta, double z, double n, double l1, double l2)
{
    return fabs(z) <= l1 ? 0.0 : -(z - copysign(l1, z)) / ((beta + sqrt(n)) / alpha + l2);
}

static double ref_learn(ref_state *r, const ks_train_config *tc, const ks_fvec *x, int label,
                        double c)
{
    double s = ref_weight(tc->alpha, tc->beta, r->bz, r->bn, 0, 0), d, loss, wb, g, sg;
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t i = x->f[k].index;
        s += ref_weight(tc->alpha, tc->beta, r->zn[2 * i], r->zn[2 * i + 1], tc->l1, tc->l2)
           * (double)x->f[k].value;
    }
    s = s != s ? 0.0 : s < -35.0 ? -35.0 : s > 35.0 ? 35.0 : s;
    if (tc->loss == KS_LOSS_HINGE) {
        double yy = label ? 1.0 : -1.0;
        d = yy * s < 1.0 ? -yy * c : 0.0;
        loss = fmax(0.0, 1.0 - yy * s);
    } else {
        double p = 1.0 / (1.0 + exp(-s)), y = label ? 1.0 : 0.0;
        d = (p - y) * c;
        loss = fmax(s, 0.0) + log1p(exp(-fabs(s))) - y * s;
    }
    if (d == 0.0)
        return loss;
    wb = ref_weight(tc->alpha, tc->beta, r->bz, r->bn, 0, 0);
    sg = (sqrt(r->bn + d * d) - sqrt(r->bn)) / tc->alpha;
    r->bz += d - sg * wb;
    r->bn += d * d;
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t i = x->f[k].index;
        double z = r->zn[2 * i], n = r->zn[2 * i + 1];
        double w = ref_weight(tc->alpha, tc->beta, z, n, tc->l1, tc->l2);
        g = d * x->f[k].value;
        sg = (sqrt(n + g * g) - sqrt(n)) / tc->alpha;
        z += g - sg * w;
        n += g * g;
        r->zn[2 * i] = (float)z;
        r->zn[2 * i + 1] = (float)n;
    }
    return loss;
}

/* ks_model_learn against the reference, bit for bit: both losses, alphas
 * that are powers of two and ones that are not, with and without l1, on
 * noisy examples (ascending indices, uniform and mixed values) until most
 * hinge examples fall outside the margin. */
Test(model, learn_matches_the_plain_ftrl_reference)
{
    const double alphas[] = {0.5, 2.0, 8.0, 0.3, 3.0};
    for (int loss = 0; loss < 2; loss++)
        for (int a = 0; a < 5; a++)
            for (int reg = 0; reg < 2; reg++) {
                ks_model *m = make_loss(loss ? KS_LOSS_HINGE : KS_LOSS_LOG, alphas[a], 1.0,
                                        reg ? 0.01 : 0.0, 1e-6);
                ref_state *r = calloc(1, sizeof *r);
                uint32_t seed = 7u + (uint32_t)(10 * a + reg);
                ks_feature f[64];
                cr_assert_not_null(r);
                for (int t = 0; t < 3000; t++) {
                    ks_fvec x;
                    int label = example(&seed, f, &x);
                    uint32_t idx = 0;
                    for (uint32_t k = 0; k < 40; k++) {   /* more, ascending, past 400 */
                        idx += 1 + lcg(&seed) % 15;
                        f[x.n++] = (ks_feature){400 + idx, t % 3 ? 0.25f : 0.1f * (float)(k % 4 + 1)};
                    }
                    x.cap = x.n;
                    double lm = ks_model_learn(m, &x, label, t % 5 ? 1.0 : 2.5);
                    double lr = ref_learn(r, ks_model_train_config(m), &x, label, t % 5 ? 1.0 : 2.5);
                    cr_assert_eq(memcmp(&lm, &lr, sizeof lm), 0, "loss, example %d", t);
                }
                cr_assert_eq(memcmp(m->zn, r->zn, sizeof r->zn), 0);
                cr_assert_eq(memcmp(&m->bias_z, &r->bz, sizeof r->bz), 0);
                cr_assert_eq(memcmp(&m->bias_n, &r->bn, sizeof r->bn), 0);
                free(r);
                ks_model_free(m);
            }
}

/* ks_model_margin (prefetch, two coordinates at a time) against the plain
 * loop, bit for bit, on trained state: odd and even lengths, l1 cuts,
 * alphas that are and are not powers of two. */
Test(model, margin_matches_the_plain_loop)
{
    const double alphas[] = {2.0, 0.5, 3.0};
    for (int a = 0; a < 3; a++)
        for (int reg = 0; reg < 2; reg++) {
            ks_model *m = make_loss(KS_LOSS_HINGE, alphas[a], 1.0, reg ? 0.05 : 0.0, 1e-6);
            uint32_t seed = 99u + (uint32_t)a;
            ks_feature f[256];
            for (int t = 0; t < 2000; t++) {
                ks_fvec x;
                int label = example(&seed, f, &x);
                uint32_t idx = 0, extra = lcg(&seed) % 120;
                for (uint32_t k = 0; k < extra; k++) {
                    idx += 1 + lcg(&seed) % 5;
                    f[x.n++] = (ks_feature){400 + idx, (k & 1 ? -0.3f : 0.2f) * (float)(k % 3 + 1)};
                }
                x.cap = x.n;
                double fast = ks_model_margin(m, &x), ref = ks_model_margin_ref(m, &x);
                cr_assert_eq(memcmp(&fast, &ref, sizeof fast), 0, "example %d", t);
                ks_model_learn(m, &x, label, 1.0);
            }
            ks_model_free(m);
        }
}

/* The hinge loss's shortcut (outside_margin: float weights decide that an
 * example needs no step) must give the steps of the exact path, bit for
 * bit, also for margins a hair either side of 1: trained state, then each
 * example rescaled so that its exact margin is y'(1 + eps) for eps from
 * -1e-5 to 1e-5 (and 0), learned once by a copy of the model and once by
 * the plain reference from the same state; every fourth example with a
 * repeated index. */
Test(model, hinge_shortcut_matches_the_reference_at_the_margin)
{
    const double eps[] = {-1e-5, -1e-7, -1e-9, -1e-12, 0.0, 1e-12, 1e-9, 1e-7, 1e-5};
    ks_model *m = make_loss(KS_LOSS_HINGE, 0.5, 1.0, 0.0, 1e-6);
    ref_state *r = calloc(1, sizeof *r);
    uint32_t seed = 4242u;
    ks_feature f[64], g[64];
    int probes = 0, stepped = 0, skipped = 0;
    cr_assert_not_null(r);
    for (int t = 0; t < 400; t++) {   /* some state to stand on */
        ks_fvec x;
        int label = example(&seed, f, &x);
        ks_model_learn(m, &x, label, 1.0);
    }
    for (int t = 0; t < 300; t++) {
        ks_fvec x, y;
        int label = example(&seed, f, &x);
        double b = ks_model_margin_ref(m, &(ks_fvec){NULL, 0, 0});   /* the bias's weight */
        double s = ks_model_margin_ref(m, &x) - b;
        if (!(fabs(s) > 1e-3))
            continue;
        for (int e = 0; e < 9; e++) {
            double target = (label ? 1.0 : -1.0) * (1.0 + eps[e]), c = (target - b) / s;
            ks_model *cl;
            double lm, lr;
            for (uint32_t k = 0; k < x.n; k++)
                g[k] = (ks_feature){f[k].index, (float)(f[k].value * c)};
            y = (ks_fvec){g, x.n, x.n};
            if (t % 4 == 0)   /* a repeated index (the exact path's learn_any) */
                g[y.n++] = g[0];
            cr_assert_eq(ks_model_clone_state(&cl, m), KS_OK);
            memcpy(r->zn, m->zn, sizeof r->zn);
            r->bz = m->bias_z;
            r->bn = m->bias_n;
            lm = ks_model_learn(cl, &y, label, 1.0);
            lr = ref_learn(r, ks_model_train_config(m), &y, label, 1.0);
            cr_assert_eq(memcmp(&lm, &lr, sizeof lm), 0, "loss, example %d eps %g", t, eps[e]);
            cr_assert_eq(memcmp(cl->zn, r->zn, sizeof r->zn), 0, "example %d eps %g", t, eps[e]);
            cr_assert_eq(memcmp(&cl->bias_z, &r->bz, sizeof r->bz), 0);
            stepped += lm > 0.0;
            skipped += lm == 0.0;
            probes++;
            ks_model_free(cl);
        }
        ks_model_learn(m, &x, label, 1.0);   /* the state moves on */
    }
    cr_assert_gt(probes, 1000);
    cr_assert_gt(stepped, 100);   /* both sides of the margin were probed */
    cr_assert_gt(skipped, 100);
    free(r);
    ks_model_free(m);
}

/* The float weights follow the state: written behind the model's back (as
 * the tests and the loader do) and announced, they are rebuilt; an example
 * far outside the margin by the old state but inside by the new one steps. */
Test(model, hinge_shortcut_follows_a_changed_state)
{
    ks_model *m = make_loss(KS_LOSS_HINGE, 0.5, 1.0, 0.0, 0.0);
    ks_feature f[] = {{3, 1.0f}};
    ks_fvec x = {f, 1, 1};
    float z3;
    for (int k = 0; k < 20 && ks_model_margin(m, &x) < 1.0; k++)
        ks_model_learn(m, &x, 1, 1.0);
    cr_assert_geq(ks_model_margin(m, &x), 1.0);
    cr_assert_eq(ks_model_learn(m, &x, 1, 1.0), 0.0);   /* outside: no step */
    z3 = KS_Z(m, 3);
    KS_Z(m, 3) = -z3;                                   /* the weight flips */
    ks_model_state_changed(m);
    cr_assert_gt(ks_model_learn(m, &x, 1, 1.0), 1.0);   /* inside now: a step */
    cr_assert_neq(KS_Z(m, 3), -z3);
    ks_model_free(m);
}
