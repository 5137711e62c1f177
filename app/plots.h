/* plots.h - pictures of a validation as plain SVG 1.1, written by our own
 * code (the images carry no plotting stack): the ROC curve, the
 * precision-recall curve and a histogram of scores per class.
 *
 * Each picture carries its numbers so a test (or a person) can check it:
 *  - the curve is one <polyline class="curve"> inside the plot area, which
 *    is the <rect class="frame"> (x, y, width, height in px; x grows right,
 *    y grows down, the data's 0..1 maps onto the frame);
 *  - the headline number (ROC AUC, average precision) is in the title text
 *    and in a data-* attribute of the root (data-auc, data-ap);
 *  - the operating point at the decision threshold is a <circle
 *    class="operating-point"> whose <title> gives threshold, FPR, TPR or
 *    precision and recall;
 *  - each histogram bar is a <rect class="bar ham|spam"> whose <title> says
 *    "ham, score 0.25-0.30: 12 messages"; the counts of a class sum to its
 *    number of messages.
 * Curves are thinned: a point is kept when it moves at least 1/1000 of an
 * axis from the last one kept (the first and last are always kept), so a
 * picture stays under ~100 KB whatever the dataset's size.
 *
 * Output goes into a caller-owned ks_buf (appended). KS_ERR_NOMEM is the
 * only failure; on failure the buffer holds a partial picture.
 */
#ifndef KS_PLOTS_H
#define KS_PLOTS_H

#include "ks/buf.h"
#include "ks/metrics.h"

/* ROC curve: FPR (ham flagged) on x, TPR (spam caught) on y, with the
 * chance diagonal. With one class only the frame says it is undefined. */
ks_status ks_plot_roc(const ks_metrics *m, const ks_metrics_summary *s,
                      ks_buf *out);

/* Precision-recall curve for the spam class: recall on x, precision on y;
 * average precision (sklearn's average_precision_score) in the title. */
ks_status ks_plot_pr(const ks_metrics *m, const ks_metrics_summary *s,
                     ks_buf *out);

/* Histogram of scores by class, 20 bins of width 0.05 on [0, 1] (a score
 * of exactly 1 goes into the last bin), log-scaled counts, with the
 * threshold marked. */
ks_status ks_plot_scores(const ks_metrics *m, const ks_metrics_summary *s,
                         ks_buf *out);

/* Writing text with a sticky error, shared with report.c. */
typedef struct {
    ks_buf *b;       /* where text goes (appended) */
    ks_status st;    /* first failure; later calls then do nothing */
} ks_plot_writer;

void ks_plot_printf(ks_plot_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s with &, <, >, " and ' escaped for XML and HTML text and attributes. */
void ks_plot_escape(ks_plot_writer *w, const char *s);

#endif
