/* count_kernels_test.c - the counting kernels (cpu.h ks_bow_binary_fn,
 * ks_bow_compact_fn; bow.c) of every kernel the CPU runs against the
 * scalar specification (STYLE.md 9): the drain kernels on seeded random
 * tables (every table length 0..3x the vector width and more, empty and
 * full tables, zero, extreme and opposite counts; for the kernels that
 * visit marked groups of 8 slots, maps with every filled group marked and
 * some empty ones too, more than 64 and more than 512 groups), and ks_bow_finish()
 * end to end on hash sets with duplicates, all-equal hashes, every length
 * 0..3x the vector width, colliding buckets (one home slot) and signs
 * that cancel. Features, order and value bits must be identical. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include "ks/bow.h"
#include "ks/cpu.h"
#include "ks/features.h"
#include "kernel_test.h"

#define EMPTY KS_BOW_EMPTY
#define VEC 8   /* slots per step of the widest kernel (AVX-512) */

static const int kernels[] = {KS_KERNEL_SSE2, KS_KERNEL_AVX2, KS_KERNEL_AVX512, KS_KERNEL_NEON};

ParameterizedTestParameters(count, drain)
{
    return cr_make_param_array(int, (void *)kernels, sizeof kernels / sizeof *kernels);
}
ParameterizedTestParameters(count, finish)
{
    return cr_make_param_array(int, (void *)kernels, sizeof kernels / sizeof *kernels);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void) { return (uint32_t)(xorshift64(&rng) >> 11); }

static const ks_kernel *get(int k) { return kernel_or_skip(k); }

/* An entry of the table: key < 2^31, count word of every kind. */
static uint64_t entry(int kind)
{
    static const uint32_t counts[] = {0x80000000u, 0x80000001u, 0x7fffffffu, 0xffffffffu,
                                      0u, 0x80000002u, 0x7ffffffeu};
    uint32_t key = kind % 3 == 0 ? rnd() & 0x7fffffffu : rnd() & 0xfffffu;
    uint32_t c = kind % 2 ? counts[rnd() % 7] : 0x80000000u - 20 + rnd() % 41;
    return (uint64_t)key << 32 | c;
}

/* Fills t[0..n) (occupancy by kind) and the bitmap occ of its filled
 * slots; returns their number. */
static size_t fill(uint64_t *t, uint64_t *occ, size_t n, int kind)
{
    size_t filled = 0;
    memset(occ, 0, (n / 64 + 2) * sizeof *occ);
    for (size_t s = 0; s < n; s++) {
        int live = kind == 0 ? 0 : kind == 1 ? 1 : (int)(rnd() % (unsigned)(kind + 1)) == 0;
        t[s] = live ? entry((int)rnd()) : EMPTY;
        if (live)
            occ[s / 64] |= 1ull << (s % 64);
        filled += (size_t)live;
    }
    return filled;
}

ParameterizedTest(int *k, count, drain)
{
    const ks_kernel *kn = get(*k);
    /* up to 1536 groups: the AVX-512 kernels list the marked groups 512
     * at a time */
    enum { MAXN = 3 * VEC * 512 };
    static uint64_t t1[MAXN + 64], t2[MAXN + 64], o1[MAXN + VEC + 8], o2[MAXN + VEC + 8];
    static uint64_t occ1[MAXN / 64 + 2], occ2[MAXN / 64 + 2];
    static uint64_t grp[MAXN / 8 / 8 + 2];   /* the scan kernels' byte per group */
    unsigned char *g = (unsigned char *)grp;
    for (int round = 0; round < 3000; round++) {
        /* every length 0..3x the vector width (whole steps when scanning),
         * then random ones */
        size_t n = round < 4 * VEC ? (size_t)round : rnd() % MAXN;
        if (kn->bow_scan)
            n &= ~(size_t)(VEC - 1);
        int kind = round % 7, norm = round / 7 % 2, compact = round / 14 % 2;
        size_t filled = fill(t1, occ1, n, kind);
        memcpy(t2, t1, n * sizeof *t1);
        memcpy(occ2, occ1, sizeof occ1);
        memset(o1, 0xa5, sizeof o1);
        memset(o2, 0xa5, sizeof o2);
        uint64_t *occ = kn->bow_scan ? grp : occ2;
        if (kn->bow_scan) {   /* every group with a filled slot, and some others */
            memset(grp, 0, sizeof grp);
            for (size_t s = 0; s < n; s++)
                if (t1[s] != EMPTY || rnd() % 16 == 0)
                    g[s / 8] = 1 + (unsigned char)(rnd() % 255);
        }
        size_t m1, m2;
        if (compact) {
            m1 = ks_bow_compact_scalar(t1, kn->bow_scan ? NULL : occ1, n, o1);
            m2 = kn->bow_compact(t2, occ, n, o2);
        } else {
            m1 = ks_bow_binary_scalar(t1, kn->bow_scan ? NULL : occ1, n, o1, norm);
            m2 = kn->bow_binary(t2, occ, n, o2, norm);
        }
        cr_assert_eq(m1, m2, "round %d n %zu: %zu vs %zu", round, n, m1, m2);
        cr_assert(!memcmp(o1, o2, m1 * sizeof *o1), "round %d n %zu: output differs", round, n);
        /* nothing written past the room the contract gives: filled slots + 8 */
        for (size_t i = filled + 8; i < sizeof o2 / sizeof *o2; i++)
            cr_assert_eq(o2[i], 0xa5a5a5a5a5a5a5a5ull, "round %d: written past the room", round);
        for (size_t s = 0; s < n; s++)
            cr_assert_eq(t2[s], EMPTY, "round %d: slot %zu not emptied", round, s);
        for (size_t w = 0; !kn->bow_scan && w < n / 64 + 1; w++)
            cr_assert_eq(occ2[w], 0, "round %d: occ word %zu not cleared", round, w);
        for (size_t q = 0; kn->bow_scan && q < sizeof grp; q++)
            cr_assert_eq(g[q], 0, "round %d: group byte %zu not cleared", round, q);
    }
}

/* The vector of the hashes h[0..n) with kernel k. */
static void finish(int k, const uint32_t *h, size_t n, uint32_t bits, uint32_t weighting,
                   int normalize, ks_fvec *out)
{
    ks_bow *b;
    cr_assert_eq(ks_bow_new(&b, bits), KS_OK);
    cr_assert_eq(ks_bow_set_kernel(b, k), KS_OK);
    cr_assert_eq(ks_bow_kernel(b), k);
    for (int rep = 0; rep < 2; rep++) {   /* the table is clean after a finish */
        ks_bow_reset(b);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(ks_bow_add(b, h[i]), KS_OK);
        cr_assert_eq(ks_bow_finish(b, weighting, normalize, out), KS_OK);
    }
    ks_bow_free(b);
}

ParameterizedTest(int *k, count, finish)
{
    get(*k);
    static uint32_t h[20000];
    const uint32_t bits[] = {8, 12, 20, 28};
    ks_fvec a = {0}, b = {0};
    for (int round = 0; round < 1200; round++) {
        uint32_t hb = bits[round % 4], top = (1u << hb) - 1, x = rnd();
        /* every length 0..3x the vector width (in hashes), then longer */
        size_t n = round < 6 * 3 * VEC ? (size_t)round / 6 : 50 + rnd() % 19950;
        int kind = round % 6;
        for (size_t i = 0; i < n; i++) {
            switch (kind) {
            case 0: h[i] = rnd(); break;                                   /* random */
            case 1: h[i] = x; break;                                       /* all equal */
            case 2: h[i] = i % 2 ? x | 0x80000000u : x & 0x7fffffffu; break;   /* cancel */
            case 3: h[i] = i < n / 2 || !i ? rnd() : h[rnd() % (n / 2)] ^ (rnd() & 0x80000000u);
                    break;                                                 /* repeats */
            case 4: h[i] = (top - rnd() % 64) | (rnd() & 0x80000000u); break;   /* one home slot */
            default: h[i] = (rnd() % 23) << (hb > 6 ? hb - 6 : 0) | (rnd() & 0x80000000u);
                     break;                                                /* colliding buckets */
            }
        }
        uint32_t w = (uint32_t)round / 4 % 2;
        int norm = round / 8 % 2;
        finish(KS_KERNEL_SCALAR, h, n, hb, w, norm, &a);
        finish(*k, h, n, hb, w, norm, &b);
        cr_assert_eq(a.n, b.n, "round %d (n %zu kind %d): %u vs %u features", round, n, kind,
                     a.n, b.n);
        cr_assert(!a.n || !memcmp(a.f, b.f, a.n * sizeof *a.f), "round %d (n %zu kind %d) differs",
                  round, n, kind);
        for (uint32_t i = 1; i < b.n; i++)
            cr_assert_lt(b.f[i - 1].index, b.f[i].index, "indices ascend");
    }
    ks_fvec_free(&a);
    ks_fvec_free(&b);
}
