/* calibrate.h - turning out-of-sample scores into calibrated probabilities
 * (Platt scaling) and into a decision threshold, plus the Brier score.
 *
 * The input is a list of scored examples: a raw score (the model's margin
 * w . x + b, or any monotone score), the true label and an example weight.
 * Both fits use the weights (an example of weight c counts c times), so a
 * training set re-weighted for class mix gives the threshold and
 * probabilities of the re-weighted mix.
 */
#ifndef KS_CALIBRATE_H
#define KS_CALIBRATE_H

#include <stddef.h>
#include "status.h"

typedef struct {
    double score;    /* raw score: larger means more likely spam */
    double weight;   /* example weight, > 0 */
    int label;       /* 0 ham, 1 spam */
} ks_scored;

/* Platt's sigmoid: p(spam | score) = 1 / (1 + exp(a * score + b)).
 * a = -1, b = 0 is the plain logistic sigmoid of the score. */
typedef struct {
    double a, b;
} ks_platt;

/* p for a score, with a * score + b clipped to [-35, 35] so 0 < p < 1. */
double ks_platt_prob(const ks_platt *c, double score);

/* Fits (a, b) by maximum likelihood on n scored examples with Platt's
 * smoothed targets: spam (N1 + 1) / (N1 + 2), ham 1 / (N0 + 2), N the
 * example counts by class (not weights), which keeps a and b finite on
 * separable scores. Newton's method with a backtracking line search on
 * the convex weighted negative log likelihood (Lin, Lin & Weng 2007).
 * KS_ERR_DATA when a class is absent or a weight is not positive and
 * finite; *iterations (may be NULL) gets the Newton steps taken. */
ks_status ks_platt_fit(const ks_scored *v, size_t n, ks_platt *out /* OUT */,
                       int *iterations /* OUT */);

/* The weighted negative log likelihood ks_platt_fit minimises (for tests
 * and diagnostics). */
double ks_platt_objective(const ks_scored *v, size_t n, double a, double b);

/* A decision threshold on scores (spam when score >= threshold).
 * Candidate operating points lie between adjacent distinct scores, plus
 * "nothing spam" and "everything spam"; a chosen point's threshold is the
 * midpoint of its gap ((s_hi + s_lo) / 2; above the top score: (s_max +
 * hi) / 2, below the bottom: (s_min + lo) / 2, with lo, hi the range the
 * scores live in, e.g. 0 and 1 for probabilities).
 *   target_fpr NaN: the point of the highest weighted accuracy; among
 *     ties the one whose threshold is nearest `prefer` (e.g. 0.5).
 *   0 < target_fpr < 1: the point with the lowest threshold whose
 *     weighted false-positive rate (ham weight at or above it / all ham
 *     weight) is <= target_fpr, i.e. the highest spam recall allowed.
 * KS_ERR_DATA when a class is absent. */
typedef struct {
    double threshold;
    double accuracy;     /* weighted, at that threshold */
    double fpr, recall;  /* weighted false-positive rate and spam recall */
} ks_threshold_choice;

ks_status ks_threshold_choose(const ks_scored *v, size_t n, double target_fpr,
                              double prefer, double lo, double hi,
                              ks_threshold_choice *out /* OUT */);

#endif
