/* csv.c - streaming RFC 4180 reader (see csv.h for the accepted syntax).
 *
 * A byte-driven state machine over the stream's buffer, with bulk copies of
 * ordinary runs (text in a quoted field is found with memchr for '"', which
 * is where a spam CSV spends nearly all its bytes):
 *
 *   BEFORE  --'\n' '\r'--> BEFORE            (empty line, skipped)
 *   BEFORE/START --'"'--> QUOTED   --','--> START   --EOL--> record ends
 *   BEFORE/START --other--> UNQUOTED --','--> START --EOL--> record ends
 *   QUOTED  --'"'--> QQUOTE  --'"'--> QUOTED (one '"' kept)
 *   QQUOTE  --','/EOL--> field/record ends, --other--> UNQUOTED (kept)
 *
 * EOL is '\n', '\r\n' or a lone '\r'; a '\r' ending a record sets
 * cr_pending so that a following '\n' is swallowed, even across calls.
 * Fields are stored back to back in one buffer, each NUL-terminated, with
 * their start offsets in offs[], so a record costs no allocation once the
 * buffer has grown to the largest record.
 */
#include <string.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/csv.h"

enum { BEFORE, START, UNQUOTED, QUOTED, QQUOTE };

struct ks_csv {
    ks_instream *in;     /* not owned */
    size_t max_field;    /* bytes per field */
    ks_buf data;         /* kept fields, each followed by '\0' */
    size_t *offs;        /* offs[i]: start of field i in data */
    size_t nfields;      /* fields seen in this record */
    size_t kept;         /* fields stored (<= KS_CSV_MAX_FIELDS) */
    size_t field_len;    /* bytes of the current field so far */
    int dropping;        /* current field is over a limit: not stored */
    int oversize;        /* some field of this record broke a limit */
    int state;
    int cr_pending;      /* last byte was a '\r' that ended a line */
    int bom_done;        /* the BOM check at file start was done */
    long line;           /* 1-based line of the next byte */
    long rec_line;       /* line where the current record started */
};

ks_status ks_csv_new(ks_csv **out, ks_instream *in, size_t max_field)
{
    ks_csv *c;
    *out = NULL;
    c = ks_calloc(1, sizeof *c);
    if (!c)
        return ks_fail(KS_ERR_NOMEM, "out of memory for a CSV reader");
    c->offs = ks_malloc(KS_CSV_MAX_FIELDS * sizeof *c->offs);
    if (!c->offs) {
        ks_free(c);
        return ks_fail(KS_ERR_NOMEM, "out of memory for a CSV reader");
    }
    c->in = in;
    c->max_field = max_field;
    c->line = 1;
    *out = c;
    return KS_OK;
}

void ks_csv_free(ks_csv *c)
{
    if (!c)
        return;
    ks_buf_free(&c->data);
    ks_free(c->offs);
    ks_free(c);
}

static void field_begin(ks_csv *c)
{
    c->field_len = 0;
    c->dropping = c->kept >= KS_CSV_MAX_FIELDS;
    if (c->dropping)
        c->oversize = 1;
    else
        c->offs[c->kept] = c->data.len;
}

static ks_status field_add(ks_csv *c, const char *p, size_t n)
{
    if (c->dropping)
        return KS_OK;
    if (n > c->max_field - c->field_len) {
        c->dropping = 1;
        c->oversize = 1;
        c->data.len = c->offs[c->kept];   /* drop what was kept */
        return KS_OK;
    }
    c->field_len += n;
    return ks_buf_append(&c->data, p, n);
}

static ks_status field_end(ks_csv *c)
{
    c->nfields++;
    if (c->kept >= KS_CSV_MAX_FIELDS)
        return KS_OK;
    c->kept++;
    return ks_buf_putc(&c->data, '\0');
}

/* Length of the run of p[0..n) holding no ',', '"', '\r' or '\n'. */
static size_t plain_run(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != ',' && p[i] != '"' && p[i] != '\n' && p[i] != '\r')
        i++;
    return i;
}

/* Inside a quoted field: copies up to the next '"' and counts lines. */
static ks_status quoted_run(ks_csv *c, const char *p, size_t n, size_t *used)
{
    const char *q = memchr(p, '"', n);
    size_t k = q ? (size_t)(q - p) : n;
    const char *nl = p;
    while ((nl = memchr(nl, '\n', k - (size_t)(nl - p))) != NULL) {
        c->line++;
        nl++;
    }
    *used = q ? k + 1 : k;
    if (q)
        c->state = QQUOTE;
    return field_add(c, p, k);
}

/* One byte in state START/UNQUOTED/QQUOTE/BEFORE that is not ordinary text.
 * Returns 1 when the record ended, 0 to go on, < 0 on error. */
static int special(ks_csv *c, char ch)
{
    ks_status rc = KS_OK;
    if (ch == '\n' || ch == '\r') {
        c->line++;
        c->cr_pending = ch == '\r';
        if (c->state == BEFORE)
            return 0;                   /* empty line */
        if ((rc = field_end(c)) != KS_OK)
            return rc;
        return 1;
    }
    if (c->state == BEFORE) {
        c->rec_line = c->line;
        c->state = START;
        field_begin(c);
    }
    if (ch == ',') {
        if ((rc = field_end(c)) == KS_OK)
            field_begin(c);
        c->state = START;
    } else if (ch == '"' && c->state == START) {
        c->state = QUOTED;
    } else if (ch == '"' && c->state == QQUOTE) {
        c->state = QUOTED;              /* "" inside quotes */
        rc = field_add(c, "\"", 1);
    } else {
        c->state = UNQUOTED;
        rc = field_add(c, &ch, 1);
    }
    return rc == KS_OK ? 0 : rc;
}

/* Parses p[0..n); *used = bytes taken. 1: record complete, 0: need more. */
static int step(ks_csv *c, const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    int r = 0;
    while (i < n && r == 0) {
        size_t k;
        if (c->cr_pending) {            /* the '\n' of a "\r\n" line end */
            c->cr_pending = 0;
            if (p[i] == '\n')
                i++;
            continue;
        }
        if (c->state == QUOTED) {
            ks_status rc = quoted_run(c, p + i, n - i, &k);
            if (rc != KS_OK)
                return rc;
            i += k;
            continue;
        }
        k = c->state == UNQUOTED ? plain_run(p + i, n - i) : 0;
        if (k) {
            if ((r = field_add(c, p + i, k)) != KS_OK)
                return r;
            i += k;
            continue;
        }
        r = special(c, p[i++]);
    }
    *used = i;
    return r;
}

static ks_status at_eof(ks_csv *c)
{
    ks_status rc;
    if (c->state == BEFORE)
        return KS_DONE;
    if (c->state == QUOTED)
        return ks_fail(KS_ERR_FORMAT,
                       "%s:%ld: quoted field never closed (record starts here)",
                       ks_instream_path(c->in), c->rec_line);
    if ((rc = field_end(c)) != KS_OK)
        return rc;
    c->state = BEFORE;
    return KS_OK;
}

static ks_status skip_bom(ks_csv *c)
{
    const char *p;
    size_t n;
    ks_status rc = ks_instream_fill(c->in, 3, &p, &n);
    c->bom_done = 1;
    if (rc == KS_OK && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        ks_instream_consume(c->in, 3);
    return rc == KS_DONE ? KS_OK : rc;
}

ks_status ks_csv_next(ks_csv *c)
{
    ks_status rc;
    ks_buf_clear(&c->data);
    c->nfields = c->kept = 0;
    c->oversize = 0;
    c->state = BEFORE;
    if (!c->bom_done && (rc = skip_bom(c)) != KS_OK)
        return rc;
    for (;;) {
        const char *p;
        size_t n, used = 0;
        int r;
        rc = ks_instream_fill(c->in, 1, &p, &n);
        if (rc == KS_DONE)
            return at_eof(c);
        if (rc != KS_OK)
            return rc;
        r = step(c, p, n, &used);
        ks_instream_consume(c->in, used);
        if (r < 0)
            return (ks_status)r;
        if (r == 1) {
            c->state = BEFORE;
            return KS_OK;
        }
    }
}

size_t ks_csv_nfields(const ks_csv *c) { return c->nfields; }

const char *ks_csv_field(const ks_csv *c, size_t i, size_t *len)
{
    size_t start, end;
    if (i >= c->kept) {
        if (len)
            *len = 0;
        return "";
    }
    start = c->offs[i];
    end = i + 1 < c->kept ? c->offs[i + 1] - 1 : c->data.len - 1;
    if (len)
        *len = end - start;
    return c->data.data + start;
}

long ks_csv_line(const ks_csv *c) { return c->rec_line; }
int ks_csv_oversize(const ks_csv *c) { return c->oversize; }
