/* metrics_test.c - metrics against numbers from scikit-learn 1.2.1.
 *
 * Every expected value below was computed with sklearn (Debian 12's
 * python3-sklearn) and pasted here; the Python line is next to each set.
 * The classification report is asserted bit for bit (metrics.c computes it
 * in sklearn's order); AUC and log loss to 1e-15 (summation order differs).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/metrics.h"

/* y = [0,0,0,0,0,0,0,1,1,1], scores with ties at 0.2 and 0.5 */
static const int Y[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
static const double P[] = {0.1, 0.2, 0.3, 0.6, 0.4, 0.5, 0.05, 0.7, 0.5, 0.2};

static ks_metrics *make(const int *y, const double *p, size_t n)
{
    ks_metrics *m;
    cr_assert_eq(ks_metrics_new(&m), KS_OK);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(ks_metrics_add(m, y[i], p[i]), KS_OK);
    return m;
}

Test(metrics, small_case_matches_sklearn)
{
    ks_metrics *m = make(Y, P, 10);
    ks_metrics_summary s;
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    /* confusion_matrix(y, p >= 0.5) == [[5, 2], [1, 2]] */
    cr_assert_eq(s.tn, 5);
    cr_assert_eq(s.fp, 2);
    cr_assert_eq(s.fn, 1);
    cr_assert_eq(s.tp, 2);
    cr_assert_eq(s.n, 10);
    cr_assert_eq(s.accuracy, 0.7);
    /* classification_report(y, pred, output_dict=True, zero_division=0) */
    cr_assert_eq(s.cls[0].precision, 0.8333333333333334);
    cr_assert_eq(s.cls[0].recall, 0.7142857142857143);
    cr_assert_eq(s.cls[0].f1, 0.7692307692307692);
    cr_assert_eq(s.cls[0].support, 7);
    cr_assert_eq(s.cls[1].precision, 0.5);
    cr_assert_eq(s.cls[1].recall, 0.6666666666666666);
    cr_assert_eq(s.cls[1].f1, 0.5714285714285715);
    cr_assert_eq(s.cls[1].support, 3);
    cr_assert_eq(s.macro.precision, 0.6666666666666667);
    cr_assert_eq(s.macro.recall, 0.6904761904761905);
    cr_assert_eq(s.macro.f1, 0.6703296703296704);
    cr_assert_eq(s.macro.support, 10);
    cr_assert_eq(s.weighted.precision, 0.7333333333333334);
    cr_assert_eq(s.weighted.recall, 0.7);
    cr_assert_eq(s.weighted.f1, 0.7098901098901098);
    cr_assert_eq(s.weighted.support, 10);
    /* roc_auc_score = 0.7142857142857143 (15 of 21 pairs by hand: 7 + 5.5
     * + 2.5); log_loss(y, p, eps=1e-15) = 0.5515995878431188 */
    cr_assert_float_eq(s.auc, 0.7142857142857143, 1e-15);
    cr_assert_float_eq(s.one_minus_auc_pct, (1 - 0.7142857142857143) * 100,
                       1e-12);
    cr_assert_float_eq(s.log_loss, 0.5515995878431188, 1e-15);
    cr_assert_eq(s.threshold, 0.5);
    ks_metrics_free(m);
}

Test(metrics, recall_at_fpr_with_ties)
{
    /* 1000 ham at k/2000; spam [0.9, 0.4995, 0.499, 0.4985, 0.3, 0.0].
     * The spam at 0.4995 ties the top ham: flagging it costs 1 ham (FPR
     * exactly 0.001, allowed), the next costs 2. sklearn: max(tpr[fpr <=
     * t]) over roc_curve(drop_intermediate=False) = 1/3 at 0.001 and 2/3 at
     * 0.01; roc_auc_score = 0.7660833333333333. */
    ks_metrics *m;
    ks_metrics_summary s;
    static const double spam[] = {0.9, 0.4995, 0.4990, 0.4985, 0.3, 0.0};
    cr_assert_eq(ks_metrics_new(&m), KS_OK);
    for (int k = 0; k < 1000; k++)
        cr_assert_eq(ks_metrics_add(m, 0, k / 2000.0), KS_OK);
    for (int k = 0; k < 6; k++)
        cr_assert_eq(ks_metrics_add(m, 1, spam[k]), KS_OK);
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    cr_assert_eq(s.recall_at_fpr_001, 1.0 / 3);
    cr_assert_eq(s.recall_at_fpr_01, 2.0 / 3);
    cr_assert_float_eq(s.auc, 0.7660833333333333, 1e-15);
    ks_metrics_free(m);
}

Test(metrics, perfect_and_inverted_ranking)
{
    static const int y[] = {0, 0, 1, 1};
    static const double good[] = {0.1, 0.2, 0.8, 0.9}, bad[] = {0.9, 0.8, 0.2, 0.1};
    ks_metrics *m = make(y, good, 4);
    ks_metrics_summary s;
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    cr_assert_eq(s.auc, 1.0);
    cr_assert_eq(s.one_minus_auc_pct, 0.0);
    cr_assert_eq(s.recall_at_fpr_001, 1.0);
    ks_metrics_free(m);
    m = make(y, bad, 4);
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    cr_assert_eq(s.auc, 0.0);
    cr_assert_eq(s.recall_at_fpr_01, 0.0);
    cr_assert_eq(s.accuracy, 0.0);
    ks_metrics_free(m);
}

Test(metrics, one_class_gives_nan_auc_and_zero_division)
{
    /* sklearn, labels=[0, 1], zero_division=0: class "1" all zeros,
     * support 0; macro avg = half of class "0" */
    static const int y[] = {0, 0, 0};
    static const double p[] = {0.1, 0.7, 0.2};
    ks_metrics *m = make(y, p, 3);
    ks_metrics_summary s;
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    cr_assert(isnan(s.auc));
    cr_assert(isnan(s.one_minus_auc_pct));
    cr_assert(isnan(s.recall_at_fpr_001));
    cr_assert_eq(s.cls[1].precision, 0.0);
    cr_assert_eq(s.cls[1].recall, 0.0);
    cr_assert_eq(s.cls[1].f1, 0.0);
    cr_assert_eq(s.cls[1].support, 0);
    cr_assert_eq(s.cls[0].precision, 1.0);
    cr_assert_eq(s.cls[0].recall, 2.0 / 3);
    cr_assert_eq(s.cls[0].f1, 0.8);
    cr_assert_eq(s.macro.f1, 0.4);
    ks_metrics_free(m);
}

Test(metrics, log_loss_clips_certain_mistakes)
{
    /* sklearn: log_loss([1, 0], [0.0, 1.0], eps=1e-15) = 34.53917619362578
     * (the mean of -ln(1e-15) and -ln(1 - (1 - 1e-15)), the latter rounded) */
    static const int y[] = {1, 0};
    static const double p[] = {0.0, 1.0};
    ks_metrics *m = make(y, p, 2);
    ks_metrics_summary s;
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    cr_assert_float_eq(s.log_loss, 34.53917619362578, 1e-12);
    ks_metrics_free(m);
}

Test(metrics, rejects_bad_input_and_empty_set)
{
    ks_metrics *m;
    ks_metrics_summary s;
    cr_assert_eq(ks_metrics_new(&m), KS_OK);
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_ERR_DATA);
    cr_assert_eq(ks_metrics_add(m, 2, 0.5), KS_ERR_USAGE);
    cr_assert_eq(ks_metrics_add(m, 1, NAN), KS_ERR_USAGE);
    cr_assert_eq(ks_metrics_add(m, 1, 1.5), KS_ERR_USAGE);
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_ERR_DATA);
    ks_metrics_free(m);
    ks_metrics_free(NULL);
}

Test(metrics, grows_past_initial_capacity)
{
    ks_metrics *m;
    ks_metrics_summary s;
    cr_assert_eq(ks_metrics_new(&m), KS_OK);
    for (int i = 0; i < 5000; i++)
        cr_assert_eq(ks_metrics_add(m, i % 2, (i % 2) ? 0.75 : 0.25), KS_OK);
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    cr_assert_eq(s.n, 5000);
    cr_assert_eq(s.tp, 2500);
    cr_assert_eq(s.tn, 2500);
    cr_assert_eq(s.auc, 1.0);
    ks_metrics_free(m);
}

Test(metrics, json_has_sklearn_report_shape)
{
    ks_metrics *m = make(Y, P, 10);
    ks_metrics_summary s;
    ks_buf b = {0};
    ks_json j;
    cr_assert_eq(ks_metrics_compute(m, 0.5, &s), KS_OK);
    ks_json_init(&j, &b);
    ks_json_begin_object(&j);
    ks_metrics_write_json(&s, &j);
    ks_json_end(&j);
    cr_assert_eq(ks_json_status(&j), KS_OK);
    cr_assert_str_eq(b.data,
        "{\"accuracy\":0.7,\"confusion_matrix\":[[5,2],[1,2]],"
        "\"classification_report\":{"
        "\"0\":{\"precision\":0.8333333333333334,\"recall\":0.7142857142857143,"
        "\"f1-score\":0.7692307692307692,\"support\":7},"
        "\"1\":{\"precision\":0.5,\"recall\":0.6666666666666666,"
        "\"f1-score\":0.5714285714285715,\"support\":3},"
        "\"accuracy\":0.7,"
        "\"macro avg\":{\"precision\":0.6666666666666667,\"recall\":0.6904761904761905,"
        "\"f1-score\":0.6703296703296704,\"support\":10},"
        "\"weighted avg\":{\"precision\":0.7333333333333334,\"recall\":0.7,"
        "\"f1-score\":0.7098901098901098,\"support\":10}},"
        "\"roc_auc\":0.7142857142857143,\"one_minus_auc_pct\":28.57142857142857,"
        "\"log_loss\":0.5515995878431188,\"brier\":0.18925,"
        /* bins by p: 0.05 | 0.1 | 0.2 ham, 0.2 spam | 0.3 | 0.4 | 0.5 ham,
         * 0.5 spam | 0.6 | 0.7 spam | none | none */
        "\"reliability\":["
        "{\"bin\":\"[0.0,0.1)\",\"n\":1,\"mean_prob\":0.05,\"spam_fraction\":0},"
        "{\"bin\":\"[0.1,0.2)\",\"n\":1,\"mean_prob\":0.1,\"spam_fraction\":0},"
        "{\"bin\":\"[0.2,0.3)\",\"n\":2,\"mean_prob\":0.2,\"spam_fraction\":0.5},"
        "{\"bin\":\"[0.3,0.4)\",\"n\":1,\"mean_prob\":0.3,\"spam_fraction\":0},"
        "{\"bin\":\"[0.4,0.5)\",\"n\":1,\"mean_prob\":0.4,\"spam_fraction\":0},"
        "{\"bin\":\"[0.5,0.6)\",\"n\":2,\"mean_prob\":0.5,\"spam_fraction\":0.5},"
        "{\"bin\":\"[0.6,0.7)\",\"n\":1,\"mean_prob\":0.6,\"spam_fraction\":0},"
        "{\"bin\":\"[0.7,0.8)\",\"n\":1,\"mean_prob\":0.7,\"spam_fraction\":1},"
        "{\"bin\":\"[0.8,0.9)\",\"n\":0,\"mean_prob\":null,\"spam_fraction\":null},"
        "{\"bin\":\"[0.9,1.0]\",\"n\":0,\"mean_prob\":null,\"spam_fraction\":null}],"
        "\"threshold\":0.5,"
        "\"spam_recall_at_fpr\":{\"0.001\":0.3333333333333333,\"0.01\":0.3333333333333333}}");
    ks_buf_free(&b);
    ks_metrics_free(m);
}

Test(metrics, allocation_failures_are_reported)
{
    for (unsigned long n = 1;; n++) {
        ks_metrics *m = NULL;
        ks_metrics_summary s;
        ks_status st;
        ks_alloc_fail_at(n, 0);
        st = ks_metrics_new(&m);
        for (int i = 0; st == KS_OK && i < 3000; i++)
            st = ks_metrics_add(m, i % 2, (i % 7) / 7.0);
        if (st == KS_OK)
            st = ks_metrics_compute(m, 0.5, &s);
        ks_alloc_fail_at(0, 0);
        ks_metrics_free(m);
        if (st == KS_OK)
            break;
        cr_assert_eq(st, KS_ERR_NOMEM, "allocation %lu", n);
        cr_assert_lt(n, 100);
    }
}
