/* progress.h - how a long loop shows progress on stderr.
 *
 * Three ways, chosen once per process by ks_progress_mode():
 *   bar   stderr is a terminal: one line redrawn in place at most 10 times
 *         a second (what, a bar and percent when the total is known,
 *         messages, MB, rate, time left);
 *   log   stderr is not a terminal (a Knitfab run's log, a pipe, a file):
 *         a log line every KS_PROGRESS_EVERY seconds (default 5);
 *   off   --quiet.
 * The environment variable KS_PROGRESS=bar|log|off overrides the choice.
 * The bar is erased by ks_progress_done() and before any log line (the
 * stderr log hook calls ks_progress_clear()), so lines never mix with it.
 */
#ifndef KS_PROGRESS_H
#define KS_PROGRESS_H

#include <stdint.h>

typedef struct {
    const char *what;       /* "pass 2/5", "scoring"; must outlive the loop */
    double start;           /* monotonic seconds */
    double next;            /* when the next line or redraw is due */
    uint64_t total;         /* messages expected, 0 if unknown */
    uint64_t total_bytes;   /* input bytes expected, 0 if unknown */
} ks_progress;

double ks_now(void);

/* verbosity 0 (quiet) turns progress off; otherwise bar on a terminal,
 * log lines elsewhere; KS_PROGRESS and KS_PROGRESS_EVERY are read here
 * (a KS_PROGRESS_EVERY under 0.1 s also speeds up bar redraws). */
void ks_progress_mode(int verbosity);

void ks_progress_start(ks_progress *p, const char *what, uint64_t total);
/* The input size, for percent and time left when the message count is
 * not known in advance (ks_dataset_size()). */
void ks_progress_set_bytes(ks_progress *p, uint64_t total_bytes);
/* done messages and bytes read so far; cheap enough to call per message. */
void ks_progress_tick(ks_progress *p, uint64_t done, uint64_t bytes);
/* Erases the bar of p's loop (nothing in log mode). */
void ks_progress_done(ks_progress *p);
/* Erases whatever bar is on screen; the log hook calls it before a line. */
void ks_progress_clear(void);

#endif
