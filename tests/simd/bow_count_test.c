/* bow_count_test.c - the ordered-table counting of bow.c against the former
 * qsort of all hashes (kept here as the reference), and the branchless
 * MurmurHash3 tail against the reference switch. Vectors must be equal
 * bit for bit: indices, float values, order. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ks/bow.h"
#include "ks/hash.h"

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, c = *(const uint32_t *)pb;
    return a < c ? -1 : a > c;
}

/* The former ks_bow_finish (sort all keys, merge runs). */
static void reference(const uint32_t *h, size_t n, uint32_t bits, uint32_t weighting,
                      int normalize, ks_fvec *out)
{
    uint32_t mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
    uint32_t *k = malloc((n + 1) * sizeof *k);
    double norm = 0;
    size_t i = 0;
    for (size_t j = 0; j < n; j++)
        k[j] = ((h[j] & mask) << 1) | (h[j] >> 31);
    qsort(k, n, sizeof *k, cmp_u32);
    out->n = 0;
    out->f = realloc(out->f, (n + 1) * sizeof *out->f);
    while (i < n) {
        uint32_t bucket = k[i] >> 1;
        long count = 0;
        for (; i < n && (k[i] >> 1) == bucket; i++)
            count += (k[i] & 1) ? -1 : 1;
        if (count == 0)
            continue;
        double mag = weighting == KS_WEIGHT_LOG ? 1.0 + log((double)labs(count)) : 1.0;
        double v = count < 0 ? -mag : mag;
        out->f[out->n].index = bucket;
        out->f[out->n++].value = (float)v;
        norm += v * v;
    }
    if (normalize && norm > 0) {
        float s = (float)(1.0 / sqrt(norm));
        for (uint32_t j = 0; j < out->n; j++)
            out->f[j].value *= s;
    }
    free(k);
}

static uint64_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 32);
}

Test(bow_count, equals_sorting_reference)
{
    static uint32_t h[70000];
    const uint32_t bits[] = {8, 12, 20, 28, 31, 32};
    ks_fvec a = {0}, b = {0};
    for (int round = 0; round < 400; round++) {
        uint32_t hb = bits[round % 6];
        size_t n = round < 300 ? (size_t)round : rnd() % 70000;
        ks_bow *bow;
        cr_assert_eq(ks_bow_new(&bow, hb), KS_OK);
        for (int rep = 0; rep < 3; rep++) {   /* reuse after reset */
            ks_bow_reset(bow);
            for (size_t i = 0; i < n; i++) {
                switch (round % 5) {
                case 0: h[i] = rnd(); break;
                case 1: h[i] = rnd() % 7 | (rnd() & 0x80000000u); break;   /* cancel */
                case 2: h[i] = (rnd() % 50) << (hb > 8 ? hb - 8 : 0); break;   /* one bin */
                case 3: h[i] = i < n / 2 ? rnd() : h[i - n / 2]; break;   /* repeats */
                default: h[i] = rnd() & 0xfff000ffu; break;
                }
                cr_assert_eq(ks_bow_add(bow, h[i]), KS_OK);
            }
            uint32_t w = (uint32_t)(round + rep) % 2;
            int norm = (round / 2 + rep) % 2;
            cr_assert_eq(ks_bow_finish(bow, w, norm, &a), KS_OK);
            reference(h, n, hb, w, norm, &b);
            cr_assert_eq(a.n, b.n, "round %d: %u vs %u entries", round, a.n, b.n);
            cr_assert(!a.n || !memcmp(a.f, b.f, a.n * sizeof *a.f), "round %d differs", round);
        }
        ks_bow_free(bow);
    }
    ks_fvec_free(&a);
    free(b.f);
}

/* MurmurHash3 x86_32 with the reference switch tail. */
static uint32_t murmur_ref(const unsigned char *p, size_t len, uint32_t seed)
{
    uint32_t h = seed, k;
    size_t i;
#define ROTL(x, r) ((x << r) | (x >> (32 - r)))
    for (i = 0; i + 4 <= len; i += 4) {
        memcpy(&k, p + i, 4);
        k *= 0xcc9e2d51u; k = ROTL(k, 15); k *= 0x1b873593u;
        h ^= k; h = ROTL(h, 13); h = h * 5 + 0xe6546b64u;
    }
    k = 0;
    switch (len & 3) {
    case 3: k ^= (uint32_t)p[i + 2] << 16; /* fall through */
    case 2: k ^= (uint32_t)p[i + 1] << 8;  /* fall through */
    case 1: k ^= p[i]; k *= 0xcc9e2d51u; k = ROTL(k, 15); k *= 0x1b873593u; h ^= k;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
    return h;
}

Test(bow_count, hash_tail_equals_reference)
{
    unsigned char buf[80];
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (unsigned char)rnd();
        size_t off = rnd() % 8, len = round % 70;
        uint32_t seed = rnd();
        /* a heap copy of exactly len bytes: the tail must not read past it */
        unsigned char *p = malloc(len ? len : 1);
        memcpy(p, buf + off, len);
        cr_assert_eq(ks_hash32(p, len, seed), murmur_ref(p, len, seed), "len %zu", len);
        free(p);
    }
}

/* Crafted hashes for the ordered table: dense runs of buckets that share
 * home slots (long clusters, shifts, the sorting fallback past the step
 * budget), in ascending, descending and random order, with repeats and
 * cancelling signs, and hashes appended through ks_bow_hashes(). */
Test(bow_count, crafted_clusters_equal_sorting_reference)
{
    static uint32_t h[40000];
    const uint32_t bits[] = {8, 12, 20, 28, 31};
    ks_fvec a = {0}, b = {0};
    for (int round = 0; round < 150; round++) {
        uint32_t hb = bits[round % 5], top = hb >= 31 ? 0x7fffffffu : (1u << hb) - 1;
        size_t n = round < 50 ? (size_t)round * 7 : 1000 + rnd() % 39000;
        ks_bow *bow;
        cr_assert_eq(ks_bow_new(&bow, hb), KS_OK);
        ks_hashes *hs = ks_bow_hashes(bow);
        cr_assert_eq(ks_hashes_reserve(hs, n), KS_OK);
        for (size_t i = 0; i < n; i++) {
            switch (round % 6) {
            case 0: h[i] = (uint32_t)i; break;                       /* ascending */
            case 1: h[i] = (uint32_t)(n - i); break;                 /* descending */
            case 2: h[i] = top - rnd() % (uint32_t)(n + 1); break;   /* dense, at the end */
            case 3: h[i] = (uint32_t)(i % 97) | (rnd() & 0x80000000u); break;
            case 4: h[i] = (uint32_t)(i / 3) << (hb > 12 ? hb - 12 : 0); break;
            default: h[i] = rnd() % 64 == 0 ? rnd() : (uint32_t)(i & ~7u); break;
            }
            hs->h[hs->n++] = h[i];
        }
        uint32_t w = (uint32_t)round / 6 % 2;
        int norm = round / 12 % 2;
        cr_assert_eq(ks_bow_count(bow), n);
        cr_assert_eq(ks_bow_finish(bow, w, norm, &a), KS_OK);
        reference(h, n, hb, w, norm, &b);
        cr_assert_eq(a.n, b.n, "round %d: %u vs %u entries", round, a.n, b.n);
        cr_assert(!a.n || !memcmp(a.f, b.f, a.n * sizeof *a.f), "round %d differs", round);
        /* the table is clean again: a small random message after it */
        ks_bow_reset(bow);
        for (size_t i = 0; i < 300; i++)
            cr_assert_eq(ks_bow_add(bow, h[i] = rnd()), KS_OK);
        cr_assert_eq(ks_bow_finish(bow, w, norm, &a), KS_OK);
        reference(h, 300, hb, w, norm, &b);
        cr_assert(a.n == b.n && !memcmp(a.f, b.f, a.n * sizeof *a.f), "round %d after", round);
        ks_bow_free(bow);
    }
    ks_fvec_free(&a);
    free(b.f);
}
