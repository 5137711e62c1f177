/* codec.c - base64, quoted-printable and RFC 2047 encoded words.
 *
 * All three decoders are single forward passes over the input that write
 * straight into the caller's buffer (reserved once up front, since decoded
 * output is never longer than the input), so decoding is linear and a
 * truncated input can never be over-read: every look-ahead is checked
 * against the end pointer.
 *
 * Leniency follows what mail clients do with broken mail, because the
 * classifier must see what the recipient saw: junk in base64 is skipped,
 * a stray '=' in quoted-printable is kept, malformed encoded words stay
 * literal text.
 */
#define _GNU_SOURCE  /* memmem */
#include <string.h>
#include <strings.h>
#include "ks/charset.h"
#include "ks/codec.h"

/* Value of a base64 character, -1 for others ('=' handled apart). */
static const signed char b64val[256] = {
    ['A'] = 0, ['B'] = 1, ['C'] = 2, ['D'] = 3, ['E'] = 4, ['F'] = 5,
    ['G'] = 6, ['H'] = 7, ['I'] = 8, ['J'] = 9, ['K'] = 10, ['L'] = 11,
    ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
    ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29,
    ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
    ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53,
    ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59,
    ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63};

static int is_b64(unsigned char c)
{
    return b64val[c] != 0 || c == 'A';
}

/* Emits the bytes a partial group of n sextets completes. */
static char *b64_flush(char *o, unsigned acc, int n)
{
    if (n == 2) {
        *o++ = (char)(acc >> 4);
    } else if (n == 3) {
        *o++ = (char)(acc >> 10);
        *o++ = (char)(acc >> 2);
    }
    return o;
}

ks_status ks_codec_base64_decode(const char *in, size_t len, ks_buf *out)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len;
    unsigned acc = 0;
    int n = 0;
    char *o;
    ks_status st = ks_buf_reserve(out, len / 4 * 3 + 3);
    if (st != KS_OK)
        return st;
    o = out->data + out->len;
    for (; p < end; p++) {
        if (*p == '=') {
            o = b64_flush(o, acc, n);
            acc = 0;
            n = 0;
        } else if (is_b64(*p)) {
            acc = acc << 6 | (unsigned)b64val[*p];
            if (++n == 4) {
                *o++ = (char)(acc >> 16);
                *o++ = (char)(acc >> 8);
                *o++ = (char)acc;
                acc = 0;
                n = 0;
            }
        }
    }
    o = b64_flush(o, acc, n);
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return KS_OK;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Drops the blanks just written before a hard line break (RFC 2045 6.7(3)). */
static char *trim_blanks(char *o, const char *floor)
{
    while (o > floor && (o[-1] == ' ' || o[-1] == '\t'))
        o--;
    return o;
}

/* If p..end starts with optional blanks and a line break (or the end),
 * which after '=' makes a soft line break, returns the position after it. */
static const unsigned char *soft_break(const unsigned char *p,
                                       const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end)
        return p;
    if (*p == '\n')
        return p + 1;
    if (*p == '\r')
        return p + 1 + (end - p >= 2 && p[1] == '\n');
    return NULL;
}

ks_status ks_codec_qp_decode(const char *in, size_t len, int q_mode,
                             ks_buf *out)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len, *q;
    char *o, *line;
    ks_status st = ks_buf_reserve(out, len);
    if (st != KS_OK)
        return st;
    o = line = out->data + out->len;
    while (p < end) {
        unsigned char c = *p++;
        if (c == '=' && end - p >= 2 && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
            *o++ = (char)(hexval(p[0]) << 4 | hexval(p[1]));
            p += 2;
            line = o;  /* encoded blanks are data, never trimmed */
        } else if (c == '=' && !q_mode && (q = soft_break(p, end)) != NULL) {
            p = q;
        } else if (!q_mode && (c == '\n' || (c == '\r' && p < end && *p == '\n'))) {
            p += c == '\r';
            o = trim_blanks(o, line);
            *o++ = '\n';
            line = o;
        } else {
            *o++ = (q_mode && c == '_') ? ' ' : (char)c;
        }
    }
    if (!q_mode)
        o = trim_blanks(o, line);
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return KS_OK;
}

/* ---- RFC 2047 ---------------------------------------------------------- */

typedef struct {
    const char *cs;     /* charset name (without RFC 2231 "*lang") */
    size_t cs_len;
    int b;              /* 1 for "B", 0 for "Q" */
    const char *text;   /* encoded text */
    size_t text_len;
    const char *after;  /* first byte after "?=" */
} enc_word;

/* Parses "=?cs?E?text?=" at p (p[0..1] == "=?"); 0 if malformed. Sets
 * *no_end when no "?=" follows at all, so no later word can close either. */
static int parse_word(const char *p, const char *end, enc_word *w, int *no_end)
{
    const char *q = p + 2, *e;
    w->cs = q;
    while (q < end && *q != '?' && *q != ' ' && *q != '\t')
        q++;
    if (q == w->cs || end - q < 4 || *q != '?' || q[2] != '?' ||
        !strchr("BbQq", q[1]) || q[1] == '\0')
        return 0;
    w->cs_len = (size_t)(q - w->cs);
    e = memchr(w->cs, '*', w->cs_len);
    if (e)
        w->cs_len = (size_t)(e - w->cs);
    w->b = q[1] == 'B' || q[1] == 'b';
    w->text = q + 3;
    e = memmem(w->text, (size_t)(end - w->text), "?=", 2);
    if (!e) {
        *no_end = 1;
        return 0;
    }
    w->text_len = (size_t)(e - w->text);
    w->after = e + 2;
    return w->cs_len > 0 && w->cs_len < 64;
}

typedef struct {
    ks_buf *raw;        /* decoded bytes of pending words, one charset */
    char cs[64];        /* their charset, "" if nothing pending */
    ks_buf *out;
} hdr_state;

static ks_status flush_words(hdr_state *h)
{
    ks_status st = KS_OK;
    if (h->cs[0])
        st = ks_charset_to_utf8(h->cs, h->raw->data, h->raw->len, h->out);
    h->cs[0] = '\0';
    ks_buf_clear(h->raw);
    return st;
}

static ks_status add_word(hdr_state *h, const enc_word *w)
{
    ks_status st = KS_OK;
    if (h->cs[0] && (strlen(h->cs) != w->cs_len ||
                     strncasecmp(h->cs, w->cs, w->cs_len)))
        st = flush_words(h);
    if (st != KS_OK)
        return st;
    memcpy(h->cs, w->cs, w->cs_len);
    h->cs[w->cs_len] = '\0';
    if (w->b)
        return ks_codec_base64_decode(w->text, w->text_len, h->raw);
    return ks_codec_qp_decode(w->text, w->text_len, 1, h->raw);
}

static int all_blank(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
        n--;
    }
    return n == 0;
}

/* Literal text between words: dropped if only blanks between two words. */
static ks_status add_literal(hdr_state *h, const char *p, size_t n, int between)
{
    ks_status st;
    if (between && all_blank(p, n))
        return KS_OK;
    st = flush_words(h);
    if (st == KS_OK && n)
        st = ks_charset_to_utf8(NULL, p, n, h->out);
    return st;
}

ks_status ks_codec_decode_header(const char *in, size_t len, ks_buf *tmp,
                                 ks_buf *out)
{
    const char *pos = in, *end = in + len, *q = in;
    ks_buf local = {0};
    hdr_state h = {tmp ? tmp : &local, "", out};
    enc_word w;
    int no_end = 0, after_word = 0;
    ks_status st = ks_buf_reserve(out, len);
    ks_buf_clear(h.raw);
    while (st == KS_OK && !no_end &&
           (q = memmem(q, (size_t)(end - q), "=?", 2)) != NULL) {
        if (!parse_word(q, end, &w, &no_end)) {
            q += 2;
            continue;
        }
        st = add_literal(&h, pos, (size_t)(q - pos), after_word);
        if (st == KS_OK)
            st = add_word(&h, &w);
        pos = q = w.after;
        after_word = 1;
    }
    if (st == KS_OK)
        st = add_literal(&h, pos, (size_t)(end - pos), 0);
    ks_buf_free(&local);
    return st;
}
