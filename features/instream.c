/* instream.c - buffered plain/gzip input (see instream.h for the contract).
 *
 * The buffer holds the delivered-but-unconsumed bytes in [pos, end). A fill
 * that needs more moves them to the front and appends: read(2) for plain
 * files, inflate() straight into the buffer for gzip files, whose compressed
 * input has a smaller buffer of its own (zin). The gzip ratio limit is
 * checked after every inflate() call, so a bomb is stopped within one
 * buffer (256 KiB) of the limit whatever its compression ratio.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "ks/alloc.h"
#include "ks/instream.h"

#define ZIN_SIZE (64u * 1024u)   /* compressed bytes read per read(2) */

struct ks_instream {
    int fd;              /* -1 when closed */
    char *path;          /* ks_strdup'ed name of the open file, or NULL */
    int gzip;            /* the open file is inflated */
    char *buf;           /* delivered bytes live in buf[pos..end) */
    size_t cap;          /* size of buf */
    size_t pos, end;
    int eof;             /* no more bytes will be appended to buf */
    ks_status err;       /* sticky error of the open file, KS_OK if none */
    uint64_t bytes_in;   /* bytes read from the file */
    uint64_t bytes_out;  /* bytes appended to buf (after inflate) */
    uint64_t limit;      /* max bytes_out of a gzip file */
    unsigned char *zin;  /* compressed input buffer (ZIN_SIZE) */
    z_stream z;          /* inflate state, reused across files */
    int z_ready;         /* inflateInit2 done */
    int z_member_end;    /* inflate reported Z_STREAM_END for a member */
    int in_eof;          /* read(2) returned 0 on the compressed file */
};

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return ks_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    ks_free(p);
}

ks_status ks_instream_new(ks_instream **out, size_t bufsize)
{
    ks_instream *s;
    *out = NULL;
    s = ks_calloc(1, sizeof *s);
    if (!s)
        return ks_fail(KS_ERR_NOMEM, "out of memory for an input stream");
    s->cap = bufsize ? bufsize : KS_INSTREAM_BUFSIZE;
    if (s->cap < KS_INSTREAM_MINBUF)
        s->cap = KS_INSTREAM_MINBUF;
    s->buf = ks_malloc(s->cap);
    if (!s->buf) {
        ks_free(s);
        return ks_fail(KS_ERR_NOMEM, "out of memory for an input buffer");
    }
    s->fd = -1;
    *out = s;
    return KS_OK;
}

void ks_instream_close(ks_instream *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    ks_free(s->path);
    s->path = NULL;
    s->pos = s->end = 0;
    s->eof = 1;
    s->err = KS_OK;
}

void ks_instream_free(ks_instream *s)
{
    if (!s)
        return;
    ks_instream_close(s);
    if (s->z_ready)
        inflateEnd(&s->z);
    ks_free(s->zin);
    ks_free(s->buf);
    ks_free(s);
}

/* Prepares the inflate state for a new gzip file. */
static ks_status gz_start(ks_instream *s, uint64_t size, uint32_t ratio)
{
    if (!s->zin && !(s->zin = ks_malloc(ZIN_SIZE)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for a gzip buffer");
    if (!s->z_ready) {
        memset(&s->z, 0, sizeof s->z);
        s->z.zalloc = z_alloc;
        s->z.zfree = z_free;
        if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
            return ks_fail(KS_ERR_NOMEM, "out of memory for zlib");
        s->z_ready = 1;
    } else if (inflateReset(&s->z) != Z_OK) {
        return ks_fail(KS_ERR_NOMEM, "cannot reset zlib");
    }
    s->z.avail_in = 0;
    s->z_member_end = 0;
    s->in_eof = 0;
    if (!ratio || size > UINT64_MAX / ratio)
        s->limit = UINT64_MAX;
    else
        s->limit = size * ratio;
    if (s->limit < KS_INSTREAM_GZ_FLOOR)
        s->limit = KS_INSTREAM_GZ_FLOOR;
    return KS_OK;
}

static int name_is_gz(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

ks_status ks_instream_open(ks_instream *s, const char *path, ks_in_mode mode,
                           uint32_t max_ratio)
{
    struct stat st;
    ks_status rc;
    ks_instream_close(s);
    s->bytes_in = s->bytes_out = 0;
    s->path = ks_strdup(path);
    if (!s->path)
        return ks_fail(KS_ERR_NOMEM, "out of memory opening %s", path);
    /* O_NONBLOCK: a FIFO named by a TREC index would block open() for
     * ever; only regular files are read, and for them the flag is a no-op. */
    s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (s->fd < 0 || fstat(s->fd, &st) != 0) {
        int e = errno;
        ks_instream_close(s);
        return ks_fail(KS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        ks_instream_close(s);
        return ks_fail(KS_ERR_IO, "%s: cannot open: is a folder", path);
    }
    if (!S_ISREG(st.st_mode)) {
        ks_instream_close(s);
        return ks_fail(KS_ERR_IO, "%s: cannot open: not a regular file", path);
    }
    s->gzip = mode == KS_IN_GZIP || (mode == KS_IN_AUTO && name_is_gz(path));
    s->eof = 0;
    if (s->gzip && (rc = gz_start(s, (uint64_t)st.st_size, max_ratio)) != KS_OK) {
        ks_instream_close(s);
        return rc;
    }
    return KS_OK;
}

/* read(2) that retries on EINTR; returns bytes, 0 at EOF, -1 on error. */
static ssize_t read_some(int fd, void *dst, size_t n)
{
    ssize_t r;
    do
        r = read(fd, dst, n);
    while (r < 0 && errno == EINTR);
    return r;
}

static ks_status plain_more(ks_instream *s)
{
    ssize_t r = read_some(s->fd, s->buf + s->end, s->cap - s->end);
    if (r < 0)
        return ks_fail(KS_ERR_IO, "%s: read error: %s", s->path, strerror(errno));
    if (r == 0)
        s->eof = 1;
    s->end += (size_t)r;
    s->bytes_in += (uint64_t)r;
    s->bytes_out += (uint64_t)r;
    return KS_OK;
}

/* Tops up zin (keeping unread input) so inflate has input, or sets in_eof. */
static ks_status gz_read_input(ks_instream *s)
{
    size_t keep = s->z.avail_in;
    ssize_t r;
    if (keep)
        memmove(s->zin, s->z.next_in, keep);
    r = read_some(s->fd, s->zin + keep, ZIN_SIZE - keep);
    if (r < 0)
        return ks_fail(KS_ERR_IO, "%s: read error: %s", s->path, strerror(errno));
    if (r == 0)
        s->in_eof = 1;
    s->bytes_in += (uint64_t)r;
    s->z.next_in = s->zin;
    s->z.avail_in = (uInt)(keep + (size_t)r);
    return KS_OK;
}

/* After a member's end: another member follows (reset) or the data ends.
 * Returns 1 to go on inflating, 0 at the end, < 0 on error. */
static int gz_next_member(ks_instream *s)
{
    while (s->z.avail_in < 2 && !s->in_eof)
        if (gz_read_input(s) != KS_OK)
            return KS_ERR_IO;
    if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b) {
        if (inflateReset(&s->z) != Z_OK)
            return ks_fail(KS_ERR_NOMEM, "cannot reset zlib");
        s->z_member_end = 0;
        return 1;
    }
    s->eof = 1;   /* trailing garbage is ignored, like gzip(1) */
    return 0;
}

/* One inflate() call into the free tail of buf (reading input first if
 * needed). Sets eof at the end of the last member. */
static ks_status gz_more(ks_instream *s)
{
    size_t room = s->cap - s->end, made;
    int zr;
    if (s->z_member_end) {
        int r = gz_next_member(s);
        if (r <= 0)
            return r < 0 ? (ks_status)r : KS_OK;
    }
    if (s->z.avail_in == 0 && !s->in_eof && gz_read_input(s) != KS_OK)
        return KS_ERR_IO;
    s->z.next_out = (Bytef *)s->buf + s->end;
    s->z.avail_out = (uInt)room;
    zr = inflate(&s->z, Z_NO_FLUSH);
    made = room - s->z.avail_out;
    s->end += made;
    s->bytes_out += made;
    if (zr == Z_STREAM_END)
        s->z_member_end = 1;
    else if (zr == Z_MEM_ERROR)
        return ks_fail(KS_ERR_NOMEM, "%s: out of memory in zlib", s->path);
    else if (zr != Z_OK && zr != Z_BUF_ERROR)
        return ks_fail(KS_ERR_FORMAT, "%s: corrupt gzip data (%s)", s->path,
                       s->z.msg ? s->z.msg : "bad stream");
    else if (made == 0 && s->z.avail_in == 0 && s->in_eof)
        return ks_fail(KS_ERR_FORMAT, "%s: truncated gzip data", s->path);
    if (s->bytes_out > s->limit)
        return ks_fail(KS_ERR_LIMIT,
                       "%s: gzip expands past %llu bytes (compression ratio limit)",
                       s->path, (unsigned long long)s->limit);
    return KS_OK;
}

ks_status ks_instream_fill(ks_instream *s, size_t want, const char **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (s->err != KS_OK)
        return s->err;
    if (want == 0)
        want = 1;
    if (want > s->cap)
        want = s->cap;
    if (s->end - s->pos < want && !s->eof) {
        if (s->pos) {
            memmove(s->buf, s->buf + s->pos, s->end - s->pos);
            s->end -= s->pos;
            s->pos = 0;
        }
        while (s->end < want && !s->eof) {
            ks_status rc = s->gzip ? gz_more(s) : plain_more(s);
            if (rc != KS_OK) {
                s->err = rc;
                return rc;
            }
        }
    }
    *p = s->buf + s->pos;
    *n = s->end - s->pos;
    return *n ? KS_OK : KS_DONE;
}

void ks_instream_consume(ks_instream *s, size_t n)
{
    if (n > s->end - s->pos)
        n = s->end - s->pos;
    s->pos += n;
}

ks_status ks_instream_read(ks_instream *s, void *dst, size_t n, size_t *got)
{
    char *d = dst;
    *got = 0;
    while (*got < n) {
        const char *p;
        size_t avail, take;
        ks_status rc = ks_instream_fill(s, 1, &p, &avail);
        if (rc == KS_DONE)
            break;
        if (rc != KS_OK)
            return rc;
        take = avail < n - *got ? avail : n - *got;
        memcpy(d + *got, p, take);
        *got += take;
        ks_instream_consume(s, take);
    }
    return KS_OK;
}

const char *ks_instream_path(const ks_instream *s) { return s->path ? s->path : ""; }
uint64_t ks_instream_bytes_in(const ks_instream *s) { return s->bytes_in; }
uint64_t ks_instream_bytes_out(const ks_instream *s) { return s->bytes_out; }
int ks_instream_is_gzip(const ks_instream *s) { return s->gzip; }

ks_status ks_instream_read_line(ks_instream *s, size_t max, ks_buf *line, int *too_long)
{
    int any = 0;
    ks_buf_clear(line);
    *too_long = 0;
    for (;;) {
        const char *p, *nl;
        size_t n, k;
        ks_status rc = ks_instream_fill(s, 1, &p, &n);
        if (rc == KS_DONE)
            return any ? KS_OK : KS_DONE;
        if (rc != KS_OK)
            return rc;
        any = 1;
        nl = memchr(p, '\n', n);
        k = nl ? (size_t)(nl - p) : n;
        if (*too_long || line->len + k > max) {
            *too_long = 1;
            ks_buf_clear(line);
        } else if ((rc = ks_buf_append(line, p, k)) != KS_OK) {
            return rc;
        }
        ks_instream_consume(s, nl ? k + 1 : k);
        if (nl)
            return KS_OK;
    }
}
