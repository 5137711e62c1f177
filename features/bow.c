/* bow.c - per-message hashed counting.
 *
 * Hashes are appended to an array as tokens arrive. finish() counts them
 * in an ordered hash table (Amble and Knuth's ordered linear probing): a
 * bucket's home slot is its top bits (home = bucket * slots / 2^bits, a
 * monotone map), and each cluster of the table is kept sorted, so the
 * filled slots, read in order, already hold the distinct buckets in
 * ascending order: no sort per message. Hash values are near uniform, so
 * with slots >= 2 t for t hashes most land in an empty home slot; a
 * collision walks the short cluster, and a new bucket that belongs inside
 * it shifts the rest of the cluster up by one. The table is an array of
 * (bucket << 32 | count + 2^31) words, EMPTY = bucket 0xffffffff with
 * count 0 (cpu.h KS_BOW_EMPTY: adding to an EMPTY slot's count word gives
 * the count of a new entry, and a drain's "count not 0" test skips EMPTY
 * slots too); the slots past
 * the last home slot take what clusters push past the end (at most t).
 * Crafted input (many hashes of one home slot) would make clusters long:
 * past a budget of probe and shift steps finish() sorts all t hashes
 * instead. tests/simd/bow_count_test.c checks the vectors against the
 * former qsort of all hashes, bit for bit.
 *
 * The table is then drained by a kernel of cpu.h's table (count_*.c) that
 * packs the filled slots into features (or entries, for log weights) and
 * empties the table again: by a bit scan per filled slot over a bitmap the
 * loop below keeps (the scalar kernel), or, for kernels with bow_scan set
 * (AVX-512), by a scan of the groups of 8 slots the loop marked in a byte
 * map (a plain byte store per hash, no read-modify-write), 8 slots a step.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/bow.h"
#include "ks/cpu.h"

struct ks_bow {
    ks_hashes h;       /* hashes added since reset */
    uint32_t mask;     /* 2^hash_bits - 1, top bit clear */
    unsigned bits;     /* bits of a bucket, <= 31 */
    uint64_t *t;       /* ordered table, all EMPTY between finish() calls;
                        * 64-byte aligned (in tmem): a group of 8 slots is
                        * one cache line */
    void *tmem;
    uint64_t *occ;     /* bit per filled slot of t, or (scan) byte per group
                        * of 8 slots touched; all 0 between calls */
    size_t tcap;       /* words of t */
    uint64_t *uniq;    /* distinct (bucket << 32 | biased count), ascending */
    size_t ucap;
    int kernel;        /* ks_kernel_id of the drain kernels */
    ks_bow_binary_fn binary;     /* table -> binary features */
    ks_bow_compact_fn compact;   /* table -> entries */
    int scan;          /* the kernels scan the groups: occ is the byte map */
};

#define EMPTY KS_BOW_EMPTY          /* bucket 0xffffffff: buckets are < 2^31 */
#define BIAS 0x80000000ull         /* count 0 */

ks_status ks_bow_new(ks_bow **out, uint32_t hash_bits)
{
    ks_bow *b = ks_calloc(1, sizeof *b);
    *out = NULL;
    if (!b)
        return ks_fail(KS_ERR_NOMEM, "out of memory for the bag of words");
    /* The former sort key (bucket << 1 | sign) dropped bit 31 of the
     * bucket; the mask keeps that meaning for hash_bits >= 32. */
    b->bits = hash_bits >= 31 ? 31 : hash_bits;
    b->mask = (uint32_t)((1ull << b->bits) - 1);
    ks_bow_set_kernel(b, ks_kernel_current());
    *out = b;
    return KS_OK;
}

ks_status ks_bow_set_kernel(ks_bow *b, int kernel)
{
    if (!ks_kernel_supported((ks_kernel_id)kernel))
        return ks_fail(KS_ERR_USAGE, "kernel %d is not supported on this machine", kernel);
    const ks_kernel *k = ks_kernel_get((ks_kernel_id)kernel);
    b->kernel = kernel;
    b->binary = k->bow_binary;
    b->compact = k->bow_compact;
    b->scan = k->bow_scan;
    return KS_OK;
}

int ks_bow_kernel(const ks_bow *b) { return b->kernel; }

void ks_bow_free(ks_bow *b)
{
    if (!b)
        return;
    ks_hashes_free(&b->h);
    ks_free(b->tmem);
    ks_free(b->occ);
    ks_free(b->uniq);
    ks_free(b);
}

void ks_bow_reset(ks_bow *b) { b->h.n = 0; }
size_t ks_bow_count(const ks_bow *b) { return b->h.n; }
ks_hashes *ks_bow_hashes(ks_bow *b) { return &b->h; }

ks_status ks_bow_add(ks_bow *b, uint32_t h)
{
    if (b->h.n == b->h.cap) {
        ks_status st = ks_hashes_reserve(&b->h, 1);
        if (st != KS_OK)
            return st;
    }
    b->h.h[b->h.n++] = h;
    return KS_OK;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, c = *(const uint64_t *)pb;
    return a < c ? -1 : a > c;
}

/* The entry of hash h alone: its bucket, count +1 or -1 (top bit). */
static inline uint64_t entry_of(const ks_bow *b, uint32_t h)
{
    return (uint64_t)(h & b->mask) << 32 | (BIAS + 1 - ((h >> 31) << 1));
}

/* Counts the n hashes of b by sorting them (the fallback for crafted
 * input); leaves the distinct entries in b->uniq, returns their number. */
static size_t count_sorted(ks_bow *b)
{
    size_t n = b->h.n, d = 0;
    uint64_t *u = b->uniq;
    for (size_t k = 0; k < n; k++)
        u[k] = entry_of(b, b->h.h[k]);
    qsort(u, n, sizeof *u, cmp_u64);
    for (size_t k = 0; k < n; k++) {
        if (d && u[d - 1] >> 32 == u[k] >> 32)
            u[d - 1] += (uint32_t)u[k] - BIAS;
        else
            u[d++] = u[k];
    }
    return d;
}

/* The binary feature of entry e at f (+-1 by the count's sign, no
 * branch); 1 when the count is not 0 (else f is left to be overwritten). */
static inline uint32_t binary_feature(uint64_t e, ks_feature *f)
{
    uint32_t c = (uint32_t)e, one = 0x3f800000u;   /* 1.0f */
    one |= c < (uint32_t)BIAS ? 0x80000000u : 0;   /* sign */
    f->index = (uint32_t)(e >> 32);
    memcpy(&f->value, &one, sizeof one);
    return c != (uint32_t)BIAS;
}

static void fill_empty(uint64_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        t[i] = EMPTY;
}

#define SET(occ, s) ((occ)[(s) >> 6] |= 1ull << ((s) & 63))
#define MARK(occ, s) (((unsigned char *)(occ))[(s) >> 3] = 1)

/* The slow path of count_table() for x (sign d) at home slot s, whose
 * entry is neither EMPTY nor x's: walks the cluster to x or to where x
 * belongs (shifting the rest of the cluster up by one). Returns the slot
 * it stopped at: x's, or the one the shift filled. Out of line: inlined,
 * its variables took registers from the loop (the mask was reloaded from
 * the stack every hash); apart, the count went from 720 to 670 ticks. */
static __attribute__((noinline)) size_t insert(uint64_t *t, uint64_t *occ, size_t s,
                                               uint32_t x, uint32_t d, int keep_occ)
{
    uint64_t e = t[s];
    while ((uint32_t)(e >> 32) < x)
        e = t[++s];
    if ((uint32_t)(e >> 32) == x) {
        t[s] += (uint64_t)(int64_t)(int32_t)d;
        return s;
    }
    size_t j = s;   /* x goes at s: shift the rest of the cluster up */
    while (t[j] != EMPTY)
        j++;
    for (size_t q = j; q > s; q--)   /* clusters are short */
        t[q] = t[q - 1];
    t[s] = (uint64_t)x << 32 | (uint32_t)(BIAS + d);
    if (keep_occ == 1)
        SET(occ, j);
    else
        MARK(occ, j);
    return j;
}

/* Counts the n hashes of b in the ordered table (2^k home slots), with
 * keep_occ 1 setting the bit of every filled slot in b->occ, 2 the byte of
 * every group of 8 slots with a filled slot (the scan kernels). Returns one
 * past the last slot used, or 0 when the step budget ran out (the table
 * and b->occ are clean again). */
static inline __attribute__((always_inline)) size_t
count_table(ks_bow *b, unsigned k, int keep_occ)
{
    const uint32_t *h = b->h.h;
    size_t n = b->h.n, top = (size_t)1 << k;
    size_t budget = 32 * n + 4096;
    unsigned down = b->bits - k;   /* home = bucket >> down (k <= bits) */
    uint64_t *t = b->t, *occ = b->occ;
    uint32_t mask = b->mask;

    for (size_t i = 0; i < n; i++) {
        uint32_t x = h[i] & mask;
        uint32_t d = (uint32_t)((int32_t)h[i] >> 31 | 1);   /* +1 or -1 */
        size_t s = x >> down;
        uint64_t e = t[s];
        /* the usual cases, without a coin-toss branch: the home slot is
         * empty or holds x */
        uint32_t key = (uint32_t)(e >> 32);   /* 0xffffffff when EMPTY */
        /* key == x or EMPTY, tested with one branch (the compiler splits an
         * ||, and which side holds is a coin toss; a select before the
         * test became a branch too, 40 % slower): keys and x are < 2^31,
         * so key ^ x has bit 31 set only when the slot is EMPTY, and is 0
         * only when key == x: one xor and a signed test (the former
         * product (key ^ x) * (key + 1) == 0 took 940 rdtsc ticks a
         * Knitfab message for the count, this 790) */
        if (__builtin_expect((int32_t)(key ^ x) <= 0, 1)) {
            /* the key, and the count word plus d (an EMPTY slot's count
             * word is the count 0): no select (the former EMPTY, all
             * ones, needed one: e == EMPTY ? x << 32 | BIAS : e; the
             * count went from 790 to 720 ticks) */
            t[s] = (uint64_t)x << 32 | (uint32_t)((uint32_t)e + d);
            if (keep_occ == 1)
                SET(occ, s);
            else
                MARK(occ, s);
            continue;
        }
        size_t s0 = s;
        s = insert(t, occ, s, x, d, keep_occ);
        if (s + 1 > top)
            top = s + 1;
        if (s - s0 > budget) {   /* crafted input: sort instead */
            fill_empty(t, top);
            memset(occ, 0, keep_occ == 1 ? (top + 63) / 64 * sizeof *occ : (top + 7) / 8);
            return 0;
        }
        budget -= s - s0;
    }
    return top;
}

static ks_status fvec_reserve(ks_fvec *v, size_t n)
{
    ks_feature *f;
    if (n <= v->cap)
        return KS_OK;
    f = ks_realloc(v->f, n * sizeof *f);
    if (!f)
        return ks_fail(KS_ERR_NOMEM, "out of memory for a feature vector");
    v->f = f;
    v->cap = (uint32_t)n;
    return KS_OK;
}

/* 1 + ln c for small counts, computed with the same expression. */
#define LOG_TABLE 64
static double log_table[LOG_TABLE];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static void log_init(void)
{
    for (long c = 1; c < LOG_TABLE; c++)
        log_table[c] = 1.0 + log((double)c);
}

/* Table slots for n hashes: 2^k >= 4 n (bitmap walk) or 8 n (the scan
 * kernels), at most 2^bits (then home slot = bucket: no collisions). 4 n
 * rather than 2 n halves the collisions (on the Knitfab text 7 a message
 * instead of 14, of 163 hashes, 93 distinct). The scan kernels visit only
 * the groups of 8 slots the count touched, so a larger table costs them
 * less: count + drain in rdtsc ticks a Knitfab message (inside ks_extract,
 * words only, least of 15 passes over the training set) 1444-1464 with
 * 4 n, 1433-1445 with 8 n, 1551 with 16 n.
 * Grows t and uniq. */
static ks_status reserve(ks_bow *b, size_t n, unsigned *kout)
{
    unsigned k = 6;
    while (((size_t)1 << k) < (b->scan ? 8 : 4) * n && k < b->bits)
        k++;
    if (k > b->bits)
        k = b->bits;
    /* clusters push at most n entries past the last home slot; one more
     * EMPTY ends every probe; the kernels scan whole groups of 8 slots
     * (occ: a bit or a byte per slot or group, 64 slots a word) */
    size_t need = (((size_t)1 << k) + n + 1 + 7) & ~(size_t)7;
    if (need > b->tcap) {
        ks_free(b->tmem);
        ks_free(b->occ);
        b->tcap = 0;
        b->t = NULL;
        b->tmem = ks_malloc(need * sizeof *b->t + 63);
        b->occ = ks_calloc((need + 63) / 64, sizeof *b->occ);
        if (!b->tmem || !b->occ)
            return ks_fail(KS_ERR_NOMEM, "out of memory counting tokens");
        b->t = (uint64_t *)(((uintptr_t)b->tmem + 63) & ~(uintptr_t)63);
        fill_empty(b->t, need);
        b->tcap = need;
    }
    /* the kernels store whole vectors: up to 8 entries past the last */
    if (n + 8 > b->ucap) {
        size_t cap = n + 8 > 2 * b->ucap ? n + 8 : 2 * b->ucap;
        ks_free(b->uniq);
        b->ucap = 0;
        if (!(b->uniq = ks_malloc(cap * sizeof *b->uniq)))
            return ks_fail(KS_ERR_NOMEM, "out of memory counting tokens");
        b->ucap = cap;
    }
    *kout = k;
    return KS_OK;
}

ks_status ks_bow_finish(ks_bow *b, uint32_t weighting, int normalize,
                        ks_fvec *out)
{
    double norm = 0;
    size_t d, top;
    unsigned k = 0;
    ks_status st;

    pthread_once(&log_once, log_init);
    out->n = 0;
    if ((st = reserve(b, b->h.n, &k)) != KS_OK)
        return st;
    /* + 8: the kernels store whole vectors past the last feature */
    if ((st = fvec_reserve(out, b->h.n + 8)) != KS_OK)
        return st;
    ks_feature *f = out->f;
    uint32_t m = 0;
    int binary = weighting != KS_WEIGHT_LOG;
    if ((top = b->scan ? count_table(b, k, 2) : count_table(b, k, 1)) != 0) {
        uint64_t *occ = b->occ;
        if (b->scan)
            top = (top + 7) & ~(size_t)7;
        if (binary) {   /* features, normalised, straight from the table */
            out->n = (uint32_t)b->binary(b->t, occ, top, f, normalize);
            return KS_OK;
        }
        d = b->compact(b->t, occ, top, b->uniq);
    } else {
        d = count_sorted(b);
    }
    if (binary) {
        /* +-1 per non-zero count; the norm is their number */
        for (size_t i = 0; i < d; i++)
            m += binary_feature(b->uniq[i], f + m);
        norm = (double)m;
    } else {
        for (size_t i = 0; i < d; i++) {
            long count = (int32_t)((uint32_t)b->uniq[i] - (uint32_t)BIAS);
            if (count == 0)
                continue;
            double mag = labs(count) < LOG_TABLE ? log_table[labs(count)]
                                                 : 1.0 + log((double)labs(count));
            double v = count < 0 ? -mag : mag;
            f[m].index = (uint32_t)(b->uniq[i] >> 32);
            f[m].value = (float)v;
            m++;
            norm += v * v;
        }
    }
    out->n = m;
    if (normalize && norm > 0) {
        float s = (float)(1.0 / sqrt(norm));
        for (uint32_t i = 0; i < m; i++)
            f[i].value *= s;
    }
    return KS_OK;
}
