/* tokenize_sse2.c - classify kernel, SSE2 (the x86-64 baseline).
 *
 * Per 16 bytes: upper = c - 'A' <= 25 (unsigned, via min_epu8), fold by
 * adding 0x20 under that mask; word = digit | letter | '$' | '_' | c>=0x80,
 * letters tested on c | 0x20. movemask gives 16 bits per step.
 */
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#include "ks/cpu.h"

/* c - lo <= span, unsigned, as a byte mask */
static inline __m128i in_range(__m128i c, char lo, char span)
{
    __m128i t = _mm_sub_epi8(c, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(span)), t);
}

static inline void step(const unsigned char *src, unsigned char *dst,
                        uint64_t *w, uint64_t *h, unsigned sh)
{
    __m128i c = _mm_loadu_si128((const __m128i *)src);
    __m128i up = in_range(c, 'A', 25);
    __m128i letter = in_range(_mm_or_si128(c, _mm_set1_epi8(0x20)), 'a', 25);
    __m128i word = _mm_or_si128(letter, in_range(c, '0', 9));
    word = _mm_or_si128(word, _mm_cmpeq_epi8(c, _mm_set1_epi8('$')));
    word = _mm_or_si128(word, _mm_cmpeq_epi8(c, _mm_set1_epi8('_')));
    word = _mm_or_si128(word, c);   /* bit 7 of bytes >= 0x80 */
    _mm_storeu_si128((__m128i *)dst,
                     _mm_add_epi8(c, _mm_and_si128(up, _mm_set1_epi8(0x20))));
    *w |= (uint64_t)(unsigned)_mm_movemask_epi8(word) << sh;
    *h |= (uint64_t)(unsigned)_mm_movemask_epi8(c) << sh;
}

void ks_tok_classify_sse2(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high)
{
    for (size_t b = 0; b < n / 64; b++) {
        uint64_t w = 0, h = 0;
        for (unsigned k = 0; k < 4; k++)
            step(src + b * 64 + k * 16, dst + b * 64 + k * 16, &w, &h, k * 16);
        word[b] = w;
        high[b] = h;
    }
}
#endif
