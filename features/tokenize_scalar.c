/* tokenize_scalar.c - the classify kernel in plain C: the specification of
 * ks_tok_classify_fn (cpu.h) that the SIMD kernels must match bit for bit. */
#include "ks/cpu.h"
#include "ks/tokenize.h"

void ks_tok_classify_scalar(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high)
{
    for (size_t b = 0; b < n / 64; b++) {
        uint64_t w = 0, h = 0;
        for (unsigned j = 0; j < 64; j++) {
            unsigned char c = src[b * 64 + j];
            w |= (uint64_t)ks_tok_word_byte[c] << j;
            h |= (uint64_t)(c >> 7) << j;
            dst[b * 64 + j] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        word[b] = w;
        high[b] = h;
    }
}
