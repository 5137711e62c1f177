/* skip.h - messages the dataset handed out but the feature extractor
 * refused (over --max-mime-depth or --max-mime-parts): bad records like
 * the ones the dataset itself skips, so they are skipped, counted, logged
 * and reported by reason, and count against --max-bad-fraction.
 *
 * Use in a loop over one pass (train.c, validate.c):
 *     ks_app_skips sk = {0};
 *     while (ks_dataset_next(ds, &msg) == KS_OK) {
 *         int skipped;
 *         if ((st = ks_app_extract(ex, &msg, &x, &sk, &skipped)) != KS_OK)
 *             return st;            (memory: fatal, detail names the message)
 *         if (skipped)
 *             continue;             (not learned, not scored)
 *         ...
 *     }
 *     if ((st = ks_app_check_skips(o, ds, &sk)) != KS_OK)   (after the pass)
 *         return st;
 * and in metrics.json, inside "skipped_by_reason": ks_app_skips_json().
 */
#ifndef KS_APP_SKIP_H
#define KS_APP_SKIP_H

#include <stdint.h>
#include "app.h"
#include "ks/json.h"

typedef struct {
    uint64_t mime_limit;   /* messages over the MIME depth or part limit */
    uint64_t per_class[2]; /* of those, by label */
    uint64_t logged;       /* warnings printed (the first 10 are, the rest
                              only counted) */
} ks_app_skips;

/* Extracts msg's features into out. KS_ERR_LIMIT from the decoder makes the
 * message a bad record: *skipped = 1, counted in sk, logged as a warning
 * naming the file, line, message id and the limit; returns KS_OK. Any other
 * failure is returned, its detail prefixed with the file and message id. */
ks_status ks_app_extract(ks_extractor *ex, const ks_message *msg, ks_fvec *out /* OUT */,
                         ks_app_skips *sk, int *skipped /* OUT */);

/* Counts and logs (the first few) one message the extractor refused for a
 * MIME limit: "file:line: what". For loops that extract elsewhere
 * (app/prefetch.h). */
void ks_app_skip_limit(ks_app_skips *sk, int label, const char *file, long line,
                       const char *what);

/* After a full pass: adds sk to the dataset's own skips and applies the
 * same rules as ks_app_check_bad(): KS_ERR_DATA when no usable record is
 * left or the bad fraction exceeds --max-bad-fraction; for spam-train also
 * when only one class is left. */
ks_status ks_app_check_skips(const ks_app_opts *o, const ks_dataset *ds,
                             const ks_app_skips *sk);

/* Writes "mime_limit": n as one more member of the open object (the
 * "skipped_by_reason" object of metrics.json). */
void ks_app_skips_json(ks_json *j, const ks_app_skips *sk);

#endif
