/* bow.c - per-message hashed counting.
 *
 * Hashes are appended to an array as tokens arrive. finish() merges equal
 * buckets in an open-addressing table (linear probing, Fibonacci hashing,
 * sized to >= 2 t for t tokens, so probes stay short), then orders only
 * the d distinct buckets: they are hash values, near uniform, so a bucket
 * sort by their top bits into ~d bins leaves ~1 entry per bin, finished by
 * insertion sort (bins over 32 entries, which only crafted collisions
 * make, use qsort). Cost O(t + d) instead of the former qsort of all t
 * hashes; the vectors are identical (tests/simd/bow_count_test.c keeps
 * the qsort version as the reference): integer counts do not depend on
 * order, and weights and the norm are computed in ascending bucket order
 * as before.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/bow.h"

struct ks_bow {
    uint32_t *h;       /* hashes added since reset */
    size_t n, cap;
    uint32_t mask;     /* 2^hash_bits - 1, top bit clear (see bucket_of) */
    unsigned bits;     /* bits of a bucket, <= 31 */
    uint32_t *tkey;    /* counting table: bucket, or EMPTY */
    int32_t *tcnt;     /* counting table: signed count */
    uint32_t *used;    /* slots filled in this finish() */
    size_t tcap;       /* table slots, a power of two */
    uint64_t *uniq, *tmp;   /* distinct (bucket << 32 | count), sort space */
    uint32_t *bin;     /* bin starts of the bucket sort */
    size_t bcap;       /* entries of bin */
};

#define EMPTY 0xffffffffu   /* no bucket: buckets have the top bit clear */

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
    *out = b;
    return KS_OK;
}

void ks_bow_free(ks_bow *b)
{
    if (!b)
        return;
    ks_free(b->h);
    ks_free(b->tkey);
    ks_free(b->tcnt);
    ks_free(b->used);
    ks_free(b->uniq);
    ks_free(b->tmp);
    ks_free(b->bin);
    ks_free(b);
}

void ks_bow_reset(ks_bow *b) { b->n = 0; }
size_t ks_bow_count(const ks_bow *b) { return b->n; }

ks_status ks_bow_add(ks_bow *b, uint32_t h)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        uint32_t *p = ks_realloc(b->h, cap * sizeof *p);
        if (!p)
            return ks_fail(KS_ERR_NOMEM, "out of memory counting tokens");
        b->h = p;
        b->cap = cap;
    }
    b->h[b->n++] = h;
    return KS_OK;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, c = *(const uint64_t *)pb;
    return a < c ? -1 : a > c;
}

/* Room for counting n hashes: table >= 2 n slots, all EMPTY. */
static ks_status table_reserve(ks_bow *b, size_t n)
{
    size_t cap = 64;
    while (cap < 2 * n)
        cap *= 2;
    if (cap <= b->tcap)
        return KS_OK;
    ks_free(b->tkey);
    ks_free(b->tcnt);
    ks_free(b->used);
    ks_free(b->uniq);
    ks_free(b->tmp);
    b->tcnt = ks_malloc(cap * sizeof *b->tcnt);
    b->tkey = ks_malloc(cap * sizeof *b->tkey);
    b->used = ks_malloc(cap / 2 * sizeof *b->used);
    b->uniq = ks_malloc(cap / 2 * sizeof *b->uniq);
    b->tmp = ks_malloc(cap / 2 * sizeof *b->tmp);
    b->tcap = 0;
    if (!b->tcnt || !b->tkey || !b->used || !b->uniq || !b->tmp)
        return ks_fail(KS_ERR_NOMEM, "out of memory counting tokens");
    memset(b->tkey, 0xff, cap * sizeof *b->tkey);
    b->tcap = cap;
    return KS_OK;
}

/* Merges the hashes into the table; returns the number of distinct
 * buckets, whose (bucket, count) go to b->uniq in first-seen order. The
 * table is left all EMPTY again. */
static size_t count_hashes(ks_bow *b)
{
    size_t slots = 64, tmask, d = 0;
    while (slots < 2 * b->n)   /* only the part of the table n needs, */
        slots *= 2;            /* so a big message once leaves no misses */
    tmask = slots - 1;
    unsigned shift = 32 - (unsigned)__builtin_ctzll(slots);
    for (size_t k = 0; k < b->n; k++) {
        uint32_t h = b->h[k], bucket = h & b->mask;
        size_t s = (uint32_t)(bucket * 0x9e3779b1u) >> shift;
        while (b->tkey[s] != bucket && b->tkey[s] != EMPTY)
            s = (s + 1) & tmask;
        /* new or seen is a coin toss: select, do not branch */
        int fresh = b->tkey[s] == EMPTY;
        b->tkey[s] = bucket;
        b->tcnt[s] = (fresh ? 0 : b->tcnt[s]) + 1 - (int32_t)((h >> 31) << 1);
        b->used[d] = (uint32_t)s;
        d += (size_t)fresh;
    }
    for (size_t k = 0; k < d; k++) {
        size_t s = b->used[k];
        b->uniq[k] = (uint64_t)b->tkey[s] << 32 | (uint32_t)b->tcnt[s];
        b->tkey[s] = EMPTY;
    }
    return d;
}

/* Sorts b->uniq[0..d) by bucket (distinct) into b->tmp; see the top. */
static ks_status sort_distinct(ks_bow *b, size_t d)
{
    unsigned bb = 0;
    while ((1ull << bb) < d && bb < b->bits)
        bb++;
    size_t nbin = (size_t)1 << bb;
    unsigned shift = 32 + b->bits - bb;
    if (nbin + 1 > b->bcap) {
        uint32_t *p = ks_realloc(b->bin, (nbin + 1) * sizeof *p);
        if (!p)
            return ks_fail(KS_ERR_NOMEM, "out of memory counting tokens");
        b->bin = p;
        b->bcap = nbin + 1;
    }
    memset(b->bin, 0, (nbin + 1) * sizeof *b->bin);
    for (size_t k = 0; k < d; k++)
        b->bin[(b->uniq[k] >> shift) + 1]++;
    for (size_t i = 1; i <= nbin; i++)
        b->bin[i] += b->bin[i - 1];
    for (size_t k = 0; k < d; k++)   /* bin[i] ends as the end of bin i */
        b->tmp[b->bin[b->uniq[k] >> shift]++] = b->uniq[k];
    for (size_t i = 0, lo = 0; i < nbin; lo = b->bin[i++]) {
        size_t hi = b->bin[i];
        if (hi - lo > 32) {
            qsort(b->tmp + lo, hi - lo, sizeof *b->tmp, cmp_u64);
            continue;
        }
        for (size_t k = lo + 1; k < hi; k++) {
            uint64_t v = b->tmp[k];
            size_t j = k;
            for (; j > lo && b->tmp[j - 1] > v; j--)
                b->tmp[j] = b->tmp[j - 1];
            b->tmp[j] = v;
        }
    }
    return KS_OK;
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

ks_status ks_bow_finish(ks_bow *b, uint32_t weighting, int normalize,
                        ks_fvec *out)
{
    double norm = 0;
    size_t d;
    ks_status st;

    pthread_once(&log_once, log_init);
    out->n = 0;
    if ((st = table_reserve(b, b->n)) != KS_OK)
        return st;
    d = count_hashes(b);
    if ((st = fvec_reserve(out, d)) != KS_OK || (st = sort_distinct(b, d)) != KS_OK)
        return st;
    for (size_t i = 0; i < d; i++) {
        long count = (int32_t)(uint32_t)b->tmp[i];
        if (count == 0)
            continue;
        double mag = weighting != KS_WEIGHT_LOG ? 1.0 : labs(count) < LOG_TABLE
                     ? log_table[labs(count)] : 1.0 + log((double)labs(count));
        double v = count < 0 ? -mag : mag;
        out->f[out->n].index = (uint32_t)(b->tmp[i] >> 32);
        out->f[out->n].value = (float)v;
        out->n++;
        norm += v * v;
    }
    if (normalize && norm > 0) {
        float s = (float)(1.0 / sqrt(norm));
        for (uint32_t k = 0; k < out->n; k++)
            out->f[k].value *= s;
    }
    return KS_OK;
}
