/* prefetch.h - reading, decoding and feature extraction ahead of the
 * learner, in a thread of their own (as Vowpal Wabbit's parser thread).
 *
 * A producer thread runs ks_dataset_next() + ks_extract() into a bounded
 * ring of slots, handing every other message to a helper thread with an
 * extractor of its own (extraction is nearly all of the work on raw mail);
 * the consumer takes them with ks_prefetch_next() in exactly the dataset's
 * order, so every result equals a single-threaded run. With threaded = 0
 * (--threads 1) next() reads and extracts inline, same output.
 *
 * Use, one pass:
 *     ks_dataset_rewind(ds, seed);                 (caller, between passes)
 *     ks_prefetch_start(p, ds, ex);
 *     while ((st = ks_prefetch_next(p, &x, &info)) == KS_OK) {
 *         if (info.extract_st != KS_OK) { ... skip or fail, info.detail ... }
 *         learn(&x, info.label);
 *     }
 *     ks_prefetch_stop(p);   (st: KS_DONE, or a dataset error, detail set)
 *
 * Ownership and threads: between start() and the end of the pass (next()
 * returned KS_DONE or an error, or stop()) the producer thread owns ds and
 * ex: the caller must not touch them (the stats for a progress line come in
 * info.messages / info.bytes instead). The error detail (ks_error_detail)
 * is thread-local: failures are carried across with their text and set
 * again on the consumer's thread. Memory: depth slots, each one vector and
 * the id/file strings of one message; never the dataset.
 */
#ifndef KS_APP_PREFETCH_H
#define KS_APP_PREFETCH_H

#include <stdint.h>
#include "ks/dataset.h"
#include "ks/features.h"

typedef struct ks_prefetch ks_prefetch;

typedef struct {
    int label;              /* 0 ham, 1 spam */
    ks_msg_kind kind;
    const char *id;         /* message id; valid until the next call */
    const char *file;       /* file it came from; valid until the next call */
    long line;              /* line in file where it starts, or 0 */
    size_t len;             /* message bytes */
    size_t source;          /* list index of its data file
                               (ks_dataset_source) */
    uint64_t messages;      /* dataset stats messages after this one */
    uint64_t bytes;         /* dataset stats bytes after this one */
    ks_status extract_st;   /* ks_extract()'s status: KS_OK, or a failure
                               (KS_ERR_LIMIT: over MIME limits) whose text
                               is in detail; the vector is then empty */
    int view;               /* 1: the training view was extracted too
                               (ks_prefetch_set_view; not for vectors) */
    const char *detail;     /* "" or the failure's detail, prefixed with
                               "file: message id: "; valid until next call */
} ks_prefetch_info;

/* depth: slots in the ring (>= 1; 64 is plenty). threaded = 0 runs inline. */
ks_status ks_prefetch_new(ks_prefetch **out /* OUT */, unsigned depth, int threaded);

/* Starts a pass over ds from where it stands (rewind it first) with ex.
 * Ends a pass still running first. */
ks_status ks_prefetch_start(ks_prefetch *p, ks_dataset *ds, ks_extractor *ex);

/* Next message of the pass: KS_OK with *vec and *info filled, KS_DONE at
 * the end, or the dataset's error (< 0) with its detail on this thread;
 * after the end it keeps returning that status. *vec's storage is swapped
 * with the slot's (no copy): pass the same vector each time, or any
 * vector the caller owns ({0} is fine); it is freed by the caller. */
ks_status ks_prefetch_next(ks_prefetch *p, ks_fvec *vec /* IN/OUT */,
                           ks_prefetch_info *info /* OUT */);

/* With on, the producer also extracts each message's training view
 * (ks_extract_view; ex must have one), which ks_prefetch_next_view()
 * hands out. Set before ks_prefetch_start(). */
void ks_prefetch_set_view(ks_prefetch *p, int on);
/* ks_prefetch_next() that also swaps the view's vector into *view
 * (view NULL: ignored); info->view tells whether there is one. */
ks_status ks_prefetch_next_view(ks_prefetch *p, ks_fvec *vec /* IN/OUT */,
                                ks_fvec *view /* IN/OUT */, ks_prefetch_info *info /* OUT */);

/* Messages the extraction helper thread extracted, all passes so far (the
 * producer hands it every other one; see prefetch.c). */
uint64_t ks_prefetch_handed(const ks_prefetch *p);

/* Ends the pass (joins the producer); ds and ex are the caller's again.
 * No-op when no pass runs. */
void ks_prefetch_stop(ks_prefetch *p);

void ks_prefetch_free(ks_prefetch *p);   /* stops first; NULL is a no-op */

#endif
