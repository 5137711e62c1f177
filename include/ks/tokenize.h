/* tokenize.h - split UTF-8 text into normalised tokens.
 *
 * The scalar tokenizer is the specification that SIMD kernels must match.
 * A token is a maximal run of word bytes: ASCII letters and digits, '$',
 * '_', and every byte >= 0x80. ASCII letters are folded to lower case in
 * the same pass. A run holding non-ASCII bytes takes the Unicode path:
 * utf8proc NFKC + case folding, then the result is split again at code
 * points that are not letters, marks or numbers (NFKC can turn a
 * non-ASCII byte run into spaces or punctuation), and every CJK ideograph,
 * kana or hangul syllable becomes a token of its own (those scripts do not
 * separate words with spaces). Runs longer than max_token bytes are not
 * passed on as text: the callback receives them with is_long set.
 */
#ifndef KS_TOKENIZE_H
#define KS_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>
#include "hash.h"
#include "status.h"

/* tok is valid only during the call; it is not NUL-terminated. */
typedef void (*ks_token_fn)(void *ctx, const char *tok, size_t len,
                            int is_long);

typedef struct ks_tokenizer ks_tokenizer;

ks_status ks_tokenizer_new(ks_tokenizer **out /* OUT */, size_t max_token);
void ks_tokenizer_free(ks_tokenizer *t);   /* NULL is a no-op */

/* Calls fn for every token of s[0..len), in order. Invalid UTF-8 inside a
 * non-ASCII run is passed through byte for byte (lower-cased ASCII only). */
ks_status ks_tokenize(ks_tokenizer *t, const char *s, size_t len,
                      ks_token_fn fn, void *ctx);

/* The batch form for hashed features: appends ks_hash_tok(token, seed)
 * (hash.h) of every token that ks_tokenize() would pass with is_long 0 to
 * out, in order, and calls on_long (may be NULL) for the others. Same
 * tokens as ks_tokenize(), without a call per token: the SIMD kernels
 * hash the folded bytes where they lie. KS_ERR_NOMEM. */
ks_status ks_tokenize_hash(ks_tokenizer *t, const char *s, size_t len,
                           uint32_t seed, ks_hashes *out, ks_token_fn on_long,
                           void *ctx);

/* The kernel t uses (cpu.h ks_kernel_id): the one ks_cpu_init() chose, at
 * ks_tokenizer_new(). Every kernel gives the tokens of the scalar one.
 * Tests and benchmarks may pick another; KS_ERR_USAGE when it is not
 * supported on this machine. */
ks_status ks_tokenizer_set_kernel(ks_tokenizer *t, int kernel);
int ks_tokenizer_kernel(const ks_tokenizer *t);

/* Word-byte table of the scalar kernel: 1 for word bytes. */
extern const unsigned char ks_tok_word_byte[256];

#endif
