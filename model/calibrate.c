/* calibrate.c - Platt scaling and threshold choice on scored examples.
 *
 * Platt scaling (J. Platt, "Probabilistic outputs for support vector
 * machines", 1999; the numerically careful form of H.-T. Lin, C.-J. Lin and
 * R. C. Weng, "A note on Platt's probabilistic outputs for support vector
 * machines", Machine Learning 68, 2007). With z_i = a s_i + b,
 * p_i = 1 / (1 + e^{z_i}) and smoothed targets t_i, the weighted negative
 * log likelihood is
 *
 *   F(a, b) = sum_i w_i [ -t_i ln p_i - (1 - t_i) ln(1 - p_i) ]
 *           = sum_i w_i [ ln(1 + e^{z_i}) - (1 - t_i) z_i ],
 *
 * convex in (a, b). dF/dz_i = w_i (t_i - p_i), d2F/dz_i2 = w_i p_i (1 - p_i),
 * so the gradient is sum w (t - p) (s, 1) and the Hessian
 * sum w p (1 - p) [[s^2, s], [s, 1]] (plus 1e-12 on the diagonal, which
 * keeps it invertible when every p is 0 or 1). Each iteration takes the
 * Newton step and halves it until F decreases enough (Armijo, 1e-4);
 * it stops when both gradient components are below 1e-5 times the total
 * weight, or after 100 iterations. ln(1 + e^z) is evaluated as
 * max(z, 0) + log1p(e^{-|z|}), exact for every z.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/calibrate.h"

#define Z_CLIP 35.0

static double clip(double z)
{
    if (!(z > -Z_CLIP))
        return z != z ? 0.0 : -Z_CLIP;
    return z > Z_CLIP ? Z_CLIP : z;
}

double ks_platt_prob(const ks_platt *c, double score)
{
    return 1.0 / (1.0 + exp(clip(c->a * score + c->b)));
}

static double log1pexp(double z)
{
    return fmax(z, 0.0) + log1p(exp(-fabs(z)));
}

/* Platt's targets from the class counts. */
static void targets(const ks_scored *v, size_t n, double *hi, double *lo,
                    size_t *n0, size_t *n1)
{
    *n0 = *n1 = 0;
    for (size_t i = 0; i < n; i++)
        v[i].label ? (*n1)++ : (*n0)++;
    *hi = ((double)*n1 + 1.0) / ((double)*n1 + 2.0);
    *lo = 1.0 / ((double)*n0 + 2.0);
}

static double objective(const ks_scored *v, size_t n, double hi, double lo,
                        double a, double b)
{
    double f = 0.0;
    for (size_t i = 0; i < n; i++) {
        double z = a * v[i].score + b, t = v[i].label ? hi : lo;
        f += v[i].weight * (log1pexp(z) - (1.0 - t) * z);
    }
    return f;
}

double ks_platt_objective(const ks_scored *v, size_t n, double a, double b)
{
    double hi, lo;
    size_t n0, n1;
    targets(v, n, &hi, &lo, &n0, &n1);
    return objective(v, n, hi, lo, a, b);
}

ks_status ks_platt_fit(const ks_scored *v, size_t n, ks_platt *out, int *iterations)
{
    double hi, lo, a, b, f, wsum = 0.0, w1 = 0.0;
    size_t n0, n1;
    int it;

    targets(v, n, &hi, &lo, &n0, &n1);
    if (!n0 || !n1)
        return ks_fail(KS_ERR_DATA, "calibration needs both ham and spam scores "
                       "(got %zu ham, %zu spam)", n0, n1);
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(v[i].weight) && v[i].weight > 0) || !isfinite(v[i].score))
            return ks_fail(KS_ERR_DATA, "calibration: score %zu has weight %g, "
                           "score %g", i, v[i].weight, v[i].score);
        wsum += v[i].weight;
        w1 += v[i].label ? v[i].weight : 0.0;
    }
    /* start: a = 0, b = the log odds of ham, i.e. p = the spam share */
    a = 0.0;
    b = log((wsum - w1 + 1e-300) / (w1 + 1e-300));
    f = objective(v, n, hi, lo, a, b);
    for (it = 0; it < 100; it++) {
        double g1 = 0, g2 = 0, h11 = 1e-12, h22 = 1e-12, h21 = 0, det, da, db;
        double step = 1.0, gd;
        for (size_t i = 0; i < n; i++) {
            double s = v[i].score, w = v[i].weight;
            double p = 1.0 / (1.0 + exp(clip(a * s + b)));
            double t = v[i].label ? hi : lo, d = w * p * (1.0 - p);
            g1 += w * (t - p) * s;
            g2 += w * (t - p);
            h11 += d * s * s;
            h21 += d * s;
            h22 += d;
        }
        if (fabs(g1) < 1e-5 * wsum && fabs(g2) < 1e-5 * wsum)
            break;
        det = h11 * h22 - h21 * h21;
        da = -(h22 * g1 - h21 * g2) / det;
        db = -(-h21 * g1 + h11 * g2) / det;
        gd = g1 * da + g2 * db;   /* < 0: a descent direction */
        while (step >= 1e-10) {
            double na = a + step * da, nb = b + step * db;
            double nf = objective(v, n, hi, lo, na, nb);
            if (nf < f + 1e-4 * step * gd) {
                a = na;
                b = nb;
                f = nf;
                break;
            }
            step /= 2;
        }
        if (step < 1e-10)   /* no progress along the Newton direction */
            break;
    }
    out->a = a;
    out->b = b;
    if (iterations)
        *iterations = it;
    return KS_OK;
}

static int by_score_desc(const void *x, const void *y)
{
    double p = ((const ks_scored *)x)->score, q = ((const ks_scored *)y)->score;
    return (p < q) - (p > q);
}

ks_status ks_threshold_choose(const ks_scored *v, size_t n, double target_fpr,
                              double prefer, double lo, double hi,
                              ks_threshold_choice *out)
{
    double w0 = 0, w1 = 0, tp = 0, fp = 0;
    ks_scored *s;
    ks_threshold_choice best;

    for (size_t i = 0; i < n; i++)
        v[i].label ? (w1 += v[i].weight) : (w0 += v[i].weight);
    if (!(w0 > 0) || !(w1 > 0))
        return ks_fail(KS_ERR_DATA, "choosing a threshold needs both ham and spam scores");
    if (!(s = ks_malloc(n * sizeof *s)))
        return ks_fail(KS_ERR_NOMEM, "out of memory sorting %zu scores", n);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, by_score_desc);
    /* point "nothing is spam": threshold above the top score */
    best.threshold = (s[0].score + hi) / 2;
    best.accuracy = w0 / (w0 + w1);
    best.fpr = best.recall = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        ks_threshold_choice c;
        for (; j < n && s[j].score == s[i].score; j++)
            s[j].label ? (tp += s[j].weight) : (fp += s[j].weight);
        c.threshold = j < n ? (s[i].score + s[j].score) / 2 : (s[i].score + lo) / 2;
        c.accuracy = (tp + (w0 - fp)) / (w0 + w1);
        c.fpr = fp / w0;
        c.recall = tp / w1;
        if (!isnan(target_fpr)) {
            if (c.fpr > target_fpr * (1 + 1e-12))
                break;   /* only worse from here down */
            best = c;
        } else if (c.accuracy > best.accuracy * (1 + 1e-12) ||
                   (c.accuracy >= best.accuracy * (1 - 1e-12) &&
                    fabs(c.threshold - prefer) < fabs(best.threshold - prefer))) {
            best = c;
        }
        i = j;
    }
    ks_free(s);
    *out = best;
    return KS_OK;
}
