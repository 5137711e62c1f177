/* tokenize_avx512.c - classify kernel, AVX-512BW: one 64-byte block per
 * step, the comparisons give the bit masks directly (built with
 * -mavx512f -mavx512bw for this file only). */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include "ks/cpu.h"

void ks_tok_classify_avx512(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high)
{
    const __m512i A = _mm512_set1_epi8('A'), a = _mm512_set1_epi8('a');
    const __m512i zero = _mm512_set1_epi8('0'), sp25 = _mm512_set1_epi8(25);
    const __m512i sp9 = _mm512_set1_epi8(9), x20 = _mm512_set1_epi8(0x20);
    for (size_t b = 0; b < n / 64; b++) {
        __m512i c = _mm512_loadu_si512((const void *)(src + b * 64));
        __mmask64 up = _mm512_cmple_epu8_mask(_mm512_sub_epi8(c, A), sp25);
        __mmask64 lt = _mm512_cmple_epu8_mask(_mm512_sub_epi8(_mm512_or_si512(c, x20), a), sp25);
        __mmask64 dg = _mm512_cmple_epu8_mask(_mm512_sub_epi8(c, zero), sp9);
        __mmask64 dl = _mm512_cmpeq_epi8_mask(c, _mm512_set1_epi8('$'));
        __mmask64 us = _mm512_cmpeq_epi8_mask(c, _mm512_set1_epi8('_'));
        __mmask64 hi = _mm512_movepi8_mask(c);
        _mm512_storeu_si512((void *)(dst + b * 64), _mm512_mask_add_epi8(c, up, c, x20));
        word[b] = (uint64_t)(lt | dg | dl | us | hi);
        high[b] = (uint64_t)hi;
    }
}
#endif
