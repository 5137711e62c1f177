/* bow.c - per-message hashed counting (the scalar reference).
 *
 * Hashes are appended to an array as tokens arrive; finish sorts them by
 * bucket and merges runs. The sort costs O(t log t) in the message's token
 * count t, which is small next to reading and decoding it; the SIMD issue
 * replaces it with a kernel that must give the same vectors.
 */
#include <math.h>
#include <stdlib.h>
#include "ks/alloc.h"
#include "ks/bow.h"

struct ks_bow {
    uint32_t *h;       /* hashes added since reset */
    size_t n, cap;
    uint32_t mask;     /* 2^hash_bits - 1 */
};

ks_status ks_bow_new(ks_bow **out, uint32_t hash_bits)
{
    ks_bow *b = ks_calloc(1, sizeof *b);
    *out = NULL;
    if (!b)
        return ks_fail(KS_ERR_NOMEM, "out of memory for the bag of words");
    b->mask = hash_bits >= 32 ? 0xffffffffu : (1u << hash_bits) - 1;
    *out = b;
    return KS_OK;
}

void ks_bow_free(ks_bow *b)
{
    if (!b)
        return;
    ks_free(b->h);
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

static int cmp_bucket(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, c = *(const uint32_t *)pb;
    return a < c ? -1 : a > c;
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

ks_status ks_bow_finish(ks_bow *b, uint32_t weighting, int normalize,
                        ks_fvec *out)
{
    size_t i = 0;
    double norm = 0;
    ks_status st;

    /* Key: bucket in the high bits, sign in bit 0, so runs group by bucket. */
    for (size_t k = 0; k < b->n; k++)
        b->h[k] = ((b->h[k] & b->mask) << 1) | (b->h[k] >> 31);
    qsort(b->h, b->n, sizeof *b->h, cmp_bucket);
    out->n = 0;
    if ((st = fvec_reserve(out, b->n)) != KS_OK)
        return st;
    while (i < b->n) {
        uint32_t bucket = b->h[i] >> 1;
        long count = 0;
        for (; i < b->n && (b->h[i] >> 1) == bucket; i++)
            count += (b->h[i] & 1) ? -1 : 1;
        if (count == 0)
            continue;
        double mag = weighting == KS_WEIGHT_LOG ? 1.0 + log((double)labs(count)) : 1.0;
        double v = count < 0 ? -mag : mag;
        out->f[out->n].index = bucket;
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
