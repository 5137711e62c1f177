/* plots.c - ROC, precision-recall and score histogram as plain SVG.
 *
 * The curves come from the same walk as metrics.c's ranking: pairs sorted
 * by score, highest first; each group of equal scores is one step, so a
 * tie is never split (the points are sklearn's roc_curve and
 * precision_recall_curve points with drop_intermediate=False). Average
 * precision is sklearn's: sum over steps of (R_k - R_k-1) * P_k.
 * Numbers print in the C locale (the programs never set LC_NUMERIC).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"
#include "plots.h"

#define THIN 0.001     /* keep a curve point that moves this much */
#define HIST_BINS 20   /* score histogram bins on [0, 1] */

static const char *const HAM_COLOR = "#2b6cb0", *const SPAM_COLOR = "#d9480f";

void ks_plot_printf(ks_plot_writer *w, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    int n;
    if (w->st != KS_OK)
        return;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof small) {   /* long text: format again */
        char *big = n < 0 ? NULL : ks_malloc((size_t)n + 1);
        if (!big) {
            w->st = ks_fail(KS_ERR_NOMEM, "out of memory writing a plot");
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        w->st = ks_buf_append(w->b, big, (size_t)n);
        ks_free(big);
        return;
    }
    w->st = ks_buf_append(w->b, small, (size_t)n);
}

void ks_plot_escape(ks_plot_writer *w, const char *s)
{
    for (; *s && w->st == KS_OK; s++) {
        switch (*s) {
        case '&': w->st = ks_buf_append(w->b, "&amp;", 5); break;
        case '<': w->st = ks_buf_append(w->b, "&lt;", 4); break;
        case '>': w->st = ks_buf_append(w->b, "&gt;", 4); break;
        case '"': w->st = ks_buf_append(w->b, "&quot;", 6); break;
        case '\'': w->st = ks_buf_append(w->b, "&#39;", 5); break;
        default: w->st = ks_buf_putc(w->b, (unsigned char)*s);
        }
    }
}

/* ---- curve points ---- */

typedef struct { double x, y; } point;

typedef struct {
    point *p;
    size_t n, cap;
} curve;

typedef struct { double p; int y; } pair;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const pair *)a)->p, y = ((const pair *)b)->p;
    return (x < y) - (x > y);
}

/* The pairs of m sorted by score, highest first; NULL when out of memory. */
static pair *sorted_pairs(const ks_metrics *m)
{
    size_t n = ks_metrics_count(m);
    pair *v = ks_malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ks_metrics_get(m, i, &v[i].y, &v[i].p);
    qsort(v, n, sizeof *v, by_score_desc);
    return v;
}

/* Appends (x, y) unless it is within THIN of the last point kept; `last`
 * forces it in. */
static ks_status curve_add(curve *c, double x, double y, int last)
{
    if (c->n && !last && fabs(x - c->p[c->n - 1].x) < THIN &&
        fabs(y - c->p[c->n - 1].y) < THIN)
        return KS_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        point *p = ks_realloc(c->p, cap * sizeof *p);
        if (!p)
            return ks_fail(KS_ERR_NOMEM, "out of memory for %zu curve points", cap);
        c->p = p;
        c->cap = cap;
    }
    c->p[c->n].x = x;
    c->p[c->n].y = y;
    c->n++;
    return KS_OK;
}

/* ROC (roc != 0: x FPR, y TPR) or PR (x recall, y precision) points from
 * the sorted pairs; *ap gets the average precision. */
static ks_status curve_build(const pair *v, size_t n, uint64_t npos, uint64_t nneg,
                             int roc, curve *c, double *ap)
{
    uint64_t tp = 0, fp = 0;
    double prev_recall = 0.0;
    ks_status st = roc ? curve_add(c, 0, 0, 1) : curve_add(c, 0, 1, 1);
    *ap = 0.0;
    for (size_t i = 0; i < n && st == KS_OK;) {
        size_t j = i;
        for (; j < n && v[j].p == v[i].p; j++)
            v[j].y ? tp++ : fp++;
        double recall = (double)tp / (double)npos;
        double precision = (double)tp / (double)(tp + fp);
        *ap += (recall - prev_recall) * precision;
        prev_recall = recall;
        st = roc ? curve_add(c, (double)fp / (double)nneg, recall, j == n)
                 : curve_add(c, recall, precision, j == n);
        i = j;
    }
    return st;
}

/* ---- drawing ---- */

typedef struct { double x, y, w, h; } frame;   /* plot area, px */

static double px(const frame *f, double v) { return f->x + v * f->w; }
static double py(const frame *f, double v) { return f->y + f->h - v * f->h; }

static void svg_open(ks_plot_writer *w, int width, int height, const char *title,
                     const char *attrs)
{
    ks_plot_printf(w,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
        "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
        "font-size=\"12\" %s>\n<title>", width, height, width, height, attrs);
    ks_plot_escape(w, title);
    ks_plot_printf(w, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
                   "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
                   "font-weight=\"bold\">", width, height, width / 2);
    ks_plot_escape(w, title);
    ks_plot_printf(w, "</text>\n");
}

/* Grid, tick labels every `step` of 0..1 on x (and on y when ylin),
 * the frame and the axis names. */
static void axes(ks_plot_writer *w, const frame *f, double step, int ylin,
                 const char *xname, const char *yname)
{
    int ticks = (int)lround(1.0 / step);
    ks_plot_printf(w, "<g class=\"grid\" stroke=\"#e2e2e2\" stroke-width=\"1\">\n");
    for (int i = 1; i < ticks; i++) {
        double v = i * step;
        ks_plot_printf(w, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
                       px(f, v), f->y, px(f, v), f->y + f->h);
        if (ylin)
            ks_plot_printf(w, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
                           f->x, py(f, v), f->x + f->w, py(f, v));
    }
    ks_plot_printf(w, "</g>\n<g class=\"ticks\" fill=\"#333333\">\n");
    for (int i = 0; i <= ticks; i++) {
        double v = i * step;
        ks_plot_printf(w, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%.1f</text>\n",
                       px(f, v), f->y + f->h + 16, v);
        if (ylin)
            ks_plot_printf(w, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%.1f</text>\n",
                           f->x - 6, py(f, v) + 4, v);
    }
    ks_plot_printf(w, "</g>\n<rect class=\"frame\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                   "height=\"%.2f\" fill=\"none\" stroke=\"#333333\"/>\n", f->x, f->y, f->w, f->h);
    ks_plot_printf(w, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n",
                   f->x + f->w / 2, f->y + f->h + 36, xname);
    ks_plot_printf(w, "<text transform=\"translate(%.2f %.2f) rotate(-90)\" "
                   "text-anchor=\"middle\">%s</text>\n", f->x - 40, f->y + f->h / 2, yname);
}

static void polyline(ks_plot_writer *w, const frame *f, const curve *c, const char *color)
{
    ks_plot_printf(w, "<polyline class=\"curve\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"2\" points=\"", color);
    for (size_t i = 0; i < c->n; i++)
        ks_plot_printf(w, "%s%.3f,%.3f", i ? " " : "", px(f, c->p[i].x), py(f, c->p[i].y));
    ks_plot_printf(w, "\"/>\n");
}

static void operating_point(ks_plot_writer *w, const frame *f, double x, double y,
                            const char *what)
{
    ks_plot_printf(w, "<circle class=\"operating-point\" cx=\"%.2f\" cy=\"%.2f\" r=\"5\" "
                   "fill=\"#ffffff\" stroke=\"#111111\" stroke-width=\"2\"><title>%s</title>"
                   "</circle>\n<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\">%s</text>\n",
                   px(f, x), py(f, y), what, f->x + 10, f->y + f->h - 10, what);
}

static void undefined(ks_plot_writer *w, const frame *f)
{
    ks_plot_printf(w, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">undefined: the "
                   "dataset holds one class only</text>\n", f->x + f->w / 2, f->y + f->h / 2);
}

/* Shared by the two curves: sort, build, draw. */
static ks_status draw_curve(const ks_metrics *m, const ks_metrics_summary *s, int roc,
                            ks_buf *out)
{
    ks_plot_writer w = {out, KS_OK};
    const frame f = {64, 40, 400, 400};
    uint64_t npos = s->tp + s->fn, nneg = s->tn + s->fp;
    curve c = {0};
    double ap = NAN;
    char title[160], attrs[96], op[160];
    pair *v = NULL;

    if (npos && nneg) {
        if (!(v = sorted_pairs(m)))
            return ks_fail(KS_ERR_NOMEM, "out of memory sorting %zu scores", ks_metrics_count(m));
        w.st = curve_build(v, ks_metrics_count(m), npos, nneg, roc, &c, &ap);
        ks_free(v);
    }
    if (roc) {
        snprintf(title, sizeof title, "ROC curve: AUC %.5f (%llu ham, %llu spam)", s->auc,
                 (unsigned long long)nneg, (unsigned long long)npos);
        snprintf(attrs, sizeof attrs, "data-auc=\"%.17g\"", s->auc);
    } else {
        snprintf(title, sizeof title, "Precision-recall (spam): average precision %.5f", ap);
        snprintf(attrs, sizeof attrs, "data-ap=\"%.17g\"", ap);
    }
    svg_open(&w, 480, 490, title, attrs);
    axes(&w, &f, 0.2, 1, roc ? "false positive rate (ham flagged as spam)" : "recall (spam caught)",
         roc ? "true positive rate (spam caught)" : "precision (flagged that is spam)");
    if (roc)
        ks_plot_printf(&w, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                       "stroke=\"#999999\" stroke-dasharray=\"4 4\"/>\n",
                       px(&f, 0), py(&f, 0), px(&f, 1), py(&f, 1));
    if (c.n) {
        double fpr = (double)s->fp / (double)nneg, tpr = (double)s->tp / (double)npos;
        double prec = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 1.0;
        polyline(&w, &f, &c, SPAM_COLOR);
        if (roc)
            snprintf(op, sizeof op, "threshold %.3f: FPR %.4f, TPR %.4f", s->threshold, fpr, tpr);
        else
            snprintf(op, sizeof op, "threshold %.3f: precision %.4f, recall %.4f", s->threshold,
                     prec, tpr);
        operating_point(&w, &f, roc ? fpr : tpr, roc ? tpr : prec, op);
    } else {
        undefined(&w, &f);
    }
    ks_plot_printf(&w, "</svg>\n");
    ks_free(c.p);
    return w.st;
}

ks_status ks_plot_roc(const ks_metrics *m, const ks_metrics_summary *s, ks_buf *out)
{
    return draw_curve(m, s, 1, out);
}

ks_status ks_plot_pr(const ks_metrics *m, const ks_metrics_summary *s, ks_buf *out)
{
    return draw_curve(m, s, 0, out);
}

/* ---- score histogram ---- */

static void count_bins(const ks_metrics *m, uint64_t bins[2][HIST_BINS], uint64_t *max)
{
    memset(bins, 0, 2 * HIST_BINS * sizeof bins[0][0]);
    *max = 1;
    for (size_t i = 0; i < ks_metrics_count(m); i++) {
        int y;
        double p;
        ks_metrics_get(m, i, &y, &p);
        int b = (int)(p * HIST_BINS);
        b = b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
        if (++bins[y][b] > *max)
            *max = bins[y][b];
    }
}

/* Log scale: a count of 1 still shows (the axis starts at 0.5). */
static double bar_h(uint64_t count, double decades, double h)
{
    return count ? (log10((double)count) - log10(0.5)) / (decades - log10(0.5)) * h : 0.0;
}

static void log_axis(ks_plot_writer *w, const frame *f, int decades)
{
    ks_plot_printf(w, "<g class=\"yticks\" fill=\"#333333\">\n");
    for (int k = 0; k <= decades; k++) {
        double y = f->y + f->h - bar_h((uint64_t)llround(pow(10, k)), decades, f->h);
        ks_plot_printf(w, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e2e2e2\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%.0f</text>\n",
                       f->x, y, f->x + f->w, y, f->x - 6, y + 4, pow(10, k));
    }
    ks_plot_printf(w, "</g>\n");
}

static void bars(ks_plot_writer *w, const frame *f, uint64_t bins[2][HIST_BINS], int decades)
{
    static const char *const cls[2] = {"ham", "spam"};
    double bw = f->w / HIST_BINS;
    for (int b = 0; b < HIST_BINS; b++)
        for (int y = 0; y < 2; y++) {
            double h = bar_h(bins[y][b], decades, f->h);
            ks_plot_printf(w, "<rect class=\"bar %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                           "height=\"%.2f\" fill=\"%s\"><title>%s, score %.2f-%.2f: %llu "
                           "messages</title></rect>\n", cls[y], f->x + b * bw + 1 + y * (bw - 2) / 2,
                           f->y + f->h - h, (bw - 2) / 2, h, y ? SPAM_COLOR : HAM_COLOR, cls[y],
                           (double)b / HIST_BINS, (double)(b + 1) / HIST_BINS,
                           (unsigned long long)bins[y][b]);
        }
}

static void legend(ks_plot_writer *w, const frame *f, const ks_metrics_summary *s)
{
    uint64_t n[2] = {s->tn + s->fp, s->tp + s->fn};
    for (int y = 0; y < 2; y++)
        ks_plot_printf(w, "<rect x=\"%.2f\" y=\"%.2f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\">%s (%llu)</text>\n", f->x + f->w - 110,
                       f->y + 8 + 18 * y, y ? SPAM_COLOR : HAM_COLOR, f->x + f->w - 92,
                       f->y + 18 + 18 * y, y ? "spam" : "ham", (unsigned long long)n[y]);
}

ks_status ks_plot_scores(const ks_metrics *m, const ks_metrics_summary *s, ks_buf *out)
{
    ks_plot_writer w = {out, KS_OK};
    const frame f = {64, 40, 560, 300};
    uint64_t bins[2][HIST_BINS], max;
    int decades;
    char attrs[64];

    count_bins(m, bins, &max);
    decades = (int)ceil(log10((double)max));
    decades = decades < 1 ? 1 : decades;
    snprintf(attrs, sizeof attrs, "data-bins=\"%d\"", HIST_BINS);
    svg_open(&w, 640, 390, "Scores by class (messages per bin, log scale)", attrs);
    axes(&w, &f, 0.1, 0, "score (probability of spam)", "messages");
    log_axis(&w, &f, decades);
    bars(&w, &f, bins, decades);
    ks_plot_printf(&w, "<line class=\"threshold\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                   "stroke=\"#111111\" stroke-dasharray=\"5 3\"/><text x=\"%.2f\" y=\"%.2f\" "
                   "font-size=\"11\">threshold %.3f</text>\n", px(&f, s->threshold), f.y,
                   px(&f, s->threshold), f.y + f.h, px(&f, s->threshold) + 4, f.y + 12, s->threshold);
    legend(&w, &f, s);
    ks_plot_printf(&w, "</svg>\n");
    return w.st;
}
