/* spill.c - the append-only temporary file (see spill.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "spill.h"
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/fileio.h"

struct ks_spill {
    int fd;
    uint64_t flushed;   /* bytes in the file */
    ks_buf w;           /* bytes not yet written */
    const char *what;   /* for error details */
};

ks_status ks_spill_new(ks_spill **out, const char *what)
{
    ks_spill *s;
    ks_status st;
    *out = NULL;
    if (!(s = ks_calloc(1, sizeof *s)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the %s", what);
    s->what = what;
    if ((st = ks_temp_file(what, &s->fd)) != KS_OK) {
        ks_free(s);
        return st;
    }
    *out = s;
    return KS_OK;
}

void ks_spill_free(ks_spill *s)
{
    if (!s)
        return;
    close(s->fd);
    ks_buf_free(&s->w);
    ks_free(s);
}

static ks_status write_all(ks_spill *s, const void *p, size_t n)
{
    ks_status st = ks_temp_io(s->fd, (void *)p, n, s->flushed, 1, s->what);
    if (st == KS_OK)
        s->flushed += n;
    return st;
}

ks_status ks_spill_write(ks_spill *s, const void *p, size_t n)
{
    ks_status st;
    if (s->w.len + n > KS_SPILL_BUF && s->w.len) {
        st = write_all(s, s->w.data, s->w.len);
        ks_buf_clear(&s->w);
        if (st != KS_OK)
            return st;
    }
    if (n >= KS_SPILL_BUF)   /* large: straight to the file */
        return write_all(s, p, n);
    if (!s->w.cap && (st = ks_buf_reserve(&s->w, KS_SPILL_BUF)) != KS_OK)
        return st;
    return ks_buf_append(&s->w, p, n);
}

ks_status ks_spill_flush(ks_spill *s)
{
    ks_status st = s->w.len ? write_all(s, s->w.data, s->w.len) : KS_OK;
    ks_buf_free(&s->w);
    return st;
}

uint64_t ks_spill_size(const ks_spill *s) { return s->flushed + s->w.len; }

void ks_spill_reader_start(ks_spill_reader *r, const ks_spill *s)
{
    memset(r, 0, sizeof *r);
    r->s = s;
}

void ks_spill_reader_end(ks_spill_reader *r)
{
    ks_free(r->buf);
    memset(r, 0, sizeof *r);
}

ks_status ks_spill_read(ks_spill_reader *r, size_t n, const unsigned char **p)
{
    uint64_t end = r->s->flushed;
    size_t want;
    ks_status st;
    if (!n) {
        *p = r->buf;
        return KS_OK;
    }
    if (r->pos == end)
        return KS_DONE;
    if (n > end - r->pos)
        return ks_fail(KS_ERR_IO, "the %s file ends inside a record", r->s->what);
    if (r->pos < r->bpos || r->pos + n > r->bpos + r->blen) {   /* refill from pos */
        want = end - r->pos < KS_SPILL_BUF ? (size_t)(end - r->pos) : KS_SPILL_BUF;
        if (want < n)
            want = n;
        if (want > r->cap) {
            unsigned char *b = ks_realloc(r->buf, want);
            if (!b)
                return ks_fail(KS_ERR_NOMEM, "out of memory reading the %s file", r->s->what);
            r->buf = b;
            r->cap = want;
        }
        r->bpos = r->pos;
        r->blen = 0;
        if ((st = ks_temp_io(r->s->fd, r->buf, want, r->pos, 0, r->s->what)) != KS_OK)
            return st;
        r->blen = want;
    }
    *p = r->buf + (r->pos - r->bpos);
    r->pos += n;
    return KS_OK;
}
