/* progress.h - a log line every few seconds while a loop runs (the run's
 * log in Knitfab has no terminal, so no progress bar). */
#ifndef KS_PROGRESS_H
#define KS_PROGRESS_H

#include <stdint.h>

typedef struct {
    const char *what;    /* "pass 2/5", "scoring" */
    double start;        /* monotonic seconds */
    double next;         /* when the next line is due */
    uint64_t total;      /* messages expected, 0 if unknown */
} ks_progress;

double ks_now(void);
void ks_progress_start(ks_progress *p, const char *what, uint64_t total);
void ks_progress_tick(ks_progress *p, uint64_t done, uint64_t bytes);

#endif
