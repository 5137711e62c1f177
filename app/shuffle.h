/* shuffle.h - the training passes' shuffle buffer, bounded by messages and
 * by bytes.
 *
 * A new example (its encoded vectors, ks_fvec_encode, with a label and a
 * weight) takes a free slot while there is one; once the buffer holds
 * `slots` examples it replaces a random one, which is learned from first
 * (the learn callback). ks_shuffle_drain learns what is left, in random
 * order. With the same seed and pushes, the examples reach the callback in
 * the same order, whatever the byte bound, as long as it is not reached.
 *
 * Byte bound: the examples held (their bytes plus 8 per example) never
 * exceed max_bytes. When a new example would pass it, random examples are
 * learned from (and leave) first, until it fits; an example larger than
 * max_bytes alone is held alone. The examples sit back to back in one
 * block, compacted when it is full and grown only while the bound allows,
 * so the block stays below max_bytes + max_bytes / 8 (+ 4 KiB): memory is
 * the bound, not the largest vectors seen, and does not fragment the heap.
 *
 * The callback must not push into the buffer; the bytes it is given are
 * valid until it returns. One thread.
 */
#ifndef KS_APP_SHUFFLE_H
#define KS_APP_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>
#include "ks/status.h"

/* Default byte bound of the training passes' buffer: above what 1024
 * messages of the SpamAssassin split take (a block of 10.1 MB; Knitfab
 * 5.4 MB), so on both the order is the message-count buffer's and the
 * models are those of no byte bound (4 MiB changed the SpamAssassin
 * update's validate accuracy from 0.9936 to 0.9927). */
#define KS_SHUFFLE_BYTES ((size_t)16 << 20)

typedef struct ks_shuffle ks_shuffle;

/* Learns one example (replay: it came from the reservoir; see train.c). */
typedef void (*ks_shuffle_learn_fn)(void *ctx, const unsigned char *data, size_t len, int label,
                                    double weight);

ks_status ks_shuffle_new(ks_shuffle **out, size_t slots, size_t max_bytes, uint64_t seed);
void ks_shuffle_free(ks_shuffle *s);

/* The generator's state (each pass starts from its own seed), and a draw
 * from it for the caller's own shuffles (the buffer's next picks follow). */
void ks_shuffle_seed(ks_shuffle *s, uint64_t seed);
uint64_t ks_shuffle_random(ks_shuffle *s);

/* Adds an example (label: any int, given back as is). KS_ERR_NOMEM only. */
ks_status ks_shuffle_push(ks_shuffle *s, const void *data, size_t len, int label, double weight,
                          ks_shuffle_learn_fn learn, void *ctx);

/* Learns every example held, in random order, and empties the buffer. */
void ks_shuffle_drain(ks_shuffle *s, ks_shuffle_learn_fn learn, void *ctx);

size_t ks_shuffle_count(const ks_shuffle *s);        /* examples held */
size_t ks_shuffle_held(const ks_shuffle *s);         /* their bytes, 8 each included */
size_t ks_shuffle_block(const ks_shuffle *s);        /* bytes of the block */
uint64_t ks_shuffle_early(const ks_shuffle *s);      /* examples learned early
                                                         for the byte bound */

#endif
