/* progress.c - progress bar on a terminal, periodic log lines elsewhere
 * (progress.h). Writes the bar to stderr itself: this is the programs'
 * layer, not the library (which only logs through the hook). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "ks/status.h"
#include "progress.h"

enum { MODE_OFF, MODE_LOG, MODE_BAR };

static int mode = MODE_LOG;
static double every = 5.0;     /* seconds between log lines */
static int bar_shown;          /* a bar is on the terminal line */

#define BAR_EVERY 0.1          /* seconds between redraws */
#define BAR_CELLS 24

double ks_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void ks_progress_mode(int verbosity)
{
    const char *m = getenv("KS_PROGRESS"), *e = getenv("KS_PROGRESS_EVERY");
    mode = verbosity < 1 ? MODE_OFF : isatty(STDERR_FILENO) ? MODE_BAR : MODE_LOG;
    if (m && !strcmp(m, "bar")) mode = MODE_BAR;
    else if (m && !strcmp(m, "log")) mode = MODE_LOG;
    else if (m && !strcmp(m, "off")) mode = MODE_OFF;
    if (e && *e) {
        char *end;
        double v = strtod(e, &end);
        if (!*end && v >= 0 && v <= 86400)
            every = v;
    }
}

/* Bar redraws: 10 a second, or as often as KS_PROGRESS_EVERY asks. */
static double bar_every(void)
{
    return every < BAR_EVERY ? every : BAR_EVERY;
}

void ks_progress_start(ks_progress *p, const char *what, uint64_t total)
{
    p->what = what;
    p->start = ks_now();
    p->next = p->start + (mode == MODE_BAR ? bar_every() : every);
    p->total = total;
    p->total_bytes = 0;
}

void ks_progress_set_bytes(ks_progress *p, uint64_t total_bytes)
{
    p->total_bytes = total_bytes;
}

/* Fraction done (0..1), or -1 when no total is known. */
static double fraction(const ks_progress *p, uint64_t done, uint64_t bytes)
{
    double f = p->total ? (double)done / (double)p->total
             : p->total_bytes ? (double)bytes / (double)p->total_bytes : -1.0;
    return f > 1.0 ? 1.0 : f;
}

/* "12 s" or "3:05" or "1:02:03". */
static void duration(char *out, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t < 60) snprintf(out, n, "%ld s", t);
    else if (t < 3600) snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
    else snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void log_line(const ks_progress *p, uint64_t done, uint64_t bytes, double el)
{
    double rate = el > 0 ? (double)done / el : 0, f = fraction(p, done, bytes);
    char left[32] = "0 s", of[32] = "";
    if (f > 0 && f < 1)
        duration(left, sizeof left, el / f - el);
    if (p->total)
        snprintf(of, sizeof of, "/%llu", (unsigned long long)p->total);
    if (f >= 0)
        ks_log(KS_LOG_INFO, "%s: %llu%s messages, %.1f MB, %.0f%%, %.0f msg/s, %s left",
               p->what, (unsigned long long)done, of, (double)bytes / 1e6, 100 * f, rate, left);
    else
        ks_log(KS_LOG_INFO, "%s: %llu messages, %.1f MB, %.0f msg/s", p->what,
               (unsigned long long)done, (double)bytes / 1e6, rate);
}

static int columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

static void draw_bar(const ks_progress *p, uint64_t done, uint64_t bytes, double el)
{
    char line[512], cells[BAR_CELLS + 1], left[32] = "";
    double rate = el > 0 ? (double)done / el : 0, f = fraction(p, done, bytes);
    int n = 0, cols = columns();
    if (f >= 0) {
        int full = (int)(f * BAR_CELLS);
        memset(cells, '#', (size_t)full);
        memset(cells + full, '.', (size_t)(BAR_CELLS - full));
        cells[BAR_CELLS] = '\0';
        if (f > 0 && f < 1)
            duration(left, sizeof left, el / f - el);
        n = snprintf(line, sizeof line, "%s [%s] %3.0f%% ", p->what, cells, 100 * f);
    } else {
        n = snprintf(line, sizeof line, "%s ", p->what);
    }
    snprintf(line + n, sizeof line - (size_t)n, "%llu msgs  %.1f MB  %.0f msg/s%s%s",
             (unsigned long long)done, (double)bytes / 1e6, rate, *left ? "  " : "",
             *left ? left : "");
    if (*left)
        strncat(line, " left", sizeof line - strlen(line) - 1);
    if ((int)strlen(line) >= cols)
        line[cols - 1] = '\0';
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    bar_shown = 1;
}

void ks_progress_tick(ks_progress *p, uint64_t done, uint64_t bytes)
{
    double now;
    if (mode == MODE_OFF || (done & 7) != 0)
        return;
    now = ks_now();
    if (now < p->next)
        return;
    if (mode == MODE_BAR) {
        p->next = now + bar_every();
        draw_bar(p, done, bytes, now - p->start);
    } else {
        p->next = now + every;
        log_line(p, done, bytes, now - p->start);
    }
}

void ks_progress_clear(void)
{
    if (!bar_shown)
        return;
    fputs("\r\033[K", stderr);
    bar_shown = 0;
}

void ks_progress_done(ks_progress *p)
{
    (void)p;
    ks_progress_clear();
}
