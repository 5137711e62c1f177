/* instream.h - a buffered byte stream over a plain file or a gzip file.
 *
 * The readers of the dataset module (csv.h, mbox.h) parse straight out of
 * the stream's buffer: ks_instream_fill() exposes the bytes buffered so far
 * and ks_instream_consume() drops the ones parsed, so no byte is copied
 * twice. The buffer is large (256 KiB) so a plain file costs one read(2)
 * per 256 KiB and a gzip file one inflate() call per 256 KiB of output.
 *
 * gzip: inflated with zlib (concatenated members are read as one stream;
 * bytes after the last member that are not a gzip member are ignored, as
 * gzip(1) does). Against gzip bombs, the decompressed size may not exceed
 * max_ratio times the compressed file size, with a floor of 1 MiB: past
 * that the stream fails with KS_ERR_LIMIT. Corrupt or truncated gzip data
 * fails with KS_ERR_FORMAT. Every error detail names the file.
 *
 * One handle is reused across files (ks_instream_open closes the previous
 * one), so reading thousands of small files allocates its buffers once.
 * A handle is not thread-safe; distinct handles are independent.
 */
#ifndef KS_INSTREAM_H
#define KS_INSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

typedef struct ks_instream ks_instream;

/* How ks_instream_open reads the file. */
typedef enum {
    KS_IN_AUTO = 0,   /* gzip when the name ends in ".gz", else plain */
    KS_IN_PLAIN = 1,
    KS_IN_GZIP = 2
} ks_in_mode;

#define KS_INSTREAM_BUFSIZE (256u * 1024u)   /* bytes buffered per fill */
#define KS_INSTREAM_GZ_FLOOR (1u << 20)      /* bytes always allowed out */
#define KS_INSTREAM_MINBUF 4u                /* smallest buffer (a BOM fits) */

/* A closed handle; bufsize 0 means KS_INSTREAM_BUFSIZE, and a bufsize under
 * KS_INSTREAM_MINBUF is raised to it (small sizes are for tests). */
ks_status ks_instream_new(ks_instream **out /* OUT */, size_t bufsize);

/* Opens path (closing whatever was open). max_ratio 0 disables the gzip
 * ratio limit. KS_ERR_IO when the file cannot be opened; the detail names
 * it and errno's text. On failure the handle is closed but reusable. */
ks_status ks_instream_open(ks_instream *s, const char *path, ks_in_mode mode,
                           uint32_t max_ratio);

/* Makes bytes available: on KS_OK *p / *n (n > 0) are the buffered bytes,
 * valid until the next fill/consume/open/close. Reads more only when the
 * buffer is empty, or when fewer than `want` bytes are buffered (then it
 * moves the rest to the front and tops up; want is capped at the buffer
 * size). KS_DONE at end of file (*n = 0), else KS_ERR_IO / KS_ERR_FORMAT /
 * KS_ERR_LIMIT as described above; errors are sticky until the next open. */
ks_status ks_instream_fill(ks_instream *s, size_t want, const char **p /* OUT */,
                           size_t *n /* OUT */);

/* Drops n (<= the *n of the last fill) bytes from the front. */
void ks_instream_consume(ks_instream *s, size_t n);

/* Reads one line, without its '\n', into line (cleared first; NUL-terminated).
 * A line longer than max sets *too_long, is read to its end and leaves line
 * empty. KS_OK, KS_DONE at end of stream (no line), or the stream's error. */
ks_status ks_instream_read_line(ks_instream *s, size_t max, ks_buf *line,
                                int *too_long /* OUT */);

/* Copies up to n bytes to dst; *got < n only at end of file. */
ks_status ks_instream_read(ks_instream *s, void *dst, size_t n,
                           size_t *got /* OUT */);

const char *ks_instream_path(const ks_instream *s);   /* "" when closed */
uint64_t ks_instream_bytes_in(const ks_instream *s);  /* read from disk */
uint64_t ks_instream_bytes_out(const ks_instream *s); /* delivered */
int ks_instream_is_gzip(const ks_instream *s);

void ks_instream_close(ks_instream *s);   /* keeps the buffers */
void ks_instream_free(ks_instream *s);    /* NULL is a no-op */

#endif
