/* spill.h - an append-only temporary file of bytes, read back in order
 * by any number of readers (each with its own position and buffer).
 *
 * The file is made in $TMPDIR (else /tmp) and unlinked at once, so it
 * disappears with the process however it ends. Its pages are the
 * kernel's page cache, not the process's memory (peak RSS): what a
 * training run would otherwise hold in memory for a later phase goes
 * here and is read back sequentially. On a tmpfs the file takes memory,
 * though not the process's.
 *
 * Writes are buffered (KS_SPILL_BUF); ks_spill_flush hands them to the
 * file and must come before readers read what was written. Readers use
 * pread only, so several threads may each read with their own reader
 * while nobody writes.
 */
#ifndef KS_APP_SPILL_H
#define KS_APP_SPILL_H

#include <stddef.h>
#include <stdint.h>
#include "ks/status.h"

#define KS_SPILL_BUF ((size_t)1 << 18)

typedef struct ks_spill ks_spill;

/* A new empty file. KS_ERR_IO (no temporary file could be made; `what`
 * names it in the detail) or KS_ERR_NOMEM. */
ks_status ks_spill_new(ks_spill **out /* OUT */, const char *what);
void ks_spill_free(ks_spill *s);   /* NULL is a no-op; closes the file */

/* Appends n bytes. KS_ERR_IO (disk full...) or KS_ERR_NOMEM. */
ks_status ks_spill_write(ks_spill *s, const void *p, size_t n);
/* Writes what is buffered and frees the buffer (a later write makes a
 * new one). KS_ERR_IO. */
ks_status ks_spill_flush(ks_spill *s);
uint64_t ks_spill_size(const ks_spill *s);   /* bytes written, buffered included */

/* A reader: start at {0} with ks_spill_reader_start; its buffer is its
 * own (ks_spill_reader_end frees it). */
typedef struct {
    const ks_spill *s;
    uint64_t pos;          /* next byte to hand out */
    unsigned char *buf;    /* file bytes [bpos, bpos + blen) */
    size_t cap, blen;
    uint64_t bpos;
} ks_spill_reader;

void ks_spill_reader_start(ks_spill_reader *r, const ks_spill *s);
/* The next n bytes (*p valid until the next call): KS_OK, KS_DONE at the
 * end of what was flushed, KS_ERR_IO when the file ends inside the n
 * bytes or cannot be read, KS_ERR_NOMEM. */
ks_status ks_spill_read(ks_spill_reader *r, size_t n, const unsigned char **p /* OUT */);
void ks_spill_reader_end(ks_spill_reader *r);

#endif
