/* metrics.h - evaluation of scored messages: the example's metrics
 * (accuracy, confusion matrix, sklearn classification_report) and what spam
 * work needs (ROC AUC, log loss, spam recall at fixed false-positive rates).
 *
 * Keeps every (label, probability) pair: 9 bytes a message, plus 16 bytes
 * a message while ks_metrics_compute sorts them. Definitions (which
 * match scikit-learn) are at the top of model/metrics.c.
 */
#ifndef KS_METRICS_H
#define KS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "json.h"

typedef struct {
    double precision, recall, f1;   /* 0.0 on zero division, as sklearn */
    uint64_t support;
} ks_class_report;

typedef struct {
    uint64_t tn, fp, fn, tp;        /* 1 = spam is the positive class */
    double accuracy;
    ks_class_report cls[2];         /* "0" (ham) and "1" (spam) */
    ks_class_report macro, weighted;
    double auc;                     /* ROC AUC, ties counted half */
    double one_minus_auc_pct;       /* (1 - AUC) * 100 */
    double log_loss;                /* mean, probabilities clipped 1e-15 */
    double brier;                   /* mean (p - y)^2 */
    struct {
        uint64_t n;                 /* messages with p in [k/10, (k+1)/10) */
        double mean_prob;           /* their mean p (NaN when n = 0) */
        double spam_fraction;       /* the share of spam among them */
    } reliability[10];              /* the last bin includes p = 1 */
    double recall_at_fpr_001;       /* spam recall at 0.1 % ham flagged */
    double recall_at_fpr_01;        /* spam recall at 1 % ham flagged */
    double threshold;               /* decision threshold used */
    uint64_t n;                     /* messages scored */
} ks_metrics_summary;

typedef struct ks_metrics ks_metrics;

ks_status ks_metrics_new(ks_metrics **out /* OUT */);
void ks_metrics_free(ks_metrics *m);   /* NULL is a no-op */
ks_status ks_metrics_add(ks_metrics *m, int label, double prob);

/* The pairs added so far, in the order added (for plots): count, and pair
 * i < count into *label (0/1) and *prob. Reading never changes m. */
size_t ks_metrics_count(const ks_metrics *m);
void ks_metrics_get(const ks_metrics *m, size_t i, int *label /* OUT */,
                    double *prob /* OUT */);

/* Predicted spam when prob >= threshold. Fails with KS_ERR_DATA when no
 * message was added. AUC is NaN with one class only. */
ks_status ks_metrics_compute(const ks_metrics *m, double threshold,
                             ks_metrics_summary *out /* OUT */);

/* Writes, into an object being built: "accuracy", "confusion_matrix"
 * ([[TN,FP],[FN,TP]]), "classification_report" (sklearn output_dict
 * shape: "0", "1", "accuracy", "macro avg", "weighted avg"), "roc_auc",
 * "one_minus_auc_pct", "log_loss", "brier", "reliability" (10 bins of
 * width 0.1: {"bin": "[0.0,0.1)", "n", "mean_prob", "spam_fraction"}),
 * "threshold", "spam_recall_at_fpr" ({"0.001": r, "0.01": r}). */
void ks_metrics_write_json(const ks_metrics_summary *s, ks_json *j);

#endif
