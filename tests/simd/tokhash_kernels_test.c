/* tokhash_kernels_test.c - the token-walk kernels (cpu.h
 * ks_tok_flatten_fn, ks_tok_hash_fn) of every kernel that has them
 * against the scalar specification (STYLE.md 9): flattening on seeded
 * random and adversarial masks (empty, full, alternating bits, runs
 * crossing 64-bit words, every word count 0..64), hashing on tokens of
 * every length 1..80 around the 8- and 16-byte word edges and max_token,
 * every token count 0..3x the vector width (8 tokens) and more, unaligned
 * starts, 8 tokens spanning 30 bytes up to and past the VBMI kernel's
 * 128-byte window. Positions, counts and hashes must be identical. (ks_tokenize_hash
 * with these kernels is checked in tokenize_kernels_test.c.) */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include "ks/cpu.h"
#include "ks/hash.h"
#include "kernel_test.h"

static const int kernels[] = {KS_KERNEL_SSE2, KS_KERNEL_AVX2, KS_KERNEL_AVX512, KS_KERNEL_NEON};

ParameterizedTestParameters(tokhash, flatten)
{
    return cr_make_param_array(int, (void *)kernels, sizeof kernels / sizeof *kernels);
}
ParameterizedTestParameters(tokhash, hash)
{
    return cr_make_param_array(int, (void *)kernels, sizeof kernels / sizeof *kernels);
}

static uint64_t rng = 0x853c49e6748fea9bull;
static uint64_t rnd64(void) { return xorshift64(&rng); }

static const ks_kernel *get(int k)
{
    const ks_kernel *kn = kernel_or_skip(k);
    if (!kn->tok_flatten || !kn->tok_hash)
        cr_skip_test("kernel %s walks the bits in tokenize.c", kn->name);
    return kn;
}

/* A 64-bit word mask of one of several shapes. */
static uint64_t mask(int kind)
{
    switch (kind % 8) {
    case 0: return 0;
    case 1: return ~0ull;
    case 2: return 0x5555555555555555ull << (rnd64() & 1);   /* 1-byte tokens */
    case 3: return rnd64();
    case 4: return rnd64() & rnd64();                          /* sparse */
    case 5: return rnd64() | rnd64();                          /* dense */
    case 6: return 1ull << (rnd64() % 64);
    default: return ~0ull << (rnd64() % 64);                    /* run to the edge */
    }
}

ParameterizedTest(int *k, tokhash, flatten)
{
    const ks_kernel *kn = get(*k);
    enum { NW = 64, ROOM = NW * 64 / 2 + 1 + 16 };
    static uint64_t word[NW];
    static uint32_t s1[ROOM + 64], e1[ROOM + 64], s2[ROOM + 64], e2[ROOM + 64];
    for (int round = 0; round < 2000; round++) {
        size_t nw = round < 4 * (NW + 1) ? (size_t)round % (NW + 1) : rnd64() % (NW + 1);
        for (size_t w = 0; w < nw; w++)
            word[w] = mask(round / (NW + 1) + (int)(rnd64() % 3 == 0 ? rnd64() % 8 : 0));
        /* at most one token per 2 bytes, as in text (a chunk of nw words) */
        size_t ns1 = 0, ne1 = 0, ns2 = 0, ne2 = 0, pre = round % 3;
        ns1 = ne1 = ns2 = ne2 = pre;   /* appends after what is there */
        ks_tok_flatten_scalar(word, nw, s1, e1, &ns1, &ne1);
#if defined(__x86_64__)
        /* the AVX-512 kernel's flatten is the VBMI2 one where the CPU has
         * it: check the plain AVX-512F one too, every other round */
        if (*k == KS_KERNEL_AVX512 && round % 2)
            ks_tok_flatten_avx512(word, nw, s2, e2, &ns2, &ne2);
        else
#endif
            kn->tok_flatten(word, nw, s2, e2, &ns2, &ne2);
        cr_assert(ns1 == ns2 && ne1 == ne2, "round %d nw %zu: %zu/%zu vs %zu/%zu", round, nw,
                  ns1, ne1, ns2, ne2);
        cr_assert(!memcmp(s1 + pre, s2 + pre, (ns1 - pre) * 4), "round %d: starts differ", round);
        cr_assert(!memcmp(e1 + pre, e2 + pre, (ne1 - pre) * 4), "round %d: ends differ", round);
        cr_assert(ns1 == ne1 || ns1 == ne1 + 1, "starts and ends alternate");
    }
}

ParameterizedTest(int *k, tokhash, hash)
{
    const ks_kernel *kn = get(*k);
    /* up to 1600 tokens of any length: the VBMI kernel works in blocks of
     * 512 tokens, and defers the steps with a long token or a wide span to
     * the end of their block */
    enum { LOW = 65536, MAXM = 1600 };
    static unsigned char low[LOW + 16];
    static uint32_t st[MAXM + 16], en[MAXM + 16], o1[MAXM + 16], o2[MAXM + 16];
    const size_t maxts[] = {1, 7, 8, 9, 16, 17, 40, 64, 1024};
    for (size_t i = 0; i < sizeof low; i++)
        low[i] = (unsigned char)rnd64();
    for (int round = 0; round < 3000; round++) {
        /* every token count 0..3x the vector width, then more */
        size_t m = round < 25 * 9 ? (size_t)round / 9 : rnd64() % MAXM;
        size_t maxt = maxts[round % 9], pos = rnd64() % 8, n = 0;
        for (size_t i = 0; i < m; i++) {
            size_t len = round % 4 == 0 ? 1 + rnd64() % 80          /* any length */
                       : round % 4 == 1 ? 7 + rnd64() % 11          /* around 8 and 16 */
                       : 1 + rnd64() % 8;                            /* text */
            size_t gap = 1 + rnd64() % 3;
            if (pos + len > LOW)
                break;
            st[n] = (uint32_t)pos;
            en[n++] = (uint32_t)(pos + len);
            pos += len + gap;
        }
        uint32_t seed = (uint32_t)rnd64();
        memset(o1, 0, sizeof o1);
        memset(o2, 0, sizeof o2);
        size_t l1 = ks_tok_hash_scalar(low, st, en, n, seed, maxt, o1);
        size_t l2;
#if defined(__x86_64__)
        /* the AVX-512 kernel's hash is the VBMI one where the CPU has it:
         * check the plain AVX-512F/DQ one too, every other round */
        if (*k == KS_KERNEL_AVX512 && round % 2)
            l2 = ks_tok_hash_avx512(low, st, en, n, seed, maxt, o2);
        else
#endif
            l2 = kn->tok_hash(low, st, en, n, seed, maxt, o2);
        cr_assert_eq(l1, l2, "round %d: %zu vs %zu long tokens", round, l1, l2);
        for (size_t i = 0; i < n; i++) {
            size_t len = en[i] - st[i];
            if (len > maxt)
                continue;
            cr_assert_eq(o1[i], ks_hash_tok(low + st[i], len, seed), "scalar is the spec");
            cr_assert_eq(o1[i], o2[i], "round %d token %zu (len %zu, max %zu) differs", round,
                         i, len, maxt);
        }
        for (size_t i = n; i < MAXM + 16; i++)
            cr_assert_eq(o2[i], 0, "round %d: written past the tokens", round);
    }
    /* 8 tokens whose last one, 1..16 bytes, starts so that the bytes the
     * kernel may read (16 past every start) span 30..136: the VBMI
     * kernel's load masks of both 64-byte halves of its window (a span
     * on either side of 64), both sides of the 128-byte window, at every
     * start offset */
    for (size_t span = 30; span <= 136; span++)
        for (size_t last = 1; last <= 16; last++)
            for (size_t base = 0; base < 64; base += 7) {
                for (size_t i = 0; i < 7; i++) {
                    st[i] = (uint32_t)(base + 2 * i);
                    en[i] = st[i] + 1;
                }
                st[7] = (uint32_t)(base + span - 16);
                en[7] = st[7] + (uint32_t)last;
                memset(o1, 0, sizeof o1);
                memset(o2, 0, sizeof o2);
                ks_tok_hash_scalar(low, st, en, 8, 7, 40, o1);
                kn->tok_hash(low, st, en, 8, 7, 40, o2);
                cr_assert(!memcmp(o1, o2, 8 * sizeof *o1), "span %zu last %zu base %zu differs",
                          span, last, base);
            }
}
