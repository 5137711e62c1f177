/* model.c - a linear model (linear SVM or logistic regression) trained
 * online by FTRL-Proximal.
 *
 * Reference: H. B. McMahan et al., "Ad Click Prediction: a View from the
 * Trenches", KDD 2013, Algorithm 1 (per-coordinate FTRL-Proximal).
 *
 * Model:  margin m = sum_i w_i x_i + w_b, clipped to [-35, 35] so exp()
 *         never overflows; the probability of spam is a sigmoid of it
 *         (ks_model_calibrate: fitted on out-of-sample scores, app/oos.c).
 * Loss (tc.loss), y in {0, 1}, y' = 2y - 1; an example of weight c
 * contributes c * l, and the gradient of c * l with respect to w_i is
 * g_i = d * x_i with
 *   hinge (the default):  l = max(0, 1 - y' m),
 *                         d = -y' c when y' m < 1, else 0 (no step at all:
 *                         an example outside the margin changes nothing).
 *                         A linear SVM trained online, as the TREC spam
 *                         track's relaxed online SVMs (Sculley & Wachman
 *                         2007); it ranks best on our data (docs/design.md,
 *                         "Loss").
 *   log:                  l = -y log p - (1 - y) log(1 - p), p = sigmoid(m),
 *                         d = (p - y) c: logistic regression.
 *
 * State per coordinate: z_i and n_i (float32, 2^hash_bits of each; the
 * bias keeps its own z_b, n_b as double). The weights are computed lazily
 * from the state whenever a coordinate is touched (a float copy of them
 * only lets the hinge loss tell cheaply that an example needs no step:
 * outside_margin):
 *
 *   w_i = 0                                          if |z_i| <= l1
 *   w_i = -(z_i - sgn(z_i) l1) / ((beta + sqrt(n_i)) / alpha + l2)  else
 *
 * Update, for every coordinate i with x_i != 0 (and for the bias, x_b = 1):
 *
 *   sigma_i = (sqrt(n_i + g_i^2) - sqrt(n_i)) / alpha
 *   z_i    += g_i - sigma_i w_i
 *   n_i    += g_i^2
 *
 * Learning-rate schedule: the per-coordinate step is
 *   eta_i = alpha / (beta + sqrt(n_i)),
 * AdaGrad-like: it shrinks as squared gradients accumulate on that
 * coordinate, so rare tokens keep learning fast while frequent ones settle;
 * beta keeps the first steps finite.
 * Regularisation: l1 (the |z_i| <= l1 cut) gives exact zeros, i.e. a sparse
 * model; l2 adds to the denominator, shrinking weights. Both are applied in
 * closed form at every evaluation (the "proximal" part), not as gradient
 * terms. The bias has neither (l1 = l2 = 0 for it): it is not a feature
 * and shrinking it only biases the prior.
 *
 * Arithmetic is in double; z_i, n_i are rounded to float32 when stored.
 * The same sequence of examples therefore gives bit-identical state, and a
 * saved and reloaded model (which stores z, n exactly) continues exactly.
 */
#include <assert.h>
#include <math.h>
#include <string.h>
#include "ks/alloc.h"
#include "model_internal.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MARGIN_CLIP 35.0

/* How many features ahead ks_model_learn and ks_model_margin ask for a
 * coordinate's (z, n) (16 to 96 tried; 32 and up the same, 8 slower): with
 * 2^20 buckets the state is 8 MB, beyond L2, and the margin loop
 * otherwise waits on nearly every load (half its time, perf on KF). */
#ifndef LEARN_PREFETCH
#define LEARN_PREFETCH 32
#endif

/* The defaults, in one place, chosen by cross-validation on the training
 * sets only (bench/cv.py; evidence in docs/design.md): the hinge loss with
 * alpha 0.5 and 8 passes (the log loss's best alpha is 8: ks_default_alpha),
 * every set learned at its own class mix (balance none). The alphas are
 * large next to the paper's 0.1 because every vector has unit length, so
 * each feature's value is small; beta 1 as in the paper; l1 0 keeps every
 * feature; a tiny l2 only stops weights of features seen in one class alone
 * from growing without bound; a 4096-example replay reservoir. */
double ks_default_alpha(uint32_t loss)
{
    return loss == KS_LOSS_LOG ? 8.0 : 0.5;
}

void ks_train_config_default(ks_train_config *c)
{
    c->alpha = ks_default_alpha(KS_LOSS_HINGE);
    c->beta = 1.0;
    c->l1 = 0.0;
    c->l2 = 1e-6;
    c->passes = 8;
    c->seed = 1;
    c->balance = 0;
    c->replay = 4096;
    c->algo = KS_ALGO_LR;
    c->family_crc = 0;
    c->loss = KS_LOSS_HINGE;
}

ks_status ks_train_config_check(const ks_train_config *c)
{
    if (!(isfinite(c->alpha) && c->alpha > 0))
        return ks_fail(KS_ERR_USAGE, "alpha must be a positive number");
    if (!(isfinite(c->beta) && c->beta >= 0))
        return ks_fail(KS_ERR_USAGE, "beta must be >= 0");
    if (!(isfinite(c->l1) && c->l1 >= 0))
        return ks_fail(KS_ERR_USAGE, "l1 must be >= 0");
    if (!(isfinite(c->l2) && c->l2 >= 0))
        return ks_fail(KS_ERR_USAGE, "l2 must be >= 0");
    if (c->passes < 1 || c->passes > 1000)
        return ks_fail(KS_ERR_USAGE, "passes must be 1..1000");
    if (c->replay > (1u << 20))
        return ks_fail(KS_ERR_USAGE, "replay must be 0..1048576 examples");
    if (c->balance > 2)
        return ks_fail(KS_ERR_USAGE, "balance must be 0 (none), 1 (prior) or 2 (equal)");
    if (c->algo > KS_ALGO_SVM)
        return ks_fail(KS_ERR_USAGE, "algo must be 0 (logistic regression) or 1 (svm)");
    if (c->loss > KS_LOSS_HINGE)
        return ks_fail(KS_ERR_USAGE, "loss must be 0 (log) or 1 (hinge)");
    return KS_OK;
}

/* Zeroed memory for a model's table of n bytes. calloc's fresh pages are
 * the kernel's zero page until written, and learning reads a coordinate
 * before it writes it: every page then faults twice, the second time a
 * copy-on-write that, in a process with threads, flushes the other
 * cores' TLBs by interrupt (perf, KF defaults: 8 % of the run, system time
 * 0.34 -> 0.20 s once the tables are written up front). Tables up to
 * PREFAULT_MAX bytes therefore get a write on each page as they are
 * allocated, one fault a page (the kernel's page is zeroed already: a
 * byte a page, not a memset of the whole); any real training set touches
 * nearly all of their pages anyway (2^20 buckets: 248k of 1M non-zero on
 * KF, spread by the hash). Larger ones stay lazy, so a sparse 2^28 table
 * costs only the pages hit. */
#define PREFAULT_MAX ((size_t)64 << 20)
#define PREFAULT_STEP 4096   /* the smallest page size of our targets */

static void *table_alloc(size_t n)
{
    volatile unsigned char *p = ks_calloc(1, n);
    if (p && n <= PREFAULT_MAX)
        for (size_t i = 0; i < n; i += PREFAULT_STEP)
            p[i] = 0;
    return (void *)p;
}

ks_status ks_model_alloc(ks_model **out, const ks_feature_config *fc,
                         const ks_train_config *tc)
{
    ks_model *m;
    *out = NULL;
    m = ks_calloc(1, sizeof *m);
    if (!m)
        return ks_fail(KS_ERR_NOMEM, "out of memory for the model");
    m->fc = *fc;
    m->tc = *tc;
    m->dim = (uint32_t)1 << fc->hash_bits;
    m->threshold = 0.5;
    m->cal.a = -1.0;   /* p = sigmoid(margin) until training calibrates */
    m->cal.b = 0.0;
    m->zn = table_alloc(2 * (size_t)m->dim * sizeof *m->zn);
    if (!m->zn) {
        ks_model_free(m);
        return ks_fail(KS_ERR_NOMEM, "out of memory for a model of 2^%u "
                       "coordinates", (unsigned)fc->hash_bits);
    }
    *out = m;
    return KS_OK;
}

ks_status ks_model_new(ks_model **out, const ks_feature_config *fc,
                       const ks_train_config *tc)
{
    ks_status st;
    *out = NULL;
    if ((st = ks_feature_config_check(fc)) != KS_OK)
        return st;
    if (fc->hash_bits < 1 || fc->hash_bits > 28)   /* dim fits in uint32 */
        return ks_fail(KS_ERR_USAGE, "hash_bits must be 8..28");
    if ((st = ks_train_config_check(tc)) != KS_OK)
        return st;
    return ks_model_alloc(out, fc, tc);
}

ks_status ks_model_clone_state(ks_model **out, const ks_model *m)
{
    ks_status st = ks_model_alloc(out, &m->fc, &m->tc);
    if (st != KS_OK)
        return st;
    memcpy((*out)->zn, m->zn, 2 * (size_t)m->dim * sizeof *m->zn);
    (*out)->bias_z = m->bias_z;
    (*out)->bias_n = m->bias_n;
    return KS_OK;
}

void ks_model_free(ks_model *m)
{
    if (!m)
        return;
    ks_free(m->zn);
    ks_free(m->wf);
    ks_free(m->hist);
    ks_free(m->learn_tmp);
    ks_model_replay_free(m);
    ks_free(m);
}

const ks_feature_config *ks_model_features(const ks_model *m) { return &m->fc; }
const ks_train_config *ks_model_train_config(const ks_model *m) { return &m->tc; }

/* The lazy FTRL-Proximal weight of a coordinate with state (z, n). */
static double ftrl_weight(const ks_train_config *tc, double z, double n,
                          double l1, double l2)
{
    if (fabs(z) <= l1)
        return 0.0;
    return -(z - copysign(l1, z)) / ((tc->beta + sqrt(n)) / tc->alpha + l2);
}

static double bias_weight(const ks_model *m)
{
    return ftrl_weight(&m->tc, m->bias_z, m->bias_n, 0.0, 0.0);
}

static double coord_weight(const ks_model *m, uint32_t i)
{
    return ftrl_weight(&m->tc, KS_Z(m, i), KS_N(m, i), m->tc.l1, m->tc.l2);
}

#if defined(__SSE2__)
/* The lazy weights (and square roots of n) of coordinates i and j at once:
 * every x86-64 has SSE2, and its two-lane square root and division are as
 * fast as the one-lane ones. The same correctly rounded operations in the
 * same order as ftrl_weight, so the same bits (tests/unit/model_test.c
 * checks ks_model_learn against a plain FTRL, and the margin against
 * ks_model_margin_ref). a is 1/alpha when mul, else alpha. */
static inline __m128d weight_pair(const ks_model *m, uint32_t i, uint32_t j, __m128d a, int mul,
                                  __m128d *rt)
{
    const __m128d beta = _mm_set1_pd(m->tc.beta), l1 = _mm_set1_pd(m->tc.l1);
    const __m128d l2 = _mm_set1_pd(m->tc.l2), sign = _mm_set1_pd(-0.0);
    const float *p = &KS_Z(m, i), *q = &KS_Z(m, j);
    __m128d z = _mm_set_pd(q[0], p[0]), n = _mm_set_pd(q[1], p[1]), den, num;
    *rt = _mm_sqrt_pd(n);
    den = _mm_add_pd(beta, *rt);
    den = _mm_add_pd(mul ? _mm_mul_pd(den, a) : _mm_div_pd(den, a), l2);
    num = _mm_sub_pd(z, _mm_or_pd(_mm_and_pd(sign, z), _mm_andnot_pd(sign, l1)));
    num = _mm_xor_pd(num, sign);                            /* -(z - copysign(l1, z)) */
    return _mm_andnot_pd(_mm_cmple_pd(_mm_andnot_pd(sign, z), l1),   /* |z| <= l1: 0 */
                         _mm_div_pd(num, den));
}

/* The plain loop of ks_model_learn (w[k], r[k] of features k = 0, 1, ...
 * while two are left; returns how many it did), two coordinates at once.
 * Every index must be below dim. */
static uint32_t learn_weights_sse2(const ks_model *m, const ks_fvec *x, double *w, double *r,
                                   double a, int mul)
{
    const __m128d va = _mm_set1_pd(a);
    uint32_t k = 0;
    for (; x->n - k >= 2; k += 2) {
        __m128d rt, wt;
        if (k + 1 + LEARN_PREFETCH < x->n) {
            __builtin_prefetch(&KS_Z(m, x->f[k + LEARN_PREFETCH].index & (m->dim - 1)));
            __builtin_prefetch(&KS_Z(m, x->f[k + 1 + LEARN_PREFETCH].index & (m->dim - 1)));
        }
        wt = weight_pair(m, x->f[k].index, x->f[k + 1].index, va, mul, &rt);
        _mm_storeu_pd(r + k, rt);
        _mm_storeu_pd(w + k, wt);
    }
    return k;
}
#endif

/* 1/alpha when alpha is a power of two: dividing by it is multiplying by
 * its inverse, to the bit (both are the exact quotient, rounded once), so
 * the defaults' alpha (2, 0.5; the log loss's 8) costs a multiply, not a
 * division, a coordinate. 0 for any other alpha (divide as before). */
static double alpha_inverse(double alpha)
{
    int e;
    return frexp(alpha, &e) == 0.5 && e > -1000 && e < 1000 ? ldexp(1.0, 1 - e) : 0.0;
}

double ks_model_margin_ref(const ks_model *m, const ks_fvec *x)
{
    double s = bias_weight(m);
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t i = x->f[k].index;
        assert(i < m->dim);   /* extracted with this model's hash_bits */
        if (i < m->dim)
            s += coord_weight(m, i) * (double)x->f[k].value;
    }
    return s;
}

/* ks_model_margin_ref with the state prefetched ahead and, on x86-64, the
 * weights two at a time; the sum in the same order, so the same bits. */
double ks_model_margin(const ks_model *m, const ks_fvec *x)
{
    double s = bias_weight(m);
    uint32_t k = 0, inside = 1;
    for (uint32_t j = 0; j < x->n; j++)
        inside &= x->f[j].index < m->dim;
    assert(inside);   /* extracted with this model's hash_bits */
    if (!inside)
        return ks_model_margin_ref(m, x);
#if defined(__SSE2__)
    {
        const double ainv = alpha_inverse(m->tc.alpha);
        const __m128d va = _mm_set1_pd(ainv != 0.0 ? ainv : m->tc.alpha);
        for (; x->n - k >= 2; k += 2) {
            double w[2];
            __m128d rt;
            if (k + 1 + LEARN_PREFETCH < x->n) {
                __builtin_prefetch(&KS_Z(m, x->f[k + LEARN_PREFETCH].index));
                __builtin_prefetch(&KS_Z(m, x->f[k + 1 + LEARN_PREFETCH].index));
            }
            _mm_storeu_pd(w, weight_pair(m, x->f[k].index, x->f[k + 1].index, va, ainv != 0.0,
                                         &rt));
            s += w[0] * (double)x->f[k].value;
            s += w[1] * (double)x->f[k + 1].value;
        }
    }
#endif
    for (; k < x->n; k++) {
        if (k + LEARN_PREFETCH < x->n)
            __builtin_prefetch(&KS_Z(m, x->f[k + LEARN_PREFETCH].index));
        s += coord_weight(m, x->f[k].index) * (double)x->f[k].value;
    }
    return s;
}

static double clip_margin(double s)
{
    if (!(s > -MARGIN_CLIP))   /* also maps NaN to the clip, not to NaN */
        return s != s ? 0.0 : -MARGIN_CLIP;
    return s > MARGIN_CLIP ? MARGIN_CLIP : s;
}

/* With the fresh (a, b) = (-1, 0) this is sigmoid(margin) to the bit:
 * -1 * m + 0 is -m exactly and clip_margin is symmetric. */
double ks_model_calibrate(const ks_model *m, double margin)
{
    return 1.0 / (1.0 + exp(clip_margin(m->cal.a * margin + m->cal.b)));
}

double ks_model_predict(const ks_model *m, const ks_fvec *x)
{
    return ks_model_calibrate(m, ks_model_margin(m, x));
}

/* The loss of margin s (already clipped) for label, and d with
 * g_i = d * x_i (see the top of this file); *d == 0 means no step. */
static double loss_grad(uint32_t loss, double s, int label, double weight,
                        double *d)
{
    if (loss == KS_LOSS_HINGE) {
        double yy = label ? 1.0 : -1.0;
        *d = yy * s < 1.0 ? -yy * weight : 0.0;
        return fmax(0.0, 1.0 - yy * s);
    } else {
        double p = 1.0 / (1.0 + exp(-s)), y = label ? 1.0 : 0.0;
        *d = (p - y) * weight;
        /* log loss from the margin: log(1 + e^s) - y s, computed stably */
        return fmax(s, 0.0) + log1p(exp(-fabs(s))) - y * s;
    }
}

/* One FTRL update of a coordinate's (z, n) by gradient g at weight w. */
static void ftrl_update(double alpha, double g, double w, double *z, double *n)
{
    double sigma = (sqrt(*n + g * g) - sqrt(*n)) / alpha;
    *z += g - sigma * w;
    *n += g * g;
}

void ks_model_reset_weights(ks_model *m)
{
    memset(m->zn, 0, 2 * (size_t)m->dim * sizeof *m->zn);
    m->bias_z = 0.0;
    m->bias_n = 0.0;
    ks_model_state_changed(m);
}

void ks_model_state_changed(ks_model *m)
{
    ks_free(m->wf);
    m->wf = NULL;
}

uint64_t ks_model_steps(const ks_model *m) { return m->steps; }

void ks_model_end_learning(ks_model *m)
{
    ks_model_state_changed(m);
    ks_free(m->learn_tmp);
    m->learn_tmp = NULL;
    m->learn_cap = 0;
}

/* The float weights, built from zn if need be; 0 without memory for them
 * (then the exact path does all, as before). Coordinates with z = 0 have
 * weight 0 and are left as table_alloc gave them. */
static int float_weights(ks_model *m)
{
    if (m->wf)
        return 1;
    if (m->wf_failed || !(m->wf = table_alloc(m->dim * sizeof *m->wf))) {
        m->wf_failed = 1;
        return 0;
    }
    for (uint32_t i = 0; i < m->dim; i++)
        if (KS_Z(m, i) != 0.0f)
            m->wf[i] = (float)coord_weight(m, i);
    return 1;
}

/* The hinge loss's shortcut: whether the exact margin s that
 * ks_model_learn would compute has y's >= 1 (no step: d = 0, loss 0),
 * decided from the float weights wf without a square root or a division.
 * Most hinge steps are of this kind once the model fits (on the Knitfab
 * and SpamAssassin training sets, 96 % of the steps of a default run and
 * 95-96 % of their features), and each used to cost a square root and a
 * division a feature.
 *
 * Why "yes" is never wrong: let S = sum w_i x_i (the weights exactly),
 * Sf = sum wf_i x_i with wf_i = w_i rounded to float (|wf_i - w_i| <=
 * 2^-24 |w_i|, or <= 2^-150 if subnormal). Each product wf_i x_i is
 * exact in double (24 x 24 bits); summing n + 1 terms in double in any
 * order errs by at most g = (n + 1) 2^-53 / (1 - (n + 1) 2^-53) times the
 * sum of their magnitudes, and so does the exact path's sum of S. So
 * |s_here - s_exact| <= (2^-24 + 2g) A + 2^-150 X with A = sum |wf_i x_i|
 * (+ |w_b|) and X = sum |x_i|, and the bound used below is more than
 * four times that (A itself computed with error g). When the float sum
 * clears 1 by more than it, the exact one clears 1 too, and so does its
 * clip to [-35, 35]. NaN or infinity anywhere fails the test: "no", and
 * the exact path decides; so does an index at or above dim (read masked,
 * refused at the end). Any order of the indices, repeats too: the exact
 * margin is of the state before the step either way. */
static int outside_margin(const ks_model *m, const ks_fvec *x, int label, double bias)
{
    const float *wf = m->wf;
    const uint32_t mask = m->dim - 1;   /* dim is a power of two */
    double s0 = 0.0, s1 = 0.0, a0 = 0.0, a1 = 0.0, xs = 0.0, s, a, err;
    uint32_t k = 0, all = 0;   /* all: the indices or-ed */
    for (; x->n - k >= 2; k += 2) {
        double p, q;
        if (k + 1 + LEARN_PREFETCH < x->n) {
            __builtin_prefetch(&wf[x->f[k + LEARN_PREFETCH].index & mask]);
            __builtin_prefetch(&wf[x->f[k + 1 + LEARN_PREFETCH].index & mask]);
        }
        all |= x->f[k].index | x->f[k + 1].index;
        p = (double)wf[x->f[k].index & mask] * (double)x->f[k].value;
        q = (double)wf[x->f[k + 1].index & mask] * (double)x->f[k + 1].value;
        s0 += p;
        s1 += q;
        a0 += fabs(p);
        a1 += fabs(q);
        xs += fabs((double)x->f[k].value) + fabs((double)x->f[k + 1].value);
    }
    if (k < x->n) {
        double p = (double)wf[x->f[k].index & mask] * (double)x->f[k].value;
        all |= x->f[k].index;
        s0 += p;
        a0 += fabs(p);
        xs += fabs((double)x->f[k].value);
    }
    s = bias + (s0 + s1);
    a = fabs(bias) + (a0 + a1);
    err = a * (0x1p-22 + ((double)x->n + 4.0) * 0x1p-50) + xs * 0x1p-120;
    return (all & ~mask) == 0 && (label ? s : -s) - 1.0 > err;
}

/* ks_model_learn for any x: each coordinate's weight computed when it is
 * read, so an index that comes twice sees its first update. */
static double learn_any(ks_model *m, const ks_fvec *x, int label, double weight)
{
    double s = clip_margin(ks_model_margin(m, x)), d;   /* g_i = d * x_i */
    double loss = loss_grad(m->tc.loss, s, label, weight, &d);
    double bz = m->bias_z, bn = m->bias_n;
    if (d == 0.0)
        return loss;
    m->steps++;
    ftrl_update(m->tc.alpha, d, bias_weight(m), &bz, &bn);
    m->bias_z = bz;
    m->bias_n = bn;
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t i = x->f[k].index;
        double xi = x->f[k].value, z, n;
        if (i >= m->dim || xi == 0.0 || !isfinite(xi))
            continue;
        z = KS_Z(m, i);
        n = KS_N(m, i);
        ftrl_update(m->tc.alpha, d * xi, coord_weight(m, i), &z, &n);
        KS_Z(m, i) = (float)z;
        KS_N(m, i) = (float)n;
        if (m->wf)
            m->wf[i] = (float)coord_weight(m, i);
    }
    return loss;
}

/* Room in the learning scratch for n coordinates; -1 without memory. */
static int learn_room(ks_model *m, uint32_t n)
{
    double *p;
    if (n <= m->learn_cap)
        return 0;
    if (!(p = ks_realloc(m->learn_tmp, 2 * (size_t)n * sizeof *p)))
        return -1;
    m->learn_tmp = p;
    m->learn_cap = n;
    return 0;
}

/* The same arithmetic as learn_any, in the same order, so the same bits;
 * but with indices strictly ascending (as every extracted or decoded
 * vector has) no coordinate changes between the margin and the update, so
 * each weight and sqrt(n_i) is computed once, in the margin loop, and
 * reused by the update: two square roots and one division a coordinate
 * instead of four and two. Falls back to learn_any otherwise. */
double ks_model_learn(ks_model *m, const ks_fvec *x, int label, double weight)
{
    const ks_train_config *tc = &m->tc;
    double s = bias_weight(m), d, loss, bz, bn, *w, *r;
    const double beta = tc->beta, l1 = tc->l1, l2 = tc->l2, alpha = tc->alpha;
    const double ainv = alpha_inverse(alpha);
    const int apow2 = ainv != 0.0;
    int64_t prev = -1;
    uint32_t k = 0;
    if (tc->loss == KS_LOSS_HINGE && float_weights(m) && outside_margin(m, x, label, s))
        return 0.0;   /* no step, and the loss the exact path gives: 0 */
    if (learn_room(m, x->n))
        return learn_any(m, x, label, weight);
    w = m->learn_tmp;
    r = m->learn_tmp + m->learn_cap;
    for (uint32_t j = 0; j < x->n; j++) {
        if ((int64_t)x->f[j].index <= prev)
            return learn_any(m, x, label, weight);
        prev = x->f[j].index;
    }
#if defined(__SSE2__)
    if (x->n && x->f[x->n - 1].index < m->dim)   /* all inside: no gaps in w, r */
        k = learn_weights_sse2(m, x, w, r, apow2 ? ainv : alpha, apow2);
#endif
    for (; k < x->n; k++) {   /* the plain loop: the rest, or all */
        uint32_t i = x->f[k].index;
        double z, n;
        if (k + LEARN_PREFETCH < x->n)   /* masked: stays inside zn */
            __builtin_prefetch(&KS_Z(m, x->f[k + LEARN_PREFETCH].index & (m->dim - 1)));
        if (i >= m->dim)
            continue;
        z = KS_Z(m, i);
        n = KS_N(m, i);
        r[k] = sqrt(n);
        if (fabs(z) <= l1)
            w[k] = 0.0;
        else
            w[k] = -(z - copysign(l1, z))
                 / ((apow2 ? (beta + r[k]) * ainv : (beta + r[k]) / alpha) + l2);
    }
    for (k = 0; k < x->n; k++)   /* the margin, in order */
        if (x->f[k].index < m->dim)
            s += w[k] * (double)x->f[k].value;
    s = clip_margin(s);
    loss = loss_grad(tc->loss, s, label, weight, &d);
    if (d == 0.0)
        return loss;
    m->steps++;
    bz = m->bias_z;
    bn = m->bias_n;
    ftrl_update(tc->alpha, d, bias_weight(m), &bz, &bn);
    m->bias_z = bz;
    m->bias_n = bn;
    for (k = 0; k < x->n; k++) {
        uint32_t i = x->f[k].index;
        double xi = x->f[k].value, g, z, n, sigma;
        if (i >= m->dim || xi == 0.0 || !isfinite(xi))
            continue;
        g = d * xi;
        z = KS_Z(m, i);
        n = KS_N(m, i);
        sigma = apow2 ? (sqrt(n + g * g) - r[k]) * ainv     /* ftrl_update */
                      : (sqrt(n + g * g) - r[k]) / alpha;
        z += g - sigma * w[k];
        n += g * g;
        KS_Z(m, i) = (float)z;
        KS_N(m, i) = (float)n;
        if (m->wf)
            m->wf[i] = (float)coord_weight(m, i);
    }
    return loss;
}

double ks_model_threshold(const ks_model *m) { return m->threshold; }
void ks_model_set_threshold(ks_model *m, double t) { m->threshold = t; }

const ks_calibration *ks_model_calibration(const ks_model *m) { return &m->cal; }

ks_status ks_model_set_calibration(ks_model *m, const ks_calibration *c)
{
    if (!(isfinite(c->a) && c->a < 0 && c->a >= -1e6))
        return ks_fail(KS_ERR_USAGE, "calibration slope a must be in [-1e6, 0)");
    if (!(isfinite(c->b) && fabs(c->b) <= 1e6))
        return ks_fail(KS_ERR_USAGE, "calibration offset b must be in [-1e6, 1e6]");
    if (c->scores > KS_SCORES_PROGRESSIVE)
        return ks_fail(KS_ERR_USAGE, "calibration scores %u unknown", (unsigned)c->scores);
    if (c->rule > KS_RULE_TARGET_FPR)
        return ks_fail(KS_ERR_USAGE, "threshold rule %u unknown", (unsigned)c->rule);
    if (c->rule == KS_RULE_TARGET_FPR ? !(c->target_fpr > 0 && c->target_fpr < 1)
                                      : c->target_fpr != 0)
        return ks_fail(KS_ERR_USAGE, "target false-positive rate %g does not fit rule %u",
                       c->target_fpr, (unsigned)c->rule);
    m->cal = *c;
    return KS_OK;
}

ks_status ks_model_add_history(ks_model *m, const ks_history_entry *h)
{
    ks_history_entry *e;
    if (m->nhist == m->cap_hist) {
        size_t cap = m->cap_hist ? m->cap_hist * 2 : 4;
        ks_history_entry *nh = ks_realloc(m->hist, cap * sizeof *nh);
        if (!nh)
            return ks_fail(KS_ERR_NOMEM, "out of memory for the model history");
        m->hist = nh;
        m->cap_hist = cap;
    }
    e = &m->hist[m->nhist++];
    *e = *h;
    e->mode[sizeof e->mode - 1] = '\0';
    e->dataset[sizeof e->dataset - 1] = '\0';
    return KS_OK;
}

size_t ks_model_history_count(const ks_model *m) { return m->nhist; }

const ks_history_entry *ks_model_history(const ks_model *m, size_t i)
{
    return i < m->nhist ? &m->hist[i] : NULL;
}

uint64_t ks_model_seen(const ks_model *m, int label)
{
    uint64_t s = 0;
    for (size_t i = 0; i < m->nhist; i++)
        s += m->hist[i].messages[label ? 1 : 0];
    return s;
}

uint32_t ks_model_checksum(const ks_model *m) { return m->checksum; }
uint32_t ks_model_parent_checksum(const ks_model *m) { return m->parent; }

uint64_t ks_model_nonzero(const ks_model *m)
{
    uint64_t c = 0;
    double l1 = m->tc.l1;
    for (uint32_t i = 0; i < m->dim; i++)
        c += fabs((double)KS_Z(m, i)) > l1;
    return c;
}

const ks_fc_field ks_model_fc_fields[KS_FC_NFIELDS] = {
    {"hash_bits", offsetof(ks_feature_config, hash_bits)},
    {"seed", offsetof(ks_feature_config, seed)},
    {"families", offsetof(ks_feature_config, families)},
    {"ngram_n", offsetof(ks_feature_config, ngram_n)},
    {"ngram_bytes", offsetof(ks_feature_config, ngram_bytes)},
    {"max_token", offsetof(ks_feature_config, max_token)},
    {"weighting", offsetof(ks_feature_config, weighting)},
    {"normalize", offsetof(ks_feature_config, normalize)},
};

/* "families" carries the training view in bits 16..23 (model.bin has
 * no field of its own for it; models without a view read as before). */
uint32_t ks_model_fc_get(const ks_feature_config *c, int k)
{
    uint32_t v;
    memcpy(&v, (const char *)c + ks_model_fc_fields[k].off, sizeof v);
    if (ks_model_fc_fields[k].off == offsetof(ks_feature_config, families))
        v |= c->view << 16;
    return v;
}

void ks_model_fc_set(ks_feature_config *c, int k, uint32_t v)
{
    if (ks_model_fc_fields[k].off == offsetof(ks_feature_config, families)) {
        c->view = v >> 16;
        v &= 0xffffu;
    }
    memcpy((char *)c + ks_model_fc_fields[k].off, &v, sizeof v);
}

ks_status ks_model_check_compatible(const ks_model *m,
                                    const ks_feature_config *c)
{
    for (int k = 0; k < KS_FC_NFIELDS; k++) {
        uint32_t a = ks_model_fc_get(&m->fc, k), b = ks_model_fc_get(c, k);
        if (a != b)
            return ks_fail(KS_ERR_MODEL, "feature setting %s differs: the "
                           "model has %u, requested %u",
                           ks_model_fc_fields[k].name, a, b);
    }
    return KS_OK;
}
