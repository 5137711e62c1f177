/* extract_kernels_test.c - whole feature vectors (ks_extract, default
 * families: words, headers, bigrams, chargrams, urls, meta) are the same
 * with every kernel the CPU runs as with the scalar one, on seeded random
 * text and mail: ASCII, UTF-8, long runs, bytes 0x00-0xFF, messages of
 * several tokenizer chunks. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ks/cpu.h"
#include "ks/features.h"
#include "kernel_test.h"

static const int simd_kernels[] = {KS_KERNEL_SSE2, KS_KERNEL_AVX2, KS_KERNEL_AVX512,
                                   KS_KERNEL_NEON};

ParameterizedTestParameters(extract_kernels, same_vectors)
{
    return cr_make_param_array(int, (void *)simd_kernels,
                               sizeof simd_kernels / sizeof *simd_kernels);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void) { return (uint32_t)(xorshift64(&rng) >> 11); }

static size_t fill(char *s, size_t cap, int kind)
{
    static const char *const pieces[] = {"free ", "Money ", "the ", "\r\n", "http://Ex.COM/x ",
        "a.b@c.org ", "\xc3\xa9t\xc3\xa9 ", "\xe4\xb8\xad\xe6\x96\x87", "$$$ ", "_x_ ",
        "0123456789012345678901234567890123456789012345678 ", ", ", "\xff\x80 ", "<b>hi</b> "};
    size_t n = 0, len = rnd() % cap;
    if (kind == 1) {   /* mail: a few headers, then a body */
        n = (size_t)snprintf(s, cap, "From: A <a@b.example>\r\nSubject: Re: offer %u\r\n"
                             "Content-Type: text/plain\r\n\r\n", rnd() % 1000);
    } else if (kind == 0 && rnd() % 2) {
        n = (size_t)snprintf(s, cap, "Subject: hello %u\n", rnd() % 1000);
    }
    while (n < len) {
        if (rnd() % 5 == 0) {
            s[n++] = (char)rnd();   /* any byte */
            continue;
        }
        const char *p = pieces[rnd() % (sizeof pieces / sizeof *pieces)];
        for (; *p && n < len; p++)
            s[n++] = *p;
    }
    return n;
}

static void extract_with(int kernel, const ks_message *m, ks_fvec *v)
{
    ks_feature_config c;
    ks_extractor *ex;
    ks_feature_config_default(&c);
    cr_assert_eq(ks_kernel_select((ks_kernel_id)kernel), KS_OK);
    cr_assert_eq(ks_extractor_new(&ex, &c), KS_OK);
    cr_assert_eq(ks_extract(ex, m, v), KS_OK);
    ks_extractor_free(ex);
}

ParameterizedTest(int *k, extract_kernels, same_vectors)
{
    (void)kernel_or_skip(*k);
    ks_kernel_id was = ks_kernel_current();
    static char buf[3 * 4096 + 500];
    ks_fvec a = {0}, b = {0};
    for (int round = 0; round < 300; round++) {
        int kind = round % 2;
        size_t len = fill(buf, round < 200 ? 600 : sizeof buf, kind);
        ks_message m = {.id = "t", .kind = kind ? KS_MSG_MAIL : KS_MSG_TEXT, .data = buf,
                        .len = len, .file = "t", .line = 1};
        extract_with(KS_KERNEL_SCALAR, &m, &a);
        extract_with(*k, &m, &b);
        cr_assert_eq(a.n, b.n, "round %d: %u vs %u features", round, a.n, b.n);
        cr_assert(!a.n || !memcmp(a.f, b.f, a.n * sizeof *a.f), "round %d: vectors differ",
                  round);
        for (uint32_t i = 1; i < a.n; i++)
            cr_assert_lt(a.f[i - 1].index, a.f[i].index, "indices ascend");
    }
    ks_kernel_select(was);
    ks_fvec_free(&a);
    ks_fvec_free(&b);
}
