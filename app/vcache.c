/* vcache.c - the pass cache (see vcache.h for the contract).
 *
 * File layout (private to this process, host byte order): records back to
 * back, each a u32 payload size L, a u8 flags (bit 0 label, bit 1
 * skipped) and L bytes: the encoded vector, or for a skip an i64 line and
 * "file\0detail\0". start[i], end[i] bound the records of list entry i
 * (start[i] == NONE: it has none).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vcache.h"
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/fileio.h"

#define NONE UINT64_MAX
#define HEAD 5u   /* u32 size, u8 flags */

struct ks_vcache {
    int fd;
    size_t files;
    uint64_t *start, *end;   /* per list entry: its records' byte range */
    size_t last;             /* entry being appended to; files: none */
    uint64_t size;           /* bytes of records added */
    uint64_t records;
    ks_buf w;                /* records not yet written */
    /* replay */
    const size_t *order;
    size_t next_file;        /* index into order */
    uint64_t pos, stop;      /* the current entry's unread byte range */
    uint64_t done;           /* bytes replayed this pass */
    unsigned char *r;        /* read buffer: file bytes [rpos, rpos + rlen) */
    size_t rcap, rlen;
    uint64_t rpos;
};

ks_status ks_vcache_new(ks_vcache **out, size_t files)
{
    ks_vcache *c;
    ks_status st;
    *out = NULL;
    if (!(c = ks_calloc(1, sizeof *c)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the pass cache");
    c->fd = -1;
    c->files = files;
    c->last = files;
    c->start = ks_malloc((files ? files : 1) * sizeof *c->start);
    c->end = ks_calloc(files ? files : 1, sizeof *c->end);
    if (!c->start || !c->end) {
        ks_vcache_free(c);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the pass cache");
    }
    for (size_t i = 0; i < files; i++)
        c->start[i] = NONE;
    if ((st = ks_temp_file("pass cache", &c->fd)) != KS_OK) {
        ks_vcache_free(c);
        return st;
    }
    *out = c;
    return KS_OK;
}

void ks_vcache_free(ks_vcache *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    ks_free(c->start);
    ks_free(c->end);
    ks_buf_free(&c->w);
    ks_free(c->r);
    ks_free(c);
}

static ks_status write_all(ks_vcache *c, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t k = write(c->fd, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return ks_fail(KS_ERR_IO, "cannot write the pass cache: %s",
                           k < 0 ? strerror(errno) : "no progress");
        s += k;
        n -= (size_t)k;
    }
    return KS_OK;
}

/* Writes what is buffered, keeping the buffer for more. */
static ks_status flush(ks_vcache *c)
{
    ks_status st = c->w.len ? write_all(c, c->w.data, c->w.len) : KS_OK;
    ks_buf_clear(&c->w);
    return st;
}

/* The write buffer is not needed once the cache is sealed: freeing it
 * takes its megabyte off the later passes' peak memory. */
ks_status ks_vcache_seal(ks_vcache *c)
{
    ks_status st = flush(c);
    ks_buf_free(&c->w);
    return st;
}

/* Appends one record: header, then a and b (b may be empty). */
static ks_status append(ks_vcache *c, size_t source, unsigned flags, const void *a,
                        size_t alen, const void *b, size_t blen)
{
    unsigned char head[HEAD];
    uint32_t len;
    ks_status st;
    if (source >= c->files)
        return ks_fail(KS_ERR_USAGE, "pass cache: file %zu of %zu", source, c->files);
    if (alen + blen > UINT32_MAX - HEAD)
        return ks_fail(KS_ERR_IO, "pass cache: a record of %zu bytes is too large",
                       alen + blen);
    if (source != c->last) {
        if (c->start[source] != NONE)
            return ks_fail(KS_ERR_USAGE, "pass cache: records of file %zu are not together",
                           source);
        c->start[source] = c->size;
        c->last = source;
    }
    len = (uint32_t)(alen + blen);
    memcpy(head, &len, 4);
    head[4] = (unsigned char)flags;
    if (c->w.len && c->w.len + HEAD + len > KS_VCACHE_BUF && (st = flush(c)) != KS_OK)
        return st;
    if (HEAD + (size_t)len > KS_VCACHE_BUF) {   /* large: straight through */
        if ((st = write_all(c, head, HEAD)) != KS_OK || (st = write_all(c, a, alen)) != KS_OK ||
            (st = write_all(c, b, blen)) != KS_OK)
            return st;
    } else {
        /* exactly KS_VCACHE_BUF bytes (reserve adds one for a NUL that is
         * never written here; one more would double it) */
        if (!c->w.cap && (st = ks_buf_reserve(&c->w, KS_VCACHE_BUF - 1)) != KS_OK)
            return st;
        memcpy(c->w.data + c->w.len, head, HEAD);
        if (alen)
            memcpy(c->w.data + c->w.len + HEAD, a, alen);
        if (blen)
            memcpy(c->w.data + c->w.len + HEAD + alen, b, blen);
        c->w.len += HEAD + len;
    }
    c->size += HEAD + len;
    c->end[source] = c->size;
    c->records++;
    return KS_OK;
}

ks_status ks_vcache_add(ks_vcache *c, size_t source, int label, const void *vec, size_t len)
{
    return append(c, source, label ? 1u : 0u, vec, len, NULL, 0);
}

ks_status ks_vcache_add_skip(ks_vcache *c, size_t source, int label, const char *file,
                             long line, const char *detail)
{
    ks_buf b = {0};
    int64_t l = line;
    ks_status st = ks_buf_append(&b, &l, sizeof l);
    if (st == KS_OK)
        st = ks_buf_append(&b, file ? file : "", strlen(file ? file : "") + 1);
    if (st == KS_OK)
        st = ks_buf_append(&b, detail ? detail : "", strlen(detail ? detail : "") + 1);
    if (st == KS_OK)
        st = append(c, source, (label ? 1u : 0u) | 2u, b.data, b.len, NULL, 0);
    ks_buf_free(&b);
    return st;
}

ks_status ks_vcache_rewind(ks_vcache *c, const size_t *order)
{
    c->order = order;
    c->next_file = 0;
    c->pos = c->stop = 0;
    c->done = 0;
    c->rlen = 0;
    return KS_OK;
}

/* Makes file bytes [pos, pos + n) readable in the buffer, reading ahead
 * up to the end of the current entry's records. */
static ks_status have(ks_vcache *c, uint64_t pos, size_t n)
{
    size_t want;
    ks_status st;
    if (pos >= c->rpos && pos + n <= c->rpos + c->rlen)
        return KS_OK;
    want = c->stop - pos < KS_VCACHE_BUF ? (size_t)(c->stop - pos) : KS_VCACHE_BUF;
    if (want < n)
        want = n;
    if (want > c->rcap) {
        unsigned char *r = ks_realloc(c->r, want);
        if (!r)
            return ks_fail(KS_ERR_NOMEM, "out of memory reading the pass cache");
        c->r = r;
        c->rcap = want;
    }
    c->rpos = pos;
    c->rlen = 0;
    if ((st = ks_temp_io(c->fd, c->r, want, pos, 0, "pass cache")) != KS_OK)
        return st;
    c->rlen = want;
    return KS_OK;
}

ks_status ks_vcache_next(ks_vcache *c, ks_vcache_rec *r)
{
    const unsigned char *p;
    uint32_t len;
    ks_status st;
    while (c->pos == c->stop) {   /* the next file that has records */
        size_t s;
        if (c->next_file >= c->files)
            return KS_DONE;
        s = c->order[c->next_file++];
        if (s < c->files && c->start[s] != NONE) {
            c->pos = c->start[s];
            c->stop = c->end[s];
        }
    }
    if ((st = have(c, c->pos, HEAD)) != KS_OK)
        return st;
    memcpy(&len, c->r + (c->pos - c->rpos), 4);
    if (len > c->stop - c->pos - HEAD)
        return ks_fail(KS_ERR_IO, "pass cache: record at byte %llu is damaged",
                       (unsigned long long)c->pos);
    if ((st = have(c, c->pos, HEAD + (size_t)len)) != KS_OK)
        return st;
    p = c->r + (c->pos - c->rpos);
    r->label = p[4] & 1;
    r->skipped = (p[4] & 2) != 0;
    r->vec = p + HEAD;
    r->len = len;
    r->file = r->detail = "";
    r->line = 0;
    if (r->skipped) {   /* i64 line, "file\0detail\0" (written by add_skip) */
        int64_t l;
        memcpy(&l, p + HEAD, sizeof l);
        r->line = (long)l;
        r->file = (const char *)p + HEAD + sizeof l;
        r->detail = r->file + strlen(r->file) + 1;
        r->vec = NULL;
        r->len = 0;
    }
    c->pos += HEAD + len;
    c->done += HEAD + len;
    return KS_OK;
}

uint64_t ks_vcache_records(const ks_vcache *c) { return c->records; }
uint64_t ks_vcache_size(const ks_vcache *c) { return c->size; }
uint64_t ks_vcache_pos(const ks_vcache *c) { return c->done; }
