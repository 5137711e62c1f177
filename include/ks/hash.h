/* hash.h - token hashing for the hashed bag of words.
 *
 * MurmurHash3 x86_32 (Austin Appleby, public domain algorithm; written
 * here from its description): fast on short keys, good avalanche, and its
 * seed lets a prefix ("subject:") be folded in without copying the token.
 * A feature's bucket is the low hash_bits of the hash and its sign the top
 * bit (hash_bits <= 28, so they are independent bits).
 */
#ifndef KS_HASH_H
#define KS_HASH_H

#include <stddef.h>
#include <stdint.h>

uint32_t ks_hash32(const void *key, size_t len, uint32_t seed);

/* Hash of a pair of hashes (word bigrams, prefix + token). */
uint32_t ks_hash_pair(uint32_t a, uint32_t b);

#endif
