/* mbox.c - mbox splitting over a stream (see mbox.h for the rules).
 *
 * The stream is consumed one line at a time (a line may span many buffer
 * fills). Every line goes to the message buffer; its first bytes also go to
 * `head`, so that when the line ends we can tell whether it is a From_ line
 * without caring whether the message buffer is still being kept. When a
 * From_ line ends the current message, it is taken back out of the message
 * buffer and kept in `head` as the start of the next one ("pending").
 *
 * Memory: the message buffer keeps at most max_message plus one From_ line;
 * past that the message is marked oversize and only counted.
 */
#include <string.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/mbox.h"

#define HEAD_CAP (KS_MBOX_FROM_MAX + 2)   /* a From_ line with its CRLF */

struct ks_mbox {
    ks_instream *in;        /* not owned */
    size_t max;             /* bytes of one message */
    ks_buf msg;             /* bytes of the current message (unless dropping) */
    size_t total;           /* bytes of the current message, kept or not */
    int dropping;           /* over the limit: bytes are only counted */
    char head[HEAD_CAP];    /* first bytes of the current line */
    size_t head_len;
    int head_over;          /* the current line is longer than HEAD_CAP */
    size_t line_len;        /* bytes of the current line so far, with EOL */
    int pending;            /* head holds the From_ line of the next message */
    long pending_line;      /* its line number */
    long line;              /* 1-based number of the current line */
    int at_end;             /* the stream is exhausted */
};

ks_status ks_mbox_new(ks_mbox **out, ks_instream *in, size_t max_message)
{
    ks_mbox *m = ks_calloc(1, sizeof *m);
    *out = NULL;
    if (!m)
        return ks_fail(KS_ERR_NOMEM, "out of memory for an mbox reader");
    m->in = in;
    m->max = max_message;
    m->line = 1;
    *out = m;
    return KS_OK;
}

void ks_mbox_free(ks_mbox *m)
{
    if (!m)
        return;
    ks_buf_free(&m->msg);
    ks_free(m);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int ks_mbox_is_from_line(const char *s, size_t len)
{
    int has_time = 0, has_year = 0;
    size_t i, run = 0;
    if (len < 5 || len > KS_MBOX_FROM_MAX || memcmp(s, "From ", 5) != 0)
        return 0;
    for (i = 5; i < len; i++) {
        if (i + 2 < len && s[i] == ':' && is_digit(s[i - 1]) && is_digit(s[i + 1])
            && is_digit(s[i + 2]))
            has_time = 1;
        run = is_digit(s[i]) ? run + 1 : 0;
        if (run == 4 && (i + 1 == len || !is_digit(s[i + 1])) && s[i - 4] != ':')
            has_year = 1;
    }
    return has_time && has_year;
}

/* Adds a piece of the current line to the message. Keeps room for one
 * From_ line past max, so a message ending at the limit is still whole. */
static ks_status msg_add(ks_mbox *m, const char *p, size_t n)
{
    m->total += n;
    if (m->dropping)
        return KS_OK;
    if (m->msg.len + n > m->max + HEAD_CAP) {
        m->dropping = 1;
        ks_buf_clear(&m->msg);
        return KS_OK;
    }
    return ks_buf_append(&m->msg, p, n);
}

static void head_add(ks_mbox *m, const char *p, size_t n)
{
    if (m->head_over || n > HEAD_CAP - m->head_len) {
        m->head_over = 1;
        return;
    }
    memcpy(m->head + m->head_len, p, n);
    m->head_len += n;
}

/* The current line has ended. Returns 1 when it is a From_ line that ends
 * the message being read (it then becomes pending), else 0. */
static int line_done(ks_mbox *m)
{
    size_t len = m->head_len;
    int from;
    if (len && m->head[len - 1] == '\n')
        len--;
    if (len && m->head[len - 1] == '\r')
        len--;
    from = !m->head_over && ks_mbox_is_from_line(m->head, len);
    if (from && m->total > m->line_len) {
        m->total -= m->line_len;
        if (!m->dropping)
            m->msg.len -= m->line_len;
        m->pending = 1;
        m->pending_line = m->line;
    }
    m->line++;
    m->line_len = 0;
    if (m->pending)
        return 1;
    m->head_len = 0;
    m->head_over = 0;
    return 0;
}

/* Starts a message, with the pending From_ line if there is one. */
static ks_status msg_start(ks_mbox *m, long *line)
{
    ks_buf_clear(&m->msg);
    m->total = 0;
    m->dropping = 0;
    *line = m->line;
    if (!m->pending)
        return KS_OK;
    m->pending = 0;
    *line = m->pending_line;
    m->total = 0;
    ks_status rc = msg_add(m, m->head, m->head_len);
    m->head_len = 0;
    m->head_over = 0;
    return rc;
}

static void msg_out(ks_mbox *m, const char **data, size_t *len, int *oversize)
{
    *oversize = m->total > m->max;
    *len = m->total;
    if (*oversize) {
        *data = "";
        return;
    }
    if (m->msg.data)
        m->msg.data[m->msg.len] = '\0';
    *data = m->msg.data ? m->msg.data : "";
}

ks_status ks_mbox_next(ks_mbox *m, const char **data, size_t *len, long *line,
                       int *oversize)
{
    ks_status rc;
    *data = "";
    *len = 0;
    *oversize = 0;
    *line = 0;
    if (m->at_end && !m->pending)
        return KS_DONE;
    if ((rc = msg_start(m, line)) != KS_OK)
        return rc;
    for (;;) {
        const char *p, *nl;
        size_t n, k;
        rc = ks_instream_fill(m->in, 1, &p, &n);
        if (rc == KS_DONE) {
            m->at_end = 1;
            if (m->total == 0)
                return KS_DONE;
            break;
        }
        if (rc != KS_OK)
            return rc;
        nl = memchr(p, '\n', n);
        k = nl ? (size_t)(nl - p) + 1 : n;
        if ((rc = msg_add(m, p, k)) != KS_OK)
            return rc;
        head_add(m, p, k);
        m->line_len += k;
        ks_instream_consume(m->in, k);
        if (nl && line_done(m))
            break;
    }
    msg_out(m, data, len, oversize);
    return KS_OK;
}

int ks_mbox_at_end(const ks_mbox *m) { return m->at_end && !m->pending; }
