/* hash_test.c - MurmurHash3 x86_32 against its published test vectors;
 * the word hash against its definition, its fast form, and its spread over
 * buckets with the byte n-gram hash. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ks/hash.h"

Test(hash, published_vectors)
{
    cr_assert_eq(ks_hash32("", 0, 0), 0u);
    cr_assert_eq(ks_hash32("", 0, 1), 0x514e28b7u);
    cr_assert_eq(ks_hash32("", 0, 0xffffffffu), 0x81f16f39u);
    cr_assert_eq(ks_hash32("\xff\xff\xff\xff", 4, 0), 0x76293b50u);
    cr_assert_eq(ks_hash32("!Ce\x87", 4, 0), 0xf55b516bu);
    cr_assert_eq(ks_hash32("!Ce", 3, 0), 0x7e4a8634u);
    cr_assert_eq(ks_hash32("!C", 2, 0), 0xa0f7b07au);
    cr_assert_eq(ks_hash32("!", 1, 0), 0x72661cf4u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    cr_assert_eq(ks_hash32(fox, strlen(fox), 0x9747b28cu), 0x2fa826cdu);
}

Test(hash, seed_and_pair_change_the_hash)
{
    cr_assert_neq(ks_hash32("free", 4, 1), ks_hash32("free", 4, 2));
    cr_assert_neq(ks_hash_pair(1, 2), ks_hash_pair(2, 1));
    cr_assert_eq(ks_hash_pair(7, 9), ks_hash_pair(7, 9));
}

/* The word hash written out from its definition in hash.c, byte by byte. */
static uint32_t word_hash_ref(const unsigned char *p, size_t len, uint32_t seed)
{
    uint64_t h = ((uint64_t)seed << 32 | seed) ^ ((uint64_t)len * 0x9e3779b97f4a7c15ull);
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = 0;
        for (size_t k = 0; k < 8 && i + k < len; k++)
            w |= (uint64_t)p[i + k] << (8 * k);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 32;
    }
    return (uint32_t)((h * 0x94d049bb133111ebull) >> 32);
}

static uint64_t rng = 99;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

Test(hash, word_hash_padded_form_equals_definition)
{
    unsigned char buf[200];
    for (int round = 0; round < 3000; round++) {
        size_t len = round % 140, off = rnd() % 16;
        uint32_t seed = round < 10 ? 0 : rnd();
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = round % 3 ? (unsigned char)rnd() : (unsigned char)"ab\0\xff"[rnd() % 4];
        /* an exact-size heap copy: ks_hash_tok() reads nothing past it */
        unsigned char *p = malloc(len ? len : 1);
        memcpy(p, buf + off, len);
        uint32_t want = word_hash_ref(p, len, seed);
        cr_assert_eq(ks_hash_tok(p, len, seed), want, "len %zu", len);
        cr_assert_eq(ks_hash_tok_padded(buf + off, len, seed), want, "len %zu padded", len);
        free(p);
    }
    /* length and seed matter, trailing zero bytes too */
    cr_assert_neq(ks_hash_tok("a", 1, 1), ks_hash_tok("a\0", 2, 1));
    cr_assert_neq(ks_hash_tok("free", 4, 1), ks_hash_tok("free", 4, 2));
    cr_assert_neq(ks_hash_tok("", 0, 1), ks_hash_tok("", 0, 2));
}

/* Buckets of n distinct keys in 2^20: about 2^20 (1 - e^(-n / 2^20)) for
 * a uniform hash; accept 1 % below that. Signs about half negative. */
static void spread(const char *what, uint32_t (*hash)(uint32_t i, uint32_t seed), uint32_t n)
{
    static unsigned char used[1 << 20];
    uint32_t buckets = 0, neg = 0;
    memset(used, 0, sizeof used);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = hash(i, 0x6b73u);
        buckets += !used[h & 0xfffff]++;
        neg += h >> 31;
    }
    double expect = (1 << 20) * (1 - exp(-(double)n / (1 << 20)));
    cr_assert_geq(buckets, 0.99 * expect, "%s: %u buckets for %u keys, expected %.0f", what,
                  buckets, n, expect);
    cr_assert(fabs((double)neg / n - 0.5) < 0.01, "%s: %u of %u negative", what, neg, n);
}

static uint32_t numbers(uint32_t i, uint32_t seed)   /* "0" .. "999999" */
{
    char s[16];
    int n = snprintf(s, sizeof s, "%u", i);
    return ks_hash_tok(s, (size_t)n, seed);
}

static uint32_t letters(uint32_t i, uint32_t seed)   /* "a" .. "zzzz" */
{
    char s[8];
    size_t n = 0;
    for (i++; i; i = (i - 1) / 26)
        s[n++] = (char)('a' + (i - 1) % 26);
    return ks_hash_tok(s, n, seed);
}

static uint32_t grams4(uint32_t i, uint32_t seed)   /* 4-byte windows, 64 symbols */
{
    static const char sym[65] = "etaoinshrdlucmfwypvbgkjqxz ETAOINSHRDLUCMFWYPVBGKJQXZ.,012345678";
    uint64_t w = 0;
    for (int k = 0; k < 4; k++, i >>= 6)
        w |= (uint64_t)(unsigned char)sym[i & 63] << (8 * k);
    return ks_hash_gram(w, seed);
}

static uint32_t grams3(uint32_t i, uint32_t seed)   /* every 3-byte window */
{
    return ks_hash_gram(i & 0xffffff, seed);
}

Test(hash, word_and_gram_hashes_spread_over_buckets)
{
    spread("numbers", numbers, 1000000);
    spread("letters", letters, 26 + 26 * 26 + 26 * 26 * 26 + 26 * 26 * 26 * 26);
    spread("4-grams", grams4, 1000000);
    spread("3-grams", grams3, 1000000);
}
