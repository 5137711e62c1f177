/* csv.h - a streaming RFC 4180 CSV record reader.
 *
 * Reads records one at a time from a ks_instream, so memory is one record,
 * whatever the file size. Accepted syntax (RFC 4180, plus what Python's csv
 * module and pandas accept, so that both read the same records):
 *   - fields separated by ',', records ended by LF, CRLF or a lone CR;
 *   - a field starting with '"' is quoted: it may hold ',', CR, LF and '""'
 *     (one '"'); characters after its closing quote up to the next ',' or
 *     line end are appended as they are (`"ab"c` reads as `abc`);
 *   - a '"' inside an unquoted field is an ordinary character;
 *   - empty fields are fine (`a,,b` has 3 fields; `a,` has 2);
 *   - empty lines are skipped (they are not records);
 *   - a UTF-8 byte order mark at the very start of the file is dropped.
 * Bytes are passed through unchanged (no charset conversion, NUL allowed).
 *
 * Limits: a field longer than max_field bytes, or a record with more than
 * KS_CSV_MAX_FIELDS fields, marks the record oversize: it is still read to
 * its end (so the next record is found) but the content of the oversize
 * field is dropped; ks_csv_oversize() says so. A quoted field still open at
 * end of file is KS_ERR_FORMAT, naming the file and the line where the
 * record started.
 *
 * Not thread-safe; one reader per stream. The reader does not own the
 * stream: close or free it after ks_csv_free().
 */
#ifndef KS_CSV_H
#define KS_CSV_H

#include <stddef.h>
#include "instream.h"
#include "status.h"

#define KS_CSV_MAX_FIELDS 4096   /* fields kept per record */

typedef struct ks_csv ks_csv;

/* A reader of the stream `in` (already open), max_field bytes per field. */
ks_status ks_csv_new(ks_csv **out /* OUT */, ks_instream *in, size_t max_field);

/* Reads the next record: KS_OK, KS_DONE at end of file, or an error of the
 * stream / KS_ERR_FORMAT. Invalidates the fields of the previous record. */
ks_status ks_csv_next(ks_csv *c);

/* Fields of the current record (counting those over KS_CSV_MAX_FIELDS). */
size_t ks_csv_nfields(const ks_csv *c);

/* Field i (0-based): NUL-terminated, *len (may be NULL) its byte length;
 * "" for i >= nfields or a field that was not kept. Owned by the reader,
 * valid until the next ks_csv_next(). */
const char *ks_csv_field(const ks_csv *c, size_t i, size_t *len /* OUT */);

/* 1-based line of the file where the current record starts. */
long ks_csv_line(const ks_csv *c);

/* Non-zero when the current record broke a limit (see above). */
int ks_csv_oversize(const ks_csv *c);

void ks_csv_free(ks_csv *c);   /* NULL is a no-op */

#endif
