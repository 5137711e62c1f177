/* mail.c - RFC 822 / MIME decoding of one raw message into UTF-8 segments.
 *
 * Approach. A message is an "entity": a header block, then a body. The
 * decoder is a recursive descent over entities, bounded by the limits:
 *
 *   entity(region, depth)
 *     headers: read lines until a blank line or a line that is not a header
 *              (that line then starts the body: "body without headers");
 *              continuation lines (leading blank) are unfolded by dropping
 *              the line break; each field is emitted as KS_SEG_HEADER after
 *              RFC 2047 decoding; Content-Type, -Transfer-Encoding and
 *              -Disposition are kept raw for the steps below.
 *     dispatch on the media type (missing or unparsable: text/plain, or
 *     message/rfc822 inside multipart/digest):
 *       multipart/(any) -> split the body at "--boundary" lines, entity() on
 *                      each part at depth+1; a missing closing delimiter
 *                      ends the last part at the end of the region; no
 *                      delimiter at all means the body is read as text;
 *       message/rfc822, message/global, message/news
 *                   -> transfer-decode, then entity() on it at depth+1;
 *       text/(any), message/delivery-status
 *                   -> transfer-decode, charset-convert, HTML to text for
 *                      text/html, then KS_SEG_BODY and KS_SEG_URL segments;
 *       anything else -> KS_SEG_ATTACH with type and file name, body unread.
 *
 * Every part's region is a [start, end) slice of its parent's region, so a
 * truncated message just makes shorter slices and nothing reads past the
 * input. Each multipart level scans its slice once with memchr, so the work
 * is O(input * depth), with depth bounded (max_depth, and a hard ceiling of
 * MAX_DEPTH_CEILING so a caller's large limit cannot exhaust the stack).
 *
 * Buffers live in one mail_ctx per call and are reused by every part: header
 * scratch is finished with before any recursion starts, and body scratch is
 * used only by leaves, which never recurse. Only an encapsulated message
 * that needs transfer-decoding gets a buffer of its own, since its bytes
 * must outlive the parts decoded from it.
 */
#include <string.h>
#include <strings.h>
#include "ks/charset.h"
#include "ks/codec.h"
#include "ks/html.h"
#include "ks/mail.h"

enum { MAX_DEPTH_CEILING = 256, MAX_SECTIONS = 64 };

enum { ENC_IDENTITY, ENC_BASE64, ENC_QP };

typedef struct {
    unsigned max_depth;   /* effective depth limit (clamped) */
    unsigned max_parts;   /* parts allowed in the whole message */
    unsigned parts;       /* entities seen so far */
    ks_mail_sink sink;
    void *ctx;
    ks_buf name;          /* lower-case header field name */
    ks_buf raw;           /* unfolded header value, trimmed */
    ks_buf dec;           /* decoded header value / decoded parameter */
    ks_buf tmp;           /* scratch for ks_codec_decode_header */
    ks_buf ct, cte, cd;   /* this entity's Content-Type, -Transfer-Encoding,
                             -Disposition, raw; len 0 when absent */
    int has_ct;           /* the entity had a Content-Type field */
    ks_buf body;          /* transfer-decoded bytes of a leaf */
    ks_buf text;          /* its UTF-8 text */
    ks_buf html;          /* text of an HTML leaf */
    ks_buf urls;          /* link targets of an HTML leaf, NUL-separated */
    ks_status link_st;    /* first failure collecting them */
} mail_ctx;

/* What dispatch needs from an entity's header, copied out of mail_ctx
 * because the parts below reuse the header scratch. */
typedef struct {
    char type[128];       /* "type/subtype", lower case */
    char charset[64];     /* charset parameter, "" if none */
    char boundary[256];   /* multipart boundary, "" if none or too long */
    size_t blen;
    int enc;              /* ENC_* */
} part_info;

static ks_status entity(mail_ctx *m, const char *p, const char *end,
                        unsigned depth, const char *dflt);

void ks_mail_limits_default(ks_mail_limits *lim)
{
    lim->max_depth = 16;
    lim->max_parts = 1000;
}

/* Calls the sink; KS_DONE (internal) when it asks to stop. */
static ks_status emit(mail_ctx *m, ks_seg_kind kind, const char *name,
                      const char *text, size_t len)
{
    return m->sink(m->ctx, kind, name, text, len) ? KS_DONE : KS_OK;
}

/* End of the line at p (position of '\n' or end) and start of the next. */
static const char *line_next(const char *p, const char *end, const char **eol)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *eol = nl ? nl : end;
    if (*eol > p && (*eol)[-1] == '\r')
        (*eol)--;
    return nl ? nl + 1 : end;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Drops NUL bytes and turns CR LF into LF, in place. */
static void clean_text(ks_buf *b)
{
    size_t i, j = 0;
    for (i = 0; i < b->len; i++) {
        char c = b->data[i];
        if (c == '\0' || (c == '\r' && i + 1 < b->len && b->data[i + 1] == '\n'))
            continue;
        b->data[j++] = c;
    }
    b->len = j;
    if (b->data)
        b->data[j] = '\0';
}

/* ---- header block ------------------------------------------------------ */

/* Length of the field name if line [p, eol) is "name:", else 0. Blanks
 * between name and colon are allowed (RFC 822's obsolete syntax). */
static size_t field_name(const char *p, const char *eol, const char **colon)
{
    const char *q = p;
    size_t n;
    while (q < eol && *q > ' ' && *q < 127 && *q != ':')
        q++;
    n = (size_t)(q - p);
    while (q < eol && is_blank(*q))
        q++;
    if (!n || n > 256 || q == eol || *q != ':')
        return 0;
    *colon = q;
    return n;
}

/* Keeps a copy of a MIME field's raw value (first occurrence wins). */
static ks_status keep_mime_field(mail_ctx *m)
{
    ks_buf *dst = NULL;
    if (!strcmp(m->name.data, "content-type")) {
        dst = m->has_ct ? NULL : &m->ct;
        m->has_ct = 1;
    } else if (!strcmp(m->name.data, "content-transfer-encoding")) {
        dst = m->cte.len ? NULL : &m->cte;
    } else if (!strcmp(m->name.data, "content-disposition")) {
        dst = m->cd.len ? NULL : &m->cd;
    }
    return dst ? ks_buf_append(dst, m->raw.data, m->raw.len) : KS_OK;
}

/* Lower-cases the name, trims the unfolded value, decodes and emits it. */
static ks_status finish_field(mail_ctx *m)
{
    size_t i, b = 0, e = m->raw.len;
    ks_status st;
    for (i = 0; i < m->name.len; i++)
        if (m->name.data[i] >= 'A' && m->name.data[i] <= 'Z')
            m->name.data[i] = (char)(m->name.data[i] + 32);
    while (b < e && is_blank(m->raw.data[b]))
        b++;
    while (e > b && is_blank(m->raw.data[e - 1]))
        e--;
    memmove(m->raw.data, m->raw.data + b, e - b);
    m->raw.len = e - b;
    m->raw.data[m->raw.len] = '\0';
    st = keep_mime_field(m);
    ks_buf_clear(&m->dec);
    if (st == KS_OK)
        st = ks_codec_decode_header(m->raw.data, m->raw.len, &m->tmp, &m->dec);
    if (st != KS_OK)
        return st;
    clean_text(&m->dec);
    return emit(m, KS_SEG_HEADER, m->name.data, m->dec.data, m->dec.len);
}

/* Reads one field starting at line p (name at [p, colon)), with its
 * continuation lines; returns the position after it in *next. */
static ks_status read_field(mail_ctx *m, const char *p, const char *colon,
                            size_t nlen, const char *end, const char **next)
{
    const char *eol, *nx = line_next(p, end, &eol);
    ks_status st;
    ks_buf_clear(&m->name);
    ks_buf_clear(&m->raw);
    st = ks_buf_append(&m->name, p, nlen);
    if (st == KS_OK)
        st = ks_buf_append(&m->raw, colon + 1, (size_t)(eol - colon - 1));
    while (st == KS_OK && nx < end && is_blank(*nx)) {
        p = nx;
        nx = line_next(p, end, &eol);
        st = ks_buf_append(&m->raw, p, (size_t)(eol - p));
    }
    *next = nx;
    return st == KS_OK ? finish_field(m) : st;
}

/* Emits the header block starting at p; *body = where the body starts. */
static ks_status read_header(mail_ctx *m, const char *p, const char *end,
                             const char **body)
{
    const char *eol, *colon, *nx;
    size_t nlen;
    ks_status st = KS_OK;
    ks_buf_clear(&m->ct);
    ks_buf_clear(&m->cte);
    ks_buf_clear(&m->cd);
    m->has_ct = 0;
    while (st == KS_OK && p < end) {
        nx = line_next(p, end, &eol);
        if (eol == p) {           /* blank line: the body follows */
            *body = nx;
            return KS_OK;
        }
        nlen = field_name(p, eol, &colon);
        if (!nlen)                /* not a header: the body starts here */
            break;
        st = read_field(m, p, colon, nlen, end, &p);
    }
    *body = p;
    return st;
}

/* ---- Content-Type parameters (RFC 2045 5.1, RFC 2231) ------------------- */

typedef struct {
    const char *name;     /* parameter name, without "*N" / "*" */
    size_t nlen;
    int section;          /* N of "name*N", -1 if none */
    int ext;              /* "*" suffix: charset'lang'%XX encoding */
    const char *val;      /* value, quotes included */
    size_t vlen;
} param;

/* Parses the parameter after the ';' at or following p; NULL when none. */
static const char *next_param(const char *p, const char *end, param *pr)
{
    const char *q, *star;
    int inq = 0;
    while (p < end && *p != ';')
        p++;
    if (p == end)
        return NULL;
    for (p++; p < end && (is_blank(*p) || *p == '\r' || *p == '\n'); p++)
        ;
    for (q = p; q < end && *q != '=' && *q != ';'; q++)
        ;
    pr->name = p;
    pr->nlen = (size_t)(q - p);
    while (pr->nlen && is_blank(p[pr->nlen - 1]))
        pr->nlen--;
    pr->ext = pr->nlen && p[pr->nlen - 1] == '*';
    pr->nlen -= (size_t)pr->ext;
    pr->section = -1;
    star = memchr(p, '*', pr->nlen);
    if (star && star + 1 < p + pr->nlen && star[1] >= '0' && star[1] <= '9') {
        const char *d;
        pr->section = 0;
        for (d = star + 1; d < p + pr->nlen && *d >= '0' && *d <= '9'; d++)
            pr->section = (pr->section * 10 + (*d - '0')) % 100000;
        pr->nlen = (size_t)(star - p);
    }
    pr->val = q;
    pr->vlen = 0;
    if (q == end || *q == ';')
        return q;
    for (q++; q < end && is_blank(*q); q++)
        ;
    pr->val = q;
    for (; q < end && (inq || *q != ';'); q++) {
        if (*q == '"')
            inq = !inq;
        else if (*q == '\\' && inq && q + 1 < end)
            q++;
    }
    pr->vlen = (size_t)(q - pr->val);
    while (pr->vlen && is_blank(pr->val[pr->vlen - 1]))
        pr->vlen--;
    return q;
}

static int hexdig(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Appends a parameter value: unquoted, and for RFC 2231 "name*" values
 * %XX-decoded after taking "charset'lang'" off the first section. */
static ks_status append_value(const param *pr, int first, char *cs,
                              ks_buf *out)
{
    const char *v = pr->val, *e = pr->val + pr->vlen, *a, *b;
    ks_status st = KS_OK;
    if (v < e && *v == '"') {
        for (v++; st == KS_OK && v < e && *v != '"'; v++) {
            if (*v == '\\' && v + 1 < e)
                v++;
            st = ks_buf_putc(out, *v);
        }
        return st;
    }
    if (!pr->ext)
        return ks_buf_append(out, v, (size_t)(e - v));
    if (first && (a = memchr(v, '\'', (size_t)(e - v))) != NULL &&
        (b = memchr(a + 1, '\'', (size_t)(e - a - 1))) != NULL) {
        if ((size_t)(a - v) < 64) {
            memcpy(cs, v, (size_t)(a - v));
            cs[a - v] = '\0';
        }
        v = b + 1;
    }
    for (; st == KS_OK && v < e; v++) {
        if (*v == '%' && e - v >= 3 && hexdig(v[1]) >= 0 && hexdig(v[2]) >= 0) {
            st = ks_buf_putc(out, hexdig(v[1]) << 4 | hexdig(v[2]));
            v += 2;
        } else {
            st = ks_buf_putc(out, *v);
        }
    }
    return st;
}

static int find_param(const ks_buf *f, const char *name, int section,
                      param *pr)
{
    const char *p = f->data, *end = f->data + f->len;
    size_t nl = strlen(name);
    while (p && (p = next_param(p, end, pr)) != NULL)
        if (pr->section == section && pr->nlen == nl &&
            !strncasecmp(pr->name, name, nl))
            return 1;
    return 0;
}

/* Appends parameter `name` of field f to out, joining RFC 2231 sections
 * name*0, name*1, ... (which win over a plain name=). cs receives the
 * RFC 2231 charset, "" if none. Returns 1 if found. */
static int get_param(const ks_buf *f, const char *name, ks_buf *out,
                     char *cs, ks_status *st)
{
    param pr;
    int sec, found = 0;
    cs[0] = '\0';
    if (!f->len)
        return 0;
    for (sec = 0; sec < MAX_SECTIONS && *st == KS_OK; sec++) {
        if (!find_param(f, name, sec, &pr))
            break;
        *st = append_value(&pr, sec == 0, cs, out);
        found = 1;
    }
    if (!found && find_param(f, name, -1, &pr)) {
        *st = append_value(&pr, 1, cs, out);
        found = 1;
    }
    return found;
}

/* ---- part description -------------------------------------------------- */

/* Copies the lower-cased token at the start of v (up to ';' or blank). */
static void copy_token(const char *v, size_t n, char *dst, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < n && (is_blank(v[i]) || v[i] == '"'))
        i++;
    for (; i < n && o + 1 < cap; i++) {
        char c = v[i];
        if (c == ';' || c == '"' || (unsigned char)c <= ' ')
            break;
        dst[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    dst[o] = '\0';
}

static ks_status describe(mail_ctx *m, const char *dflt, part_info *pi)
{
    char cs[64];
    ks_status st = KS_OK;
    char enc[32];
    copy_token(m->ct.data, m->ct.len, pi->type, sizeof pi->type);
    if (!strchr(pi->type, '/') || pi->type[0] == '/')
        strcpy(pi->type, m->has_ct ? "text/plain" : dflt);
    ks_buf_clear(&m->dec);
    pi->charset[0] = '\0';
    if (get_param(&m->ct, "charset", &m->dec, cs, &st))
        copy_token(m->dec.data, m->dec.len, pi->charset, sizeof pi->charset);
    ks_buf_clear(&m->dec);
    pi->boundary[0] = '\0';
    pi->blen = 0;
    if (get_param(&m->ct, "boundary", &m->dec, cs, &st) &&
        m->dec.len < sizeof pi->boundary) {
        memcpy(pi->boundary, m->dec.data, m->dec.len + 1);
        pi->blen = m->dec.len;
    }
    copy_token(m->cte.data, m->cte.len, enc, sizeof enc);
    pi->enc = !strcmp(enc, "base64") ? ENC_BASE64
            : !strcmp(enc, "quoted-printable") ? ENC_QP : ENC_IDENTITY;
    return st;
}

/* Undoes the transfer encoding into dst; *out points at the result
 * (the input itself for identity encodings). */
static ks_status transfer_decode(int enc, const char *p,
                                 const char *end, ks_buf *dst,
                                 const char **out, size_t *len)
{
    ks_status st = KS_OK;
    ks_buf_clear(dst);
    if (enc == ENC_IDENTITY) {
        *out = p;
        *len = (size_t)(end - p);
        return KS_OK;
    }
    if (enc == ENC_BASE64)
        st = ks_codec_base64_decode(p, (size_t)(end - p), dst);
    else
        st = ks_codec_qp_decode(p, (size_t)(end - p), 0, dst);
    *out = dst->data ? dst->data : "";
    *len = dst->len;
    return st;
}

/* ---- text leaves ------------------------------------------------------- */

static int url_char(unsigned char c)
{
    return c > ' ' && c < 127 && c != '<' && c != '>' && c != '"' &&
           c != '`' && c != '{' && c != '}' && c != '|' && c != '\\' &&
           c != '^';
}

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Length of the URL prefix at s (http://, https://, www.), 0 if none. */
static size_t url_prefix(const char *s, size_t n)
{
    if (n >= 7 && !strncasecmp(s, "http://", 7))
        return 7;
    if (n >= 8 && !strncasecmp(s, "https://", 8))
        return 8;
    if (n >= 4 && !strncasecmp(s, "www.", 4))
        return 4;
    return 0;
}

/* Emits a KS_SEG_URL for each http://, https:// or www. run in text;
 * trailing punctuation ("see http://x.com.") is not part of the URL. */
static ks_status scan_urls(mail_ctx *m, char *t, size_t n)
{
    size_t i = 0, pre, e;
    ks_status st = KS_OK;
    while (st == KS_OK && i < n) {
        unsigned char c = (unsigned char)(t[i] | 0x20);
        if ((c != 'h' && c != 'w') || (i && is_alnum((unsigned char)t[i - 1])) ||
            !(pre = url_prefix(t + i, n - i))) {
            i++;
            continue;
        }
        for (e = i + pre; e < n && url_char((unsigned char)t[e]); e++)
            ;
        while (e > i + pre && strchr(".,;:!?)]}'", t[e - 1]))
            e--;
        if (e > i + pre) {
            char save = t[e];
            t[e] = '\0';   /* sink contract: text[len] == '\0' */
            st = emit(m, KS_SEG_URL, NULL, t + i, e - i);
            t[e] = save;
        }
        i = e > i + pre ? e : i + pre;
    }
    return st;
}

static void collect_link(void *ctx, const char *url, size_t len)
{
    mail_ctx *m = ctx;
    if (m->link_st == KS_OK)
        m->link_st = ks_buf_append(&m->urls, url, len);
    if (m->link_st == KS_OK)
        m->link_st = ks_buf_putc(&m->urls, '\0');
}

static ks_status html_leaf(mail_ctx *m)
{
    size_t i;
    ks_status st;
    ks_buf_clear(&m->html);
    ks_buf_clear(&m->urls);
    m->link_st = KS_OK;
    st = ks_html_to_text(m->text.data, m->text.len, &m->html, collect_link, m);
    if (st == KS_OK)
        st = m->link_st;
    if (st == KS_OK && m->html.len)
        st = emit(m, KS_SEG_BODY, "html", m->html.data, m->html.len);
    for (i = 0; st == KS_OK && i < m->urls.len;) {
        size_t n = strlen(m->urls.data + i);
        st = emit(m, KS_SEG_URL, NULL, m->urls.data + i, n);
        i += n + 1;
    }
    return st;
}

/* A text part: transfer-decode, convert to UTF-8, emit body and URLs.
 * Empty parts emit nothing. */
static ks_status text_leaf(mail_ctx *m, const part_info *pi, const char *p,
                           const char *end)
{
    const char *src;
    size_t len;
    ks_status st = transfer_decode(pi->enc, p, end, &m->body, &src, &len);
    ks_buf_clear(&m->text);
    if (st == KS_OK)
        st = ks_charset_to_utf8(pi->charset[0] ? pi->charset : NULL, src, len,
                                &m->text);
    if (st != KS_OK || !m->text.len)
        return st;
    clean_text(&m->text);
    if (!strcmp(pi->type, "text/html"))
        return html_leaf(m);
    st = emit(m, KS_SEG_BODY, "plain", m->text.data, m->text.len);
    return st == KS_OK ? scan_urls(m, m->text.data, m->text.len) : st;
}

/* A non-text part: its type and file name (Content-Disposition filename,
 * else Content-Type name; RFC 2231 or RFC 2047 encoded). */
static ks_status attach_leaf(mail_ctx *m, const part_info *pi)
{
    char cs[64];
    ks_status st = KS_OK;
    ks_buf_clear(&m->raw);
    ks_buf_clear(&m->dec);
    if (!get_param(&m->cd, "filename", &m->raw, cs, &st) && st == KS_OK)
        get_param(&m->ct, "name", &m->raw, cs, &st);
    if (st == KS_OK && m->raw.len)
        st = cs[0] ? ks_charset_to_utf8(cs, m->raw.data, m->raw.len, &m->dec)
                   : ks_codec_decode_header(m->raw.data, m->raw.len, &m->tmp,
                                            &m->dec);
    if (st == KS_OK)
        st = ks_buf_reserve(&m->dec, 0);
    if (st != KS_OK)
        return st;
    clean_text(&m->dec);
    return emit(m, KS_SEG_ATTACH, pi->type, m->dec.data, m->dec.len);
}

/* ---- containers -------------------------------------------------------- */

/* 1 if line [p, eol) opens a part ("--boundary" + blanks), 2 if it closes
 * the multipart ("--boundary--"), else 0. */
static int delimiter(const char *p, const char *eol, const part_info *pi)
{
    const char *q = p + 2 + pi->blen;
    if (eol - p < (ptrdiff_t)(2 + pi->blen) || p[0] != '-' || p[1] != '-' ||
        memcmp(p + 2, pi->boundary, pi->blen))
        return 0;
    if (eol - q >= 2 && q[0] == '-' && q[1] == '-')
        return 2;
    while (q < eol && (is_blank(*q) || *q == '\r'))
        q++;
    return q == eol ? 1 : 0;
}

/* Part content ends before the line break that precedes its delimiter. */
static const char *part_end(const char *start, const char *delim)
{
    if (delim > start && delim[-1] == '\n')
        delim--;
    if (delim > start && delim[-1] == '\r')
        delim--;
    return delim;
}

/* Walks the parts of a multipart body [p, end); *found = 0 when not one
 * delimiter line occurs (nothing is emitted then). */
static ks_status multipart(mail_ctx *m, const part_info *pi, const char *p,
                           const char *end, unsigned depth, int *found)
{
    const char *dflt = strcmp(pi->type, "multipart/digest") ? "text/plain"
                                                            : "message/rfc822";
    const char *part = NULL, *eol, *nx;
    ks_status st = KS_OK;
    int kind;
    for (; st == KS_OK && p < end; p = nx) {
        nx = line_next(p, end, &eol);
        if (p[0] != '-' || !(kind = delimiter(p, eol, pi)))
            continue;
        if (part)
            st = entity(m, part, part_end(part, p), depth + 1, dflt);
        *found = 1;
        if (kind == 2)
            return st;        /* the epilogue is not shown by clients */
        part = nx;
    }
    if (st == KS_OK && part)  /* closing delimiter missing */
        st = entity(m, part, end, depth + 1, dflt);
    return st;
}

/* An encapsulated message; a transfer-encoded one is decoded first into a
 * buffer of its own, which must outlive the parts decoded from it. */
static ks_status encapsulated(mail_ctx *m, const part_info *pi, const char *p,
                              const char *end, unsigned depth)
{
    ks_buf own = {0};
    const char *src;
    size_t len;
    ks_status st = transfer_decode(pi->enc, p, end, &own, &src, &len);
    if (st == KS_OK)
        st = entity(m, src, src + len, depth + 1, "text/plain");
    ks_buf_free(&own);
    return st;
}

static int is_text_type(const char *type)
{
    return !strncmp(type, "text/", 5) ||
           !strcmp(type, "message/delivery-status");
}

static int is_message_type(const char *type)
{
    return !strcmp(type, "message/rfc822") || !strcmp(type, "message/global") ||
           !strcmp(type, "message/news");
}

static ks_status entity(mail_ctx *m, const char *p, const char *end,
                        unsigned depth, const char *dflt)
{
    part_info pi;
    const char *body;
    ks_status st;
    if (depth > m->max_depth)
        return ks_fail(KS_ERR_LIMIT, "MIME nesting deeper than %u", m->max_depth);
    if (++m->parts > m->max_parts)
        return ks_fail(KS_ERR_LIMIT, "more than %u MIME parts", m->max_parts);
    st = read_header(m, p, end, &body);
    if (st == KS_OK)
        st = describe(m, dflt, &pi);
    if (st != KS_OK)
        return st;
    if (!strncmp(pi.type, "multipart/", 10)) {
        int found = 0;
        if (pi.blen)
            st = multipart(m, &pi, body, end, depth, &found);
        /* no boundary, or no delimiter line at all: show the body as text */
        return found ? st : text_leaf(m, &pi, body, end);
    }
    if (is_message_type(pi.type))
        return encapsulated(m, &pi, body, end, depth);
    if (is_text_type(pi.type))
        return text_leaf(m, &pi, body, end);
    return attach_leaf(m, &pi);
}

/* ---- entry point ------------------------------------------------------- */

static void ctx_free(mail_ctx *m)
{
    ks_buf *b[] = {&m->name, &m->raw, &m->dec, &m->tmp, &m->ct, &m->cte,
                   &m->cd, &m->body, &m->text, &m->html, &m->urls};
    size_t i;
    for (i = 0; i < sizeof b / sizeof *b; i++)
        ks_buf_free(b[i]);
}

ks_status ks_mail_decode(const char *raw, size_t len,
                         const ks_mail_limits *lim, ks_mail_sink sink,
                         void *ctx)
{
    mail_ctx m;
    ks_mail_limits def;
    const char *end, *eol;
    ks_status st;
    if (!sink || (!raw && len))
        return ks_fail(KS_ERR_USAGE, "ks_mail_decode: NULL sink or input");
    if (!raw)
        raw = "";
    end = raw + len;
    if (!lim) {
        ks_mail_limits_default(&def);
        lim = &def;
    }
    memset(&m, 0, sizeof m);
    m.max_depth = lim->max_depth < MAX_DEPTH_CEILING ? lim->max_depth
                                                     : MAX_DEPTH_CEILING;
    m.max_parts = lim->max_parts;
    m.sink = sink;
    m.ctx = ctx;
    if (len >= 5 && !memcmp(raw, "From ", 5))  /* mbox envelope line */
        raw = line_next(raw, end, &eol);
    st = entity(&m, raw, end, 0, "text/plain");
    ctx_free(&m);
    return st == KS_DONE ? KS_OK : st;
}
