/* vcache.h - the feature vectors of a training run, extracted once and
 * replayed for every later pass (as Vowpal Wabbit's cache file).
 *
 * The first pass reads and extracts the dataset as usual and appends one
 * record per message (label and the caller's bytes - spam-train's: the
 * example's cross-fit fold and its vectors in the wide form - or the
 * text of a skip) under the list index of the data file it came from
 * (ks_dataset_source). A later pass walks the files in the order the
 * dataset would use for that pass (ks_dataset_order) and returns each
 * file's records in file order: exactly the sequence re-reading and
 * re-extracting would give, at the cost of a sequential read and no
 * parsing.
 *
 * Records go to an unlinked temporary file in $TMPDIR (else /tmp), so
 * memory is two buffers (KS_VCACHE_BUF each, more only for a record
 * larger than that) and 16 bytes per data file, whatever the dataset's
 * size; the file disappears with the process, however it ends. On a tmpfs
 * the file takes memory, though not the process's. When no temporary file
 * can be made or written, the caller re-reads the dataset instead.
 *
 * Use:
 *     ks_vcache_new(&c, ks_dataset_files(ds));
 *     pass 1: ks_vcache_add(c, source, label, vec, len) per message,
 *             ks_vcache_add_skip(...) per message skipped;
 *     ks_vcache_seal(c);
 *     pass p: ks_dataset_order(ds, seed_p, order);
 *             ks_vcache_rewind(c, order);
 *             while ((st = ks_vcache_next(c, &r)) == KS_OK) ...
 * One thread at a time.
 */
#ifndef KS_APP_VCACHE_H
#define KS_APP_VCACHE_H

#include <stddef.h>
#include <stdint.h>
#include "ks/status.h"

#define KS_VCACHE_BUF ((size_t)1 << 18)

typedef struct ks_vcache ks_vcache;

typedef struct {
    int label;                 /* 0 ham, 1 spam */
    int skipped;               /* 1: the extractor refused the message */
    const unsigned char *vec;  /* !skipped: the encoded vector */
    size_t len;                /* its bytes */
    const char *file;          /* skipped: file, line and the detail */
    long line;                 /* text, as the first pass had them */
    const char *detail;
} ks_vcache_rec;               /* pointers valid until the next call */

/* A cache for a dataset of `files` list entries. KS_ERR_IO when no
 * temporary file can be made (detail says why), KS_ERR_NOMEM. */
ks_status ks_vcache_new(ks_vcache **out /* OUT */, size_t files);
void ks_vcache_free(ks_vcache *c);   /* NULL is a no-op */

/* Appends a record of data file `source` (< files). The records of one
 * file must come together: KS_ERR_USAGE when a file comes back after
 * another. KS_ERR_IO when the temporary file cannot be written. */
ks_status ks_vcache_add(ks_vcache *c, size_t source, int label,
                        const void *vec, size_t len);
ks_status ks_vcache_add_skip(ks_vcache *c, size_t source, int label,
                             const char *file, long line, const char *detail);
/* Writes what is buffered and frees the write buffer; needed before the
 * first rewind, and no record may be added after it. */
ks_status ks_vcache_seal(ks_vcache *c);

/* Starts a replay walking the files in order[0 .. files). The caller
 * keeps order alive until the replay ends. */
ks_status ks_vcache_rewind(ks_vcache *c, const size_t *order);
/* Next record: KS_OK, KS_DONE after the last, KS_ERR_IO, KS_ERR_NOMEM. */
ks_status ks_vcache_next(ks_vcache *c, ks_vcache_rec *r /* OUT */);

uint64_t ks_vcache_records(const ks_vcache *c);   /* records added */
uint64_t ks_vcache_size(const ks_vcache *c);      /* bytes of records */
uint64_t ks_vcache_pos(const ks_vcache *c);       /* bytes replayed so far */

#endif
