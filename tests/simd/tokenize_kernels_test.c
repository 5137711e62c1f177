/* tokenize_kernels_test.c - every SIMD kernel the CPU runs against the
 * scalar specification (STYLE.md 9): the classify kernel bit for bit, and
 * the whole tokenizer (tokens, is_long, hashes) on seeded random and
 * adversarial inputs: every length 0..3x the vector width at every
 * unaligned start, bytes 0x00-0xFF, long tokens, tokens crossing 64-byte
 * blocks and the tokenizer's 4096-byte chunks, UTF-8 runs. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include "ks/buf.h"
#include "ks/cpu.h"
#include "ks/hash.h"
#include "ks/tokenize.h"
#include "kernel_test.h"

static const int simd_kernels[] = {KS_KERNEL_SSE2, KS_KERNEL_AVX2, KS_KERNEL_AVX512,
                                   KS_KERNEL_NEON};

ParameterizedTestParameters(kernels, classify)
{
    return cr_make_param_array(int, (void *)simd_kernels,
                               sizeof simd_kernels / sizeof *simd_kernels);
}
ParameterizedTestParameters(kernels, tokens)
{
    return cr_make_param_array(int, (void *)simd_kernels,
                               sizeof simd_kernels / sizeof *simd_kernels);
}
ParameterizedTestParameters(kernels, hashes)
{
    return cr_make_param_array(int, (void *)simd_kernels,
                               sizeof simd_kernels / sizeof *simd_kernels);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) { return (uint32_t)(xorshift64(&rng) >> 11); }

static void skip_unless(int k) { (void)kernel_or_skip(k); }

ParameterizedTest(int *k, kernels, classify)
{
    skip_unless(*k);
    ks_tok_classify_fn f = ks_kernel_get((ks_kernel_id)*k)->classify;
    unsigned char src[64 * 8 + 64], d1[64 * 8], d2[64 * 8];
    uint64_t w1[8], h1[8], w2[8], h2[8];
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof src; i++)
            src[i] = round < 100 ? (unsigned char)rnd() : (unsigned char)"aZ$_ 0\x80\xff@[`{/:"[rnd() % 14];
        for (size_t off = 0; off < 64; off += round % 2 ? 1 : 7)
            for (size_t n = 0; n <= 64 * 6; n += 64) {
                ks_tok_classify_scalar(src + off, n, d1, w1, h1);
                f(src + off, n, d2, w2, h2);
                cr_assert(!memcmp(d1, d2, n), "folded bytes differ (off %zu n %zu)", off, n);
                cr_assert(!memcmp(w1, w2, n / 8), "word mask differs (off %zu n %zu)", off, n);
                cr_assert(!memcmp(h1, h2, n / 8), "high mask differs (off %zu n %zu)", off, n);
            }
    }
    /* every byte value in every lane */
    for (int c = 0; c < 256; c++) {
        memset(src, c, 64);
        ks_tok_classify_scalar(src, 64, d1, w1, h1);
        f(src, 64, d2, w2, h2);
        cr_assert(!memcmp(d1, d2, 64) && w1[0] == w2[0] && h1[0] == h2[0], "byte 0x%02x", c);
    }
}

/* Tokens as "len:is_long:hash:bytes|" (bytes only when not long). */
static void collect(void *ctx, const char *tok, size_t len, int is_long)
{
    ks_buf *b = ctx;
    ks_buf_printf(b, "%zu:%d:%08x:", len, is_long, ks_hash32(tok, len, 42));
    if (!is_long)
        ks_buf_append(b, tok, len);
    ks_buf_putc(b, '|');
}

static void same_tokens(int k, const char *s, size_t len, size_t max_token)
{
    ks_tokenizer *ref, *t;
    ks_buf a = {0}, b = {0};
    cr_assert_eq(ks_tokenizer_new(&ref, max_token), KS_OK);
    cr_assert_eq(ks_tokenizer_new(&t, max_token), KS_OK);
    cr_assert_eq(ks_tokenizer_set_kernel(ref, KS_KERNEL_SCALAR), KS_OK);
    cr_assert_eq(ks_tokenizer_set_kernel(t, k), KS_OK);
    cr_assert_eq(ks_tokenize(ref, s, len, collect, &a), KS_OK);
    cr_assert_eq(ks_tokenize(t, s, len, collect, &b), KS_OK);
    cr_assert(a.len == b.len && (!a.len || !memcmp(a.data, b.data, a.len)),
              "kernel %s differs from scalar (len %zu, max_token %zu)",
              ks_kernel_get((ks_kernel_id)k)->name, len, max_token);
    ks_buf_free(&a);
    ks_buf_free(&b);
    ks_tokenizer_free(ref);
    ks_tokenizer_free(t);
}

/* The batch form, ks_tokenize_hash(): its hashes and long runs must be
 * the scalar kernel's, and those must be the specification: ks_tokenize()
 * with ks_hash_tok() of every token that is not long. The array starts
 * with a few hashes already in it (the call appends). */
static void longs(void *ctx, const char *tok, size_t len, int is_long)
{
    ks_buf_printf(ctx, "%zu:%d|", len, is_long);
}

typedef struct {
    ks_hashes h;
    ks_buf l;
} spec_out;

static void spec(void *ctx, const char *tok, size_t len, int is_long)
{
    spec_out *o = ctx;
    if (is_long) {
        longs(&o->l, tok, len, is_long);
        return;
    }
    cr_assert_eq(ks_hashes_reserve(&o->h, 1), KS_OK);
    o->h.h[o->h.n++] = ks_hash_tok(tok, len, 0xabcdef01u);
}

static void same_hashes(int k, const char *s, size_t len, size_t max_token)
{
    ks_tokenizer *ref, *t;
    ks_hashes a = {0}, b = {0};
    ks_buf la = {0}, lb = {0};
    spec_out sp = {{0}, {0}};
    cr_assert_eq(ks_tokenizer_new(&ref, max_token), KS_OK);
    cr_assert_eq(ks_tokenizer_new(&t, max_token), KS_OK);
    cr_assert_eq(ks_tokenizer_set_kernel(ref, KS_KERNEL_SCALAR), KS_OK);
    cr_assert_eq(ks_tokenizer_set_kernel(t, k), KS_OK);
    size_t pre = len % 3;   /* hashes already in the array */
    for (ks_hashes *x = &a; x; x = x == &a ? &b : x == &b ? &sp.h : NULL) {
        cr_assert_eq(ks_hashes_reserve(x, pre), KS_OK);
        for (size_t i = 0; i < pre; i++)
            x->h[x->n++] = (uint32_t)i * 77u;
    }
    cr_assert_eq(ks_tokenize(ref, s, len, spec, &sp), KS_OK);
    cr_assert_eq(ks_tokenize_hash(ref, s, len, 0xabcdef01u, &a, longs, &la), KS_OK);
    cr_assert_eq(ks_tokenize_hash(t, s, len, 0xabcdef01u, &b, longs, &lb), KS_OK);
    cr_assert(a.n == sp.h.n && (!a.n || !memcmp(a.h, sp.h.h, a.n * 4)),
              "scalar batch hashes differ from the specification (len %zu)", len);
    cr_assert(la.len == sp.l.len && (!la.len || !memcmp(la.data, sp.l.data, la.len)),
              "scalar batch long runs differ from the specification (len %zu)", len);
    cr_assert(a.n == b.n && (!a.n || !memcmp(a.h, b.h, a.n * 4)),
              "kernel %s: hashes differ from scalar (len %zu, max_token %zu)",
              ks_kernel_get((ks_kernel_id)k)->name, len, max_token);
    cr_assert(la.len == lb.len && (!la.len || !memcmp(la.data, lb.data, la.len)),
              "kernel %s: long runs differ from scalar (len %zu, max_token %zu)",
              ks_kernel_get((ks_kernel_id)k)->name, len, max_token);
    ks_hashes_free(&a);
    ks_hashes_free(&b);
    ks_hashes_free(&sp.h);
    ks_buf_free(&la);
    ks_buf_free(&lb);
    ks_buf_free(&sp.l);
    ks_tokenizer_free(ref);
    ks_tokenizer_free(t);
}

/* Fills s with n bytes of one of several alphabets. */
static void fill(char *s, size_t n, int kind)
{
    static const char *const pieces[] = {"a", "Z", "9", "$", "_", " ", "\n", ".", "-",
        "\xc3\xa9", "\xef\xbc\xa6", "\xe4\xb8\xad", "\xe2\x80\x8b", "\xff", "\x80"};
    for (size_t i = 0; i < n;) {
        if (kind == 0) {
            s[i++] = (char)rnd();
        } else if (kind == 1) {
            s[i++] = " aAzZ09$_.\n"[rnd() % 11];
        } else if (kind == 2) {   /* long runs: few separators */
            s[i++] = rnd() % 97 ? "aBc"[rnd() % 3] : ' ';
        } else {
            const char *p = pieces[rnd() % (sizeof pieces / sizeof *pieces)];
            for (; *p && i < n; p++)
                s[i++] = *p;
        }
    }
}

ParameterizedTest(int *k, kernels, tokens)
{
    skip_unless(*k);
    static char buf[3 * 4096 + 200];
    const size_t maxt[] = {1, 5, 40, 1024, 10000};
    /* every length 0..3x the widest vector (64), every start 0..63 */
    for (int kind = 0; kind < 4; kind++)
        for (size_t len = 0; len <= 192; len++) {
            fill(buf, 192 + 64, kind);
            for (size_t off = 0; off < 64; off += len % 3 ? 13 : 1)
                same_tokens(*k, buf + off, len, maxt[(len + off) % 5]);
        }
    /* lengths around the 4096-byte chunk and several chunks, tokens
     * crossing chunk edges, runs longer than a chunk */
    for (int round = 0; round < 60; round++) {
        size_t len = round < 30 ? 4096 - 70 + rnd() % 140 : rnd() % sizeof buf;
        fill(buf, len, round % 4);
        if (round % 5 == 0)   /* one run over a whole chunk */
            memset(buf + rnd() % 64, round % 10 ? 'Q' : 0xc3, 4096 + rnd() % 300);
        same_tokens(*k, buf + round % 7, len - (len ? round % 7 < (int)len ? round % 7 : 0 : 0),
                    maxt[round % 5]);
    }
}

ParameterizedTest(int *k, kernels, hashes)
{
    skip_unless(*k);
    static char buf[3 * 4096 + 200];
    const size_t maxt[] = {1, 5, 40, 1024, 10000};
    for (int kind = 0; kind < 4; kind++)
        for (size_t len = 0; len <= 192; len++) {
            fill(buf, 192 + 64, kind);
            for (size_t off = 0; off < 64; off += len % 3 ? 13 : 1)
                same_hashes(*k, buf + off, len, maxt[(len + off) % 5]);
        }
    /* every byte value as a one-byte token and inside a word */
    for (int c = 0; c < 256; c++) {
        char w[8] = {'a', 'B', (char)c, 'c', ' ', (char)c, ' ', 'Z'};
        same_hashes(*k, w, sizeof w, 40);
        same_hashes(*k, w + 2, 1, 40);
    }
    /* a message of many chunks, tokens crossing 64-byte blocks and chunk
     * edges, runs over a whole chunk, an ASCII chunk after a non-ASCII one
     * (the room for a chunk's hashes is taken again after the Unicode
     * path), CJK compatibility characters that NFKC makes several tokens */
    for (int round = 0; round < 80; round++) {
        size_t len = round < 30 ? 4096 - 70 + rnd() % 140 : rnd() % sizeof buf;
        fill(buf, len, round % 4);
        if (round % 5 == 0)
            memset(buf + rnd() % 64, round % 10 ? 'Q' : 0xc3, 4096 + rnd() % 300);
        if (round % 7 == 3)   /* U+337F SQUARE CORPORATION: four CJK tokens */
            for (size_t i = 0; i + 4 <= len && i < 3000; i += 4)
                memcpy(buf + i, "\xe3\x8d\xbf ", 4);
        same_hashes(*k, buf + round % 7, len > (size_t)(round % 7) ? len - round % 7 : 0,
                    maxt[round % 5]);
    }
}
