/* report.c - report.html and the SVG files beside metrics.json.
 *
 * The page is static HTML with inline CSS and the SVG pictures inlined, so
 * one file carries everything; every string that comes from outside
 * (paths, dataset names in the model history) is escaped.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "plots.h"
#include "report.h"

static const char *const CSS =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1120px;"
    "color:#1a1a1a;background:#fff}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:4px}"
    ".sub{color:#555;font-size:13px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}"
    ".card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}"
    ".card b{display:block;font-size:22px}.card span{color:#555;font-size:12px}"
    "table{border-collapse:collapse;font-size:13px}"
    "td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}"
    "th{background:#f4f4f4}td.l,th.l{text-align:left}"
    ".plots{display:flex;flex-wrap:wrap;gap:16px}"
    ".plots svg{border:1px solid #eee;max-width:100%;height:auto}";

static void num(ks_plot_writer *w, const char *fmt, double v)
{
    if (isnan(v))
        ks_plot_printf(w, "n/a");
    else
        ks_plot_printf(w, fmt, v);
}

static void card(ks_plot_writer *w, const char *what, const char *fmt, double v)
{
    ks_plot_printf(w, "<div class=\"card\"><b>");
    num(w, fmt, v);
    ks_plot_printf(w, "</b><span>%s</span></div>\n", what);
}

static void header(ks_plot_writer *w, const char *dataset, const char *model, const ks_model *m)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    ks_plot_printf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<title>Spam classifier validation report</title>\n<style>%s</style>\n"
                   "</head>\n<body>\n<h1>Spam classifier validation report</h1>\n"
                   "<p class=\"sub\">%s &middot; model <code>", CSS, when);
    ks_plot_escape(w, model);
    ks_plot_printf(w, "</code> (checksum %08x) &middot; dataset <code>", ks_model_checksum(m));
    ks_plot_escape(w, dataset);
    ks_plot_printf(w, "</code> &middot; knitspam %s</p>\n", KS_VERSION);
}

static void cards(ks_plot_writer *w, const ks_metrics_summary *s)
{
    ks_plot_printf(w, "<div class=\"cards\">\n");
    card(w, "accuracy", "%.4f", s->accuracy);
    card(w, "ROC AUC", "%.5f", s->auc);
    card(w, "(1 - AUC) %", "%.3f", s->one_minus_auc_pct);
    card(w, "log loss", "%.4f", s->log_loss);
    card(w, "spam recall at 0.1 % FPR", "%.4f", s->recall_at_fpr_001);
    card(w, "spam recall at 1 % FPR", "%.4f", s->recall_at_fpr_01);
    card(w, "threshold", "%.3f", s->threshold);
    card(w, "messages scored", "%.0f", (double)s->n);
    ks_plot_printf(w, "</div>\n");
}

static void confusion(ks_plot_writer *w, const ks_metrics_summary *s)
{
    ks_plot_printf(w, "<h2>Confusion matrix</h2>\n<table id=\"confusion\">\n"
                   "<tr><th class=\"l\">actual \\ predicted</th><th>ham</th><th>spam</th></tr>\n"
                   "<tr><th class=\"l\">ham</th><td>%llu</td><td>%llu</td></tr>\n"
                   "<tr><th class=\"l\">spam</th><td>%llu</td><td>%llu</td></tr>\n</table>\n",
                   (unsigned long long)s->tn, (unsigned long long)s->fp,
                   (unsigned long long)s->fn, (unsigned long long)s->tp);
}

static void report_row(ks_plot_writer *w, const char *name, const ks_class_report *r)
{
    ks_plot_printf(w, "<tr><th class=\"l\">%s</th><td>%.4f</td><td>%.4f</td><td>%.4f</td>"
                   "<td>%llu</td></tr>\n", name, r->precision, r->recall, r->f1,
                   (unsigned long long)r->support);
}

static void class_report(ks_plot_writer *w, const ks_metrics_summary *s)
{
    ks_plot_printf(w, "<h2>Classification report</h2>\n<table id=\"classification\">\n"
                   "<tr><th class=\"l\"></th><th>precision</th><th>recall</th><th>f1-score</th>"
                   "<th>support</th></tr>\n");
    report_row(w, "0 (ham)", &s->cls[0]);
    report_row(w, "1 (spam)", &s->cls[1]);
    report_row(w, "macro avg", &s->macro);
    report_row(w, "weighted avg", &s->weighted);
    ks_plot_printf(w, "</table>\n");
}

static void plots(ks_plot_writer *w, const char *const svg[3])
{
    ks_plot_printf(w, "<h2>Plots</h2>\n<div class=\"plots\">\n");
    for (int i = 0; i < 3; i++)
        ks_plot_printf(w, "<div>%s</div>\n", svg[i]);
    ks_plot_printf(w, "</div>\n<p class=\"sub\">Also written as roc.svg, pr.svg and scores.svg; "
                   "every score is in predictions.csv.</p>\n");
}

static void dataset_table(ks_plot_writer *w, const char *dataset, const ks_dataset *ds)
{
    const ks_dataset_stats *st = ks_dataset_stats_get(ds);
    ks_plot_printf(w, "<h2>What was read</h2>\n<table id=\"dataset\">\n"
                   "<tr><th class=\"l\">folder</th><td class=\"l\"><code>");
    ks_plot_escape(w, dataset);
    ks_plot_printf(w, "</code></td></tr>\n<tr><th class=\"l\">format</th><td class=\"l\">%s</td></tr>\n"
                   "<tr><th class=\"l\">files, MB</th><td class=\"l\">%llu, %.1f</td></tr>\n"
                   "<tr><th class=\"l\">messages (ham, spam)</th><td class=\"l\">%llu (%llu, %llu)"
                   "</td></tr>\n<tr><th class=\"l\">skipped</th><td class=\"l\">%llu",
                   ks_format_name(st->format), (unsigned long long)st->files,
                   (double)ks_dataset_size(ds) / 1e6, (unsigned long long)st->messages,
                   (unsigned long long)st->per_class[0], (unsigned long long)st->per_class[1],
                   (unsigned long long)st->skipped_total);
    for (int r = 0, first = 1; r < KS_SKIP_COUNT; r++)
        if (st->skipped[r]) {
            ks_plot_printf(w, "%s%s %llu", first ? " (" : ", ", ks_skip_reason_name(r),
                           (unsigned long long)st->skipped[r]);
            first = 0;
        }
    ks_plot_printf(w, "%s</td></tr>\n</table>\n", st->skipped_total ? ")" : "");
}

static void history(ks_plot_writer *w, const ks_model *m)
{
    char when[32];
    ks_plot_printf(w, "<h2>Model</h2>\n<p>checksum %08x, trained from %08x; examples seen: ham "
                   "%llu, spam %llu.</p>\n<table id=\"history\">\n<tr><th>#</th><th class=\"l\">"
                   "mode</th><th class=\"l\">dataset</th><th>ham</th><th>spam</th><th>skipped</th>"
                   "<th>passes</th><th class=\"l\">ended</th></tr>\n", ks_model_checksum(m),
                   ks_model_parent_checksum(m), (unsigned long long)ks_model_seen(m, 0),
                   (unsigned long long)ks_model_seen(m, 1));
    for (size_t i = 0; i < ks_model_history_count(m); i++) {
        const ks_history_entry *h = ks_model_history(m, i);
        time_t t = (time_t)h->time;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        ks_plot_printf(w, "<tr><td>%zu</td><td class=\"l\">", i + 1);
        ks_plot_escape(w, h->mode);
        ks_plot_printf(w, "</td><td class=\"l\"><code>");
        ks_plot_escape(w, h->dataset);
        ks_plot_printf(w, "</code></td><td>%llu</td><td>%llu</td><td>%llu</td><td>%u</td>"
                       "<td class=\"l\">%s</td></tr>\n", (unsigned long long)h->messages[0],
                       (unsigned long long)h->messages[1], (unsigned long long)h->skipped,
                       h->passes, when);
    }
    ks_plot_printf(w, "</table>\n");
}

ks_status ks_report_html(ks_buf *out, const ks_metrics_summary *s, const char *dataset,
                         const ks_dataset *ds, const char *model, const ks_model *m,
                         const char *const svg[3])
{
    ks_plot_writer w = {out, KS_OK};
    header(&w, dataset, model, m);
    cards(&w, s);
    confusion(&w, s);
    class_report(&w, s);
    plots(&w, svg);
    dataset_table(&w, dataset, ds);
    history(&w, m);
    ks_plot_printf(&w, "</body>\n</html>\n");
    return w.st;
}

ks_status ks_report_write(const char *dir, const ks_metrics *met, const ks_metrics_summary *s,
                          const char *dataset, const ks_dataset *ds, const char *model,
                          const ks_model *m)
{
    static const char *const names[3] = {"roc.svg", "pr.svg", "scores.svg"};
    ks_buf svg[3] = {{0}, {0}, {0}}, page = {0};
    ks_status st;

    if ((st = ks_plot_roc(met, s, &svg[0])) == KS_OK &&
        (st = ks_plot_pr(met, s, &svg[1])) == KS_OK &&
        (st = ks_plot_scores(met, s, &svg[2])) == KS_OK) {
        const char *const text[3] = {svg[0].data, svg[1].data, svg[2].data};
        st = ks_report_html(&page, s, dataset, ds, model, m, text);
    }
    for (int i = 0; i < 3 && st == KS_OK; i++)
        st = ks_write_atomic_in(dir, names[i], svg[i].data, svg[i].len);
    if (st == KS_OK)
        st = ks_write_atomic_in(dir, "report.html", page.data, page.len);
    for (int i = 0; i < 3; i++)
        ks_buf_free(&svg[i]);
    ks_buf_free(&page);
    return st;
}
