/* report.h - the pictures and the one-page report spam-validate writes
 * beside metrics.json.
 *
 * Files (each written atomically, fileio.h):
 *   roc.svg, pr.svg, scores.svg   plots.h;
 *   report.html                   one self-contained page: the metrics,
 *                                 the confusion matrix, the classification
 *                                 report, the three plots inline, what was
 *                                 read and the model's training history.
 *                                 Inline CSS, no script, no external link,
 *                                 so it opens from a Knitfab download or
 *                                 an e-mail attachment as it is.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include "ks/dataset.h"
#include "ks/metrics.h"
#include "ks/model.h"

/* The names written, for log lines. */
#define KS_REPORT_FILES "roc.svg, pr.svg, scores.svg and report.html"

/* Writes the four files into dir (which must exist). dataset and model are
 * the paths as given (shown in the page); ds supplies the format, counts
 * and skips; m the checksums and history. Nothing here is kept.
 * KS_ERR_NOMEM, or KS_ERR_WRITE naming the file. */
ks_status ks_report_write(const char *dir, const ks_metrics *met,
                          const ks_metrics_summary *s, const char *dataset,
                          const ks_dataset *ds, const char *model,
                          const ks_model *m);

/* The page alone, appended to out (svg[0..2]: ROC, PR, scores, as written
 * by plots.h, inlined as they are). For tests and for ks_report_write. */
ks_status ks_report_html(ks_buf *out, const ks_metrics_summary *s,
                         const char *dataset, const ks_dataset *ds,
                         const char *model, const ks_model *m,
                         const char *const svg[3]);

#endif
