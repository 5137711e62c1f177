/* skip.c - messages the extractor refused are bad records (see skip.h). */
#include <stdio.h>
#include "skip.h"

#define LOG_FIRST 10   /* warnings printed per pass; the rest are counted */

ks_status ks_app_extract(ks_extractor *ex, const ks_message *msg, ks_fvec *out,
                         ks_app_skips *sk, int *skipped)
{
    char why[512];
    ks_status st = ks_extract(ex, msg, out);
    *skipped = 0;
    if (st == KS_OK)
        return KS_OK;
    snprintf(why, sizeof why, "%s", ks_error_detail());
    if (st != KS_ERR_LIMIT)
        return ks_fail(st, "%s: message %s: %s", msg->file, msg->id, why);
    *skipped = 1;
    char what[700];
    snprintf(what, sizeof what, "message %s skipped: %s", msg->id, why);
    ks_app_skip_limit(sk, msg->label, msg->file, msg->line, what);
    return KS_OK;
}

void ks_app_skip_limit(ks_app_skips *sk, int label, const char *file, long line, const char *what)
{
    sk->mime_limit++;
    sk->per_class[label & 1]++;
    if (sk->logged++ < LOG_FIRST)
        ks_log(KS_LOG_WARN, "%s:%ld: %s (--max-mime-depth, --max-mime-parts)", file, line, what);
    else if (sk->logged == LOG_FIRST + 1)
        ks_log(KS_LOG_WARN, "more messages over the MIME limits: counted, not listed");
}

ks_status ks_app_check_skips(const ks_app_opts *o, const ks_dataset *ds, const ks_app_skips *sk)
{
    const ks_dataset_stats *s = ks_dataset_stats_get(ds);
    uint64_t total = s->messages + s->skipped_total;
    uint64_t bad = s->skipped_total + sk->mime_limit;
    uint64_t left[2] = {s->per_class[0] - sk->per_class[0], s->per_class[1] - sk->per_class[1]};

    if (!sk->mime_limit)
        return KS_OK;   /* ks_app_check_bad() has judged the rest */
    ks_log(KS_LOG_WARN, "%s: %llu messages over the MIME limits skipped", o->dataset,
           (unsigned long long)sk->mime_limit);
    if (!left[0] && !left[1])
        return ks_fail(KS_ERR_DATA, "%s: no usable record (%llu skipped, mime_limit %llu)",
                       o->dataset, (unsigned long long)bad, (unsigned long long)sk->mime_limit);
    if (total && (double)bad / (double)total > o->max_bad_fraction)
        return ks_fail(KS_ERR_DATA,
                       "%s: %llu of %llu records are unusable (%.1f%% > --max-bad-fraction %.1f%%; "
                       "mime_limit %llu)", o->dataset, (unsigned long long)bad,
                       (unsigned long long)total, 100.0 * (double)bad / (double)total,
                       100.0 * o->max_bad_fraction, (unsigned long long)sk->mime_limit);
    if (o->mode == KS_APP_TRAIN && (!left[0] || !left[1]))
        return ks_fail(KS_ERR_DATA, "%s: only %s messages left after skipping those over the "
                       "MIME limits; training needs both ham and spam",
                       o->dataset, left[0] ? "ham" : "spam");
    return KS_OK;
}

void ks_app_skips_json(ks_json *j, const ks_app_skips *sk)
{
    ks_json_key(j, "mime_limit");
    ks_json_uint(j, sk->mime_limit);
}
