/* tokenize_avx2.c - classify kernel, AVX2: the SSE2 kernel's operations on
 * 32 bytes per step (built with -mavx2 for this file only). */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include "ks/cpu.h"

static inline __m256i in_range(__m256i c, char lo, char span)
{
    __m256i t = _mm256_sub_epi8(c, _mm256_set1_epi8(lo));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8(span)), t);
}

static inline uint64_t step(const unsigned char *src, unsigned char *dst, uint64_t *h)
{
    __m256i c = _mm256_loadu_si256((const __m256i *)src);
    __m256i up = in_range(c, 'A', 25);
    __m256i letter = in_range(_mm256_or_si256(c, _mm256_set1_epi8(0x20)), 'a', 25);
    __m256i word = _mm256_or_si256(letter, in_range(c, '0', 9));
    word = _mm256_or_si256(word, _mm256_cmpeq_epi8(c, _mm256_set1_epi8('$')));
    word = _mm256_or_si256(word, _mm256_cmpeq_epi8(c, _mm256_set1_epi8('_')));
    word = _mm256_or_si256(word, c);
    _mm256_storeu_si256((__m256i *)dst,
                        _mm256_add_epi8(c, _mm256_and_si256(up, _mm256_set1_epi8(0x20))));
    *h = (uint32_t)_mm256_movemask_epi8(c);
    return (uint32_t)_mm256_movemask_epi8(word);
}

void ks_tok_classify_avx2(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high)
{
    for (size_t b = 0; b < n / 64; b++) {
        uint64_t h0, h1;
        uint64_t w0 = step(src + b * 64, dst + b * 64, &h0);
        uint64_t w1 = step(src + b * 64 + 32, dst + b * 64 + 32, &h1);
        word[b] = w0 | w1 << 32;
        high[b] = h0 | h1 << 32;
    }
}
#endif
