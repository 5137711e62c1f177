/* dataset_check.c - open a dataset, make a counting pass, judge whether it
 * is usable, and say what was found. */
#include <stdio.h>
#include "app.h"
#include "progress.h"

ks_status ks_app_check_bad(const ks_app_opts *o, const ks_dataset *ds)
{
    const ks_dataset_stats *s = ks_dataset_stats_get(ds);
    uint64_t total = s->messages + s->skipped_total;
    char why[512];
    size_t n = 0;

    for (int r = 0; r < KS_SKIP_COUNT && n < sizeof why; r++)
        if (s->skipped[r])
            n += (size_t)snprintf(why + n, sizeof why - n, "%s%s %llu", n ? ", " : "",
                                  ks_skip_reason_name(r), (unsigned long long)s->skipped[r]);
    if (s->skipped_total)
        ks_log(KS_LOG_WARN, "%s: skipped %llu of %llu records (%s)", o->dataset,
               (unsigned long long)s->skipped_total, (unsigned long long)total, why);
    if (!s->messages)
        return ks_fail(KS_ERR_DATA, "%s: no usable record (%llu skipped%s%s%s)", o->dataset,
                       (unsigned long long)s->skipped_total, n ? ": " : "", why, "");
    if (total && (double)s->skipped_total / (double)total > o->max_bad_fraction)
        return ks_fail(KS_ERR_DATA,
                       "%s: %llu of %llu records are unusable (%.1f%% > --max-bad-fraction %.1f%%)",
                       o->dataset, (unsigned long long)s->skipped_total,
                       (unsigned long long)total, 100.0 * (double)s->skipped_total / (double)total,
                       100.0 * o->max_bad_fraction);
    return KS_OK;
}

ks_status ks_app_open_dataset(const ks_app_opts *o, ks_dataset **out)
{
    ks_dataset *ds;
    ks_message msg;
    ks_progress pr;
    ks_status st;
    const ks_dataset_stats *s;

    *out = NULL;
    if ((st = ks_dataset_open(&ds, o->dataset, &o->ds)) != KS_OK)
        return st;
    ks_progress_start(&pr, "reading", 0);
    ks_progress_set_bytes(&pr, ks_dataset_size(ds));
    while ((st = ks_dataset_next(ds, &msg)) == KS_OK)
        ks_progress_tick(&pr, ks_dataset_stats_get(ds)->messages, ks_dataset_stats_get(ds)->bytes);
    ks_progress_done(&pr);
    if (st == KS_DONE)
        st = ks_app_check_bad(o, ds);
    if (st != KS_OK) {
        ks_dataset_free(ds);
        return st;
    }
    s = ks_dataset_stats_get(ds);
    ks_log(KS_LOG_INFO, "read %s: format %s, %llu files, %.1f MB, %llu messages (ham %llu, spam %llu)",
           o->dataset, ks_format_name(s->format), (unsigned long long)s->files,
           (double)ks_dataset_size(ds) / 1e6, (unsigned long long)s->messages,
           (unsigned long long)s->per_class[0], (unsigned long long)s->per_class[1]);
    *out = ds;
    return KS_OK;
}
