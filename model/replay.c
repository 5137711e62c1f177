/* replay.c - the model's replay reservoir (see model.h).
 *
 * Algorithm R: the k-th example offered (k from 1) fills a free slot while
 * there is one, else replaces slot j with probability cap/k, j uniform.
 * After any number of offers the reservoir is a uniform sample of all of
 * them, across sessions, because the count and the generator state are
 * saved with the model.
 *
 * Examples are kept in the compact form of ks_fvec_encode (features.h),
 * in memory and in model.bin; after ks_model_replay_spill (training) in
 * an unlinked temporary file instead of memory, the same layout (the
 * "arena" below is then that file, written and read back through
 * 256 KiB buffers: the kernel's page cache, not the process's memory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/fileio.h"
#include "model_internal.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Arena layout: entries back to back, each a u32 slot index, a u32 length
 * L and L bytes. An entry is live while its slot still points at it; a
 * replaced example's entry is dead until a compaction, which walks the
 * arena once and moves the live entries down (the header says whose slot
 * to update and how far to skip). Compaction runs when the arena is full;
 * afterwards at least an eighth of it is free (the arena grows if not), so
 * it moves at most about 8 bytes per byte offered. The arena is one
 * block, so peak memory is the live examples plus that slack, whatever
 * the number of replacements (per-example blocks fragmented the heap). */
#define HDR 8u

/* The arena in a file. One pread or pwrite per example was most of a
 * training run's system calls (two pwrites per offer, one pread per
 * example saved or rehearsed), so appends gather in a buffer and reads
 * that walk the file in order take it a block at a time. Memory stays
 * about two blocks (plus the largest example), whatever the data.
 *
 * File bytes [0, wpos) are written; [wpos, wpos + wlen) are the pending
 * appends in w, and wpos + wlen is always the model's arena_used. An
 * entry is never split between the two (a flush writes all of w), so an
 * example whose header is at or past wpos is read from w. */
struct ks_replay_file {
    int fd;
    unsigned char *buf;   /* file bytes [rpos, rpos + rlen): an example read
                             back (ks_model_replay_encoded) or a block read
                             ahead or walked by a compaction */
    size_t cap;           /* bytes allocated at buf */
    size_t rpos, rlen;    /* rlen 0: buf holds nothing reusable */
    size_t next;          /* end of the last example read: a read of the
                             next entry is sequential and reads ahead */
    unsigned char *w;     /* pending appends (FILE_BLOCK bytes, lazily) */
    size_t wpos, wlen;
};

/* A file's arena is compacted when its dead bytes are over half of it
 * (and over this): each byte is then moved about once on average. */
#define FILE_COMPACT ((size_t)1 << 20)

/* The write buffer, and the read-ahead block: a syscall per 256 KiB, as
 * the pass cache and the calibration log do (KS_VCACHE_BUF, KS_SPILL_BUF);
 * 1 MiB saved no time that could be measured and cost spam-update 2 MiB of
 * peak RSS. */
#define FILE_BLOCK ((size_t)1 << 18)

void ks_model_replay_free(ks_model *m)
{
    ks_free(m->replay);
    ks_free(m->replay_arena);
    if (m->rfile) {
        close(m->rfile->fd);
        ks_free(m->rfile->buf);
        ks_free(m->rfile->w);
        ks_free(m->rfile);
    }
    m->rfile = NULL;
    m->replay = NULL;
    m->replay_arena = NULL;
    m->nreplay = 0;
    m->arena_used = m->arena_cap = m->arena_dead = 0;
}

static void compact(ks_model *m)
{
    size_t src = 0, dst = 0;
    while (src < m->arena_used) {
        uint32_t slot, len;
        memcpy(&slot, m->replay_arena + src, 4);
        memcpy(&len, m->replay_arena + src + 4, 4);
        if (slot < m->nreplay && m->replay[slot].off == src + HDR) {
            if (dst != src)
                memmove(m->replay_arena + dst, m->replay_arena + src, HDR + (size_t)len);
            m->replay[slot].off = dst + HDR;
            dst += HDR + (size_t)len;
        }
        src += HDR + (size_t)len;
    }
    m->arena_used = dst;
    m->arena_dead = 0;
}

static ks_status file_io(int fd, void *p, size_t n, size_t off, int wr)
{
    return ks_temp_io(fd, p, n, off, wr, "replay reservoir");
}

static ks_status file_buf(struct ks_replay_file *f, size_t n)
{
    unsigned char *b;
    if (n <= f->cap)
        return KS_OK;
    if (!(b = ks_realloc(f->buf, n)))
        return ks_fail(KS_ERR_NOMEM, "out of memory reading the replay reservoir");
    f->buf = b;
    f->cap = n;
    return KS_OK;
}

/* Makes file bytes [pos, pos + n) readable at buf + (pos - rpos): a hit
 * in buf, else one read from pos of n bytes, or with ahead up to a block
 * (within end, the bytes written). */
static ks_status window(struct ks_replay_file *f, size_t pos, size_t n, size_t end, int ahead)
{
    size_t want = n;
    ks_status st;
    if (f->rlen && pos >= f->rpos && pos + n <= f->rpos + f->rlen)
        return KS_OK;
    if (n > end - pos)   /* a length read back from the file */
        return ks_fail(KS_ERR_IO, "the replay reservoir file is damaged at byte %zu", pos);
    if (ahead && want < FILE_BLOCK)
        want = end - pos < FILE_BLOCK ? end - pos : FILE_BLOCK;
    if ((st = file_buf(f, want ? want : 1)) != KS_OK)
        return st;
    f->rlen = 0;
    if ((st = file_io(f->fd, f->buf, want, pos, 0)) != KS_OK)
        return st;
    f->rpos = pos;
    f->rlen = want;
    return KS_OK;
}

/* Writes the pending appends. On failure they stay pending (and the
 * model unchanged): a later flush writes them again. */
static ks_status flush(struct ks_replay_file *f)
{
    ks_status st;
    if (f->wlen && (st = file_io(f->fd, f->w, f->wlen, f->wpos, 1)) != KS_OK)
        return st;
    f->wpos += f->wlen;
    f->wlen = 0;
    return KS_OK;
}

/* Appends an entry: its header hdr, then len bytes of data (which may
 * follow hdr in memory, data == hdr + HDR). */
static ks_status append(struct ks_replay_file *f, const void *hdr, const void *data, size_t len)
{
    size_t n = HDR + len;
    ks_status st;
    if (f->wlen + n > FILE_BLOCK && (st = flush(f)) != KS_OK)
        return st;
    if (n > FILE_BLOCK) {   /* larger than the buffer: straight to the file */
        if ((st = file_io(f->fd, (void *)hdr, HDR, f->wpos, 1)) != KS_OK ||
            (len && (st = file_io(f->fd, (void *)data, len, f->wpos + HDR, 1)) != KS_OK))
            return st;
        f->wpos += n;
        return KS_OK;
    }
    if (!f->w && !(f->w = ks_malloc(FILE_BLOCK)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    memcpy(f->w + f->wlen, hdr, HDR);
    if (len)
        memmove(f->w + f->wlen + HDR, data, len);
    f->wlen += n;
    return KS_OK;
}

/* compact() for an arena in a file: walks it a block at a time and
 * appends the live entries again from offset 0 through the write buffer
 * (a write never reaches bytes not yet read: the live bytes before an
 * entry are at most the bytes before it). The live entries before the
 * first dead one stay where they are. On KS_ERR_IO the reservoir is left
 * unusable; training stops on it. */
static ks_status compact_file(ks_model *m)
{
    struct ks_replay_file *f = m->rfile;
    size_t src = 0, dst = 0;
    ks_status st;
    if ((st = flush(f)) != KS_OK)
        return st;
    f->rlen = f->next = 0;
    f->wpos = 0;   /* appends start over at dst */
    while (src < m->arena_used) {
        uint32_t slot, len;
        if ((st = window(f, src, HDR, m->arena_used, 1)) != KS_OK)
            return st;
        memcpy(&slot, f->buf + (src - f->rpos), 4);
        memcpy(&len, f->buf + (src - f->rpos) + 4, 4);
        if (slot < m->nreplay && m->replay[slot].off == src + HDR) {
            if (dst == src) {
                f->wpos = dst + HDR + (size_t)len;   /* in place, nothing pending */
            } else {
                const unsigned char *p;
                if ((st = window(f, src, HDR + (size_t)len, m->arena_used, 1)) != KS_OK)
                    return st;
                p = f->buf + (src - f->rpos);
                if ((st = append(f, p, p + HDR, len)) != KS_OK)
                    return st;
            }
            m->replay[slot].off = dst + HDR;
            dst += HDR + (size_t)len;
        }
        src += HDR + (size_t)len;
    }
    m->arena_used = dst;
    m->arena_dead = 0;
    f->rlen = 0;
    /* gives the pages back (the pending tail is written later); harmless if not */
    if (ftruncate(f->fd, (off_t)dst) != 0)
        ks_log(KS_LOG_DEBUG, "replay reservoir: cannot shorten its file: %s", strerror(errno));
    return KS_OK;
}

ks_status ks_model_replay_spill(ks_model *m)
{
    struct ks_replay_file *f;
    ks_status st;
    if (m->rfile || m->replay_skipped)
        return KS_OK;
    if (!(f = ks_calloc(1, sizeof *f)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    if ((st = ks_temp_file("replay reservoir", &f->fd)) != KS_OK) {
        ks_free(f);
        return st;
    }
    if (m->arena_dead)
        compact(m);
    if (m->arena_used && (st = file_io(f->fd, m->replay_arena, m->arena_used, 0, 1)) != KS_OK) {
        close(f->fd);
        ks_free(f);
        return st;
    }
    ks_free(m->replay_arena);
    m->replay_arena = NULL;
    m->arena_cap = 0;
    f->wpos = m->arena_used;
    m->rfile = f;
    return KS_OK;
}

static ks_status arena_grow(ks_model *m, size_t cap)
{
    unsigned char *a = ks_realloc(m->replay_arena, cap);
    if (!a)
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    m->replay_arena = a;
    m->arena_cap = cap;
    return KS_OK;
}

/* Room for `extra` more bytes at arena_used. */
static ks_status arena_room(ks_model *m, size_t extra)
{
    size_t want;
    if (m->arena_used + extra <= m->arena_cap)
        return KS_OK;
    if (m->arena_dead)
        compact(m);
    want = m->arena_used + extra;
    if (want + m->arena_cap / 8 <= m->arena_cap)
        return KS_OK;
    return arena_grow(m, want + want / 8 > 4096 ? want + want / 8 : 4096);
}

ks_status ks_model_replay_reserve(ks_model *m, uint32_t count, size_t bytes)
{
    size_t want;
    if (m->rfile)   /* a file grows as it is written */
        return KS_OK;
    want = m->arena_used + (size_t)count * HDR + bytes;
    return want > m->arena_cap ? arena_grow(m, want) : KS_OK;
}

ks_status ks_model_replay_put(ks_model *m, uint32_t i, const void *data, size_t len, int label)
{
    ks_status st;
    uint32_t len32 = (uint32_t)len;
    if (len > UINT32_MAX - HDR)
        return ks_fail(KS_ERR_USAGE, "a replay example of %zu bytes is too large", len);
    if (!m->replay && !(m->replay = ks_calloc(m->tc.replay, sizeof *m->replay)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    if (m->rfile) {
        unsigned char hdr[HDR];
        if (m->arena_dead > FILE_COMPACT && m->arena_dead > m->arena_used / 2 &&
            (st = compact_file(m)) != KS_OK)
            return st;
        memcpy(hdr, &i, 4);
        memcpy(hdr + 4, &len32, 4);
        if ((st = append(m->rfile, hdr, data, len)) != KS_OK)
            return st;
    } else {
        if ((st = arena_room(m, HDR + len)) != KS_OK)
            return st;
        memcpy(m->replay_arena + m->arena_used, &i, 4);
        memcpy(m->replay_arena + m->arena_used + 4, &len32, 4);
        if (len)
            memcpy(m->replay_arena + m->arena_used + HDR, data, len);
    }
    if (i < m->nreplay)
        m->arena_dead += HDR + m->replay[i].len;
    m->replay[i].off = m->arena_used + HDR;
    m->replay[i].len = len32;
    m->replay[i].label = (unsigned char)(label != 0);
    m->arena_used += HDR + len;
    if (i == m->nreplay)
        m->nreplay++;
    return KS_OK;
}

size_t ks_model_replay_bytes(const ks_model *m) { return m->arena_used - m->arena_dead; }

/* The byte bound: KS_REPLAY_BYTES unless a test set its own. */
static size_t max_bytes(const ks_model *m) { return m->replay_max ? m->replay_max : KS_REPLAY_BYTES; }

/* Room for one more example of len bytes in a new slot. */
static int room_for(const ks_model *m, size_t len)
{
    return m->nreplay < m->tc.replay && ks_model_replay_bytes(m) + HDR + len <= max_bytes(m);
}

/* The slot the next offered example of len bytes goes to (Algorithm R),
 * or -1 when it is not kept. Advances the count and the generator.
 *
 * The byte bound: while every example offered so far was kept, a new one
 * takes a new slot if it fits; after that an example is kept with
 * probability k / seen (k: the examples kept now, tc.replay unless the
 * bound made them fewer), in a new slot while one fits, else in place of
 * a random one; bound() then drops random examples until the bytes fit.
 * Until the bound is reached this is Algorithm R exactly. */
static int64_t offer_slot(ks_model *m, size_t len)
{
    uint64_t j;
    if (!m->tc.replay)
        return -1;
    if (!m->replay_seen && !m->replay_rng)
        m->replay_rng = m->tc.seed ^ 0x7265706c6179ull;   /* "replay" */
    m->replay_seen++;
    if (m->replay_seen == (uint64_t)m->nreplay + 1 && room_for(m, len))
        return m->nreplay;
    j = splitmix64(&m->replay_rng) % m->replay_seen;
    if (j >= m->nreplay)
        return -1;
    return room_for(m, len) ? (int64_t)m->nreplay : (int64_t)j;
}

/* Drops random examples (the last slot takes a dropped one's place) until
 * the kept bytes are within the bound; one example is kept whatever
 * its size. */
static ks_status bound(ks_model *m)
{
    while (m->nreplay > 1 && ks_model_replay_bytes(m) > max_bytes(m)) {
        uint32_t k = (uint32_t)(splitmix64(&m->replay_rng) % m->nreplay), last = m->nreplay - 1;
        m->arena_dead += HDR + m->replay[k].len;
        if (k != last) {
            m->replay[k] = m->replay[last];
            size_t at = m->replay[k].off - HDR;   /* the entry's owner */
            struct ks_replay_file *f = m->rfile;
            if (!f) {
                memcpy(m->replay_arena + at, &k, 4);
            } else if (at >= f->wpos) {   /* still pending */
                memcpy(f->w + (at - f->wpos), &k, 4);
            } else {
                ks_status st = file_io(f->fd, &k, 4, at, 1);
                if (st != KS_OK)
                    return st;
            }
        }
        m->nreplay--;
    }
    return KS_OK;
}

static ks_status skipped(void)
{
    return ks_fail(KS_ERR_USAGE, "the model was loaded for scoring only (no replay reservoir)");
}

ks_status ks_model_replay_offer(ks_model *m, const ks_fvec *x, int label)
{
    ks_buf b = {0};
    ks_status st;
    int64_t i;
    if (m->replay_skipped)
        return skipped();
    if (!m->tc.replay)
        return KS_OK;
    if ((st = ks_fvec_encode(x, &b)) == KS_OK && (i = offer_slot(m, b.len)) >= 0 &&
        (st = ks_model_replay_put(m, (uint32_t)i, b.data, b.len, label)) == KS_OK)
        st = bound(m);
    ks_buf_free(&b);
    return st;
}

ks_status ks_model_replay_offer_encoded(ks_model *m, const void *data, size_t len, int label)
{
    ks_status st;
    int64_t i;
    /* with a training view, the view (the second vector) is not kept */
    size_t one = m->fc.view ? ks_fvec_first_size(data, len) : len;
    if (m->replay_skipped)
        return skipped();
    if (m->fc.view && !one)
        return ks_fail(KS_ERR_USAGE, "replay offer: the bytes are not an encoded vector");
    i = offer_slot(m, one);
    if (i < 0)
        return KS_OK;
    if ((st = ks_model_replay_put(m, (uint32_t)i, data, one, label)) == KS_OK)
        st = bound(m);
    return st;
}

size_t ks_model_replay_count(const ks_model *m) { return m->nreplay; }

ks_status ks_model_replay_get(const ks_model *m, size_t i, ks_fvec *out, int *label)
{
    const unsigned char *data;
    size_t len;
    ks_status st = ks_model_replay_encoded(m, i, &data, &len, label);
    if (st != KS_OK)
        return st;
    st = ks_fvec_decode(data, len, m->dim, out);
    if (st == KS_ERR_FORMAT)   /* checked on load: cannot happen */
        return ks_fail(KS_ERR_MODEL, "replay example %zu does not decode", i);
    return st;
}

ks_status ks_model_replay_encoded(const ks_model *m, size_t i, const unsigned char **data,
                                  size_t *len, int *label)
{
    struct ks_replay_file *f = m->rfile;
    ks_status st;
    size_t off;
    *len = m->replay[i].len;
    *label = m->replay[i].label;
    if (!f) {
        *data = m->replay_arena + m->replay[i].off;
        return KS_OK;
    }
    off = m->replay[i].off;
    if (off - HDR >= f->wpos) {   /* not written yet */
        *data = f->w + (off - f->wpos);
        return KS_OK;
    }
    /* saving walks the slots, in file order until replacements mix them:
     * a read right after the last one reads a block ahead */
    if ((st = window(f, off, *len, f->wpos, off == f->next + HDR)) != KS_OK)
        return st;
    f->next = off + *len;
    *data = f->buf + (off - f->rpos);
    return KS_OK;
}
