/* bow.h - hashed, signed bag-of-words counting for one message.
 *
 * Add hashes as tokens are found (one at a time, or by appending to the
 * array ks_bow_hashes() gives); ks_bow_finish() merges equal buckets
 * (signed counts: two tokens colliding with opposite signs cancel, the
 * point of signed hashing, Weinberger et al. 2009), turns counts into
 * weights (binary or 1 + ln|count|, keeping the sign) and optionally
 * scales the vector to unit L2 length. The vector depends only on the
 * multiset of hashes added, not on their order.
 */
#ifndef KS_BOW_H
#define KS_BOW_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "features.h"
#include "hash.h"

typedef struct ks_bow ks_bow;

ks_status ks_bow_new(ks_bow **out /* OUT */, uint32_t hash_bits);
void ks_bow_free(ks_bow *b);   /* NULL is a no-op */

void ks_bow_reset(ks_bow *b);
/* Adds the feature of hash h (bucket and sign from h, see hash.h). */
ks_status ks_bow_add(ks_bow *b, uint32_t h);
/* The hashes added since the last reset; appending to it (ks_hashes_reserve,
 * then h[n++] = ...) adds features. Valid until ks_bow_free(). */
ks_hashes *ks_bow_hashes(ks_bow *b);
/* Number of hashes added since the last reset. */
size_t ks_bow_count(const ks_bow *b);
ks_status ks_bow_finish(ks_bow *b, uint32_t weighting, int normalize,
                        ks_fvec *out /* OUT */);

/* The kernel (cpu.h ks_kernel_id) whose counting kernels finish() uses:
 * the one ks_cpu_init() chose, at ks_bow_new(). Every kernel gives the
 * vectors of the scalar one. Tests and benchmarks may pick another;
 * KS_ERR_USAGE when it is not supported on this machine. */
ks_status ks_bow_set_kernel(ks_bow *b, int kernel);
int ks_bow_kernel(const ks_bow *b);

#endif
