/* progress.c - periodic progress lines. */
#include <time.h>
#include "ks/status.h"
#include "progress.h"

#define PROGRESS_EVERY 5.0   /* seconds between lines */

double ks_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void ks_progress_start(ks_progress *p, const char *what, uint64_t total)
{
    p->what = what;
    p->start = ks_now();
    p->next = p->start + PROGRESS_EVERY;
    p->total = total;
}

void ks_progress_tick(ks_progress *p, uint64_t done, uint64_t bytes)
{
    double now;
    if ((done & 63) != 0)
        return;
    now = ks_now();
    if (now < p->next)
        return;
    p->next = now + PROGRESS_EVERY;
    double el = now - p->start, rate = el > 0 ? (double)done / el : 0;
    if (p->total && rate > 0)
        ks_log(KS_LOG_INFO, "%s: %llu/%llu messages, %.1f MB, %.0f msg/s, %.0f s left", p->what,
               (unsigned long long)done, (unsigned long long)p->total, (double)bytes / 1e6, rate,
               (double)(p->total - (done < p->total ? done : p->total)) / rate);
    else
        ks_log(KS_LOG_INFO, "%s: %llu messages, %.1f MB, %.0f msg/s", p->what,
               (unsigned long long)done, (double)bytes / 1e6, rate);
}
