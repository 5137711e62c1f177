/* html.c - HTML to text with libxml2's HTML parser.
 *
 * libxml2 builds a tree in recover mode, the way a browser tolerates tag
 * soup, and we walk it without recursion (first child, next sibling, back
 * up through parents) so a hostile nesting depth cannot exhaust the stack.
 *
 * Text layout, chosen to be stable for tokenising rather than pretty:
 *   - runs of whitespace inside and across text nodes become one space;
 *   - a block element (p, div, br, li, tr, h1..h6, title, ...) starts and
 *     ends a line; table cells are separated by a space;
 *   - script and style subtrees, and comments, are dropped; the title is
 *     kept (spam puts words there);
 *   - no leading or trailing blanks, no empty lines.
 * Link targets (a/area href, img src, form action) go to the callback with
 * tabs and line breaks removed and outer blanks trimmed, as a browser's URL
 * parser does, since spam splits URLs across lines to dodge filters.
 *
 * XML_PARSE_HUGE lifts libxml2's nesting limit (256 elements): past it the
 * parser stops and the rest of the page would be lost, which spam could use
 * to hide its text. The parser itself keeps its own stack, so deep pages
 * cost memory linear in their size (625,000 nested divs: 0.4 s).
 *
 * libxml2 prints parse errors through thread-local handlers by default;
 * each thread that converts installs silent handlers once, so the library
 * never writes to stderr. xmlInitParser runs once under pthread_once, which
 * makes ks_html_global_init optional (but cheap and harmless).
 */
#include <pthread.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include "ks/charset.h"
#include "ks/html.h"

/* ---- libxml2 set-up ------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Thread_local int thread_silenced;  /* this thread's handlers set */

static void silent_generic(void *ctx, const char *msg, ...) {}

#if LIBXML_VERSION >= 21200
static void silent_structured(void *ctx, const xmlError *err) {}
#else
static void silent_structured(void *ctx, xmlErrorPtr err) {}
#endif

static void init_parser(void) { xmlInitParser(); }

static void prepare_thread(void)
{
    pthread_once(&init_once, init_parser);
    if (!thread_silenced) {
        xmlSetGenericErrorFunc(NULL, silent_generic);
        xmlSetStructuredErrorFunc(NULL, silent_structured);
        thread_silenced = 1;
    }
}

void ks_html_global_init(void) { prepare_thread(); }

void ks_html_global_cleanup(void) { xmlCleanupParser(); }

/* ---- text layout --------------------------------------------------------- */

typedef struct {
    ks_buf *out;          /* text goes here */
    size_t start;         /* out->len on entry: we never touch bytes before */
    int space;            /* a blank is owed before the next text */
    int newline;          /* a line break is owed before the next text */
    ks_html_link_fn link; /* may be NULL */
    void *ctx;
    ks_buf url;           /* scratch for a cleaned link target */
    ks_status st;         /* first failure, sticky */
} walker;

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Appends a text node's content with whitespace collapsed. */
static void put_text(walker *w, const char *s)
{
    size_t n = strlen(s), run;
    while (w->st == KS_OK && n) {
        if (is_ws((unsigned char)*s)) {
            w->space = 1;
            s++;
            n--;
            continue;
        }
        if (w->out->len > w->start && (w->newline || w->space))
            w->st = ks_buf_putc(w->out, w->newline ? '\n' : ' ');
        w->newline = w->space = 0;
        for (run = 0; run < n && !is_ws((unsigned char)s[run]); run++)
            ;
        if (w->st == KS_OK)
            w->st = ks_buf_append(w->out, s, run);
        s += run;
        n -= run;
    }
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return 1;
    return 0;
}

static const char *const block_tags[] = {
    "address", "article", "aside", "blockquote", "body", "br", "center",
    "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "title", "tr", "ul",
    "option", "caption", "html", "head", NULL};
static const char *const cell_tags[] = {"td", "th", NULL};
static const char *const skip_tags[] = {"script", "style", NULL};

/* Element boundary (entering or leaving): owes a line break or a blank. */
static void boundary(walker *w, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (name_in(name, block_tags))
        w->newline = 1;
    else if (name_in(name, cell_tags))
        w->space = 1;
}

/* ---- links --------------------------------------------------------------- */

/* The attribute of element n that holds a link target, or NULL. */
static const char *link_attr(const char *name)
{
    if (!strcmp(name, "a") || !strcmp(name, "area"))
        return "href";
    if (!strcmp(name, "img"))
        return "src";
    if (!strcmp(name, "form"))
        return "action";
    return NULL;
}

static void report_link(walker *w, const xmlNode *n)
{
    const char *attr = link_attr((const char *)n->name), *v;
    const xmlAttr *a;
    size_t i, b, e;
    if (!attr || !w->link)
        return;
    for (a = n->properties; a; a = a->next)
        if (!xmlStrcasecmp(a->name, (const xmlChar *)attr))
            break;
    if (!a || !a->children || !a->children->content)
        return;
    v = (const char *)a->children->content;
    ks_buf_clear(&w->url);
    for (i = 0; v[i] && w->st == KS_OK; i++)
        if (v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
            w->st = ks_buf_putc(&w->url, v[i]);
    if (w->st != KS_OK || !w->url.len)
        return;
    for (b = 0; b < w->url.len && (unsigned char)w->url.data[b] <= ' '; b++)
        ;
    for (e = w->url.len; e > b && (unsigned char)w->url.data[e - 1] <= ' '; e--)
        ;
    if (e > b) {
        w->url.data[e] = '\0';
        w->link(w->ctx, w->url.data + b, e - b);
    }
}

/* A copy of html that libxml2 can read: NULs dropped (the parser would stop
 * there), bad UTF-8 replaced by U+FFFD. */
static ks_status clean_input(const char *html, size_t len, ks_buf *clean)
{
    size_t i, j = 0;
    ks_status st = ks_charset_to_utf8("utf-8", html, len, clean);
    if (st != KS_OK)
        return st;
    for (i = 0; i < clean->len; i++)
        if (clean->data[i])
            clean->data[j++] = clean->data[i];
    clean->len = j;
    clean->data[j] = '\0';
    return KS_OK;
}

/* ---- tree walk ----------------------------------------------------------- */

/* Handles node n on the way down; returns 1 to descend into its children. */
static int enter(walker *w, const xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            put_text(w, (const char *)n->content);
        return 0;
    }
    if (n->type != XML_ELEMENT_NODE || !n->name)
        return 0;
    if (name_in((const char *)n->name, skip_tags))
        return 0;
    report_link(w, n);
    boundary(w, n);
    return 1;
}

/* Pre-order walk of the siblings from `first` and their subtrees. */
static void walk(walker *w, const xmlNode *first)
{
    const xmlNode *n = first, *top = first ? first->parent : NULL;
    while (n && w->st == KS_OK) {
        if (enter(w, n) && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {                    /* leave n, then climb while last child */
            if (n->type == XML_ELEMENT_NODE)
                boundary(w, n);
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (!n || n == top)
                return;
        }
    }
}

ks_status ks_html_to_text(const char *html, size_t len, ks_buf *text,
                          ks_html_link_fn link, void *ctx)
{
    walker w = {text, text->len, 0, 0, link, ctx, {0}, KS_OK};
    ks_buf clean = {0};
    htmlDocPtr doc;
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT |
               XML_PARSE_HUGE;
    if (len > 0x7fffffff)
        len = 0x7fffffff;   /* libxml2 takes an int size */
    if (memchr(html, '\0', len) || !ks_utf8_valid(html, len)) {
        w.st = clean_input(html, len, &clean);
        html = clean.data;
        len = clean.len;
    }
    prepare_thread();
    if (w.st == KS_OK && len) {
        doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", opts);
        if (doc) {
            walk(&w, doc->children);
            xmlFreeDoc(doc);
        }
    }
    if (w.st == KS_OK)
        w.st = ks_buf_reserve(text, 0);  /* text is a valid string even if empty */
    ks_buf_free(&clean);
    ks_buf_free(&w.url);
    return w.st;
}
