/* libsvm.h - the LIBSVM sparse text format: our hashed features out
 * (spam-features) and feature vectors in (--format libsvm).
 *
 * A line is `label index:value index:value ... [# comment]`:
 *   label   written as 1 (spam) or 0 (ham), the labels of our CSV's
 *           label_num and of metrics.json; read as spam for 1 / +1 (and
 *           1.0), ham for 0 / -1 (and 0.0, -1.0); anything else is a bad
 *           label;
 *   qid:N   after the label (SVMlight ranking files) is accepted and ignored;
 *   index   1-based, strictly ascending (libsvm's own reader rejects
 *           anything else), at most 2^28: bucket b of a ks_fvec is index
 *           b + 1;
 *   value   a finite decimal number, written with %.9g so a float comes
 *           back bit for bit; taken as given (no weighting, no scaling);
 *   blank lines and lines starting with '#' are not records.
 * Separators are spaces and tabs; a CR before the LF is ignored.
 *
 * Parsers never allocate except into the caller's ks_fvec; errors return
 * KS_ERR_FORMAT with a detail saying what is wrong and at which byte.
 */
#ifndef KS_LIBSVM_H
#define KS_LIBSVM_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "features.h"
#include "instream.h"
#include "status.h"

#define KS_LIBSVM_MAX_INDEX (1u << 28)   /* largest index we read (hash_bits 28) */

/* Outcome of ks_libsvm_split. */
enum { KS_LIBSVM_OK = 0, KS_LIBSVM_BAD_LABEL = 1, KS_LIBSVM_MALFORMED = 2 };

/* Reads the next line of `in` into line (without "\n" or "\r\n"), at most
 * max bytes; a longer line is consumed and *too_long set (line is then
 * empty). *lineno counts physical lines. KS_OK, KS_DONE at end of file, or
 * the stream's error. Memory: at most max + 1 bytes in line. */
ks_status ks_libsvm_read_line(ks_instream *in, size_t max, ks_buf *line,
                              long *lineno /* IN/OUT */, int *too_long /* OUT */);

/* 1 when line[0..len) holds no record (blank, or a '#' comment). */
int ks_libsvm_is_blank(const char *line, size_t len);

/* Splits a record line: *label (0/1) and the "index:value ..." part
 * (*feat, *feat_len: after the label and any qid, before any comment,
 * blanks trimmed). Returns KS_LIBSVM_OK, KS_LIBSVM_BAD_LABEL, or
 * KS_LIBSVM_MALFORMED (no label token at all). Does not check the
 * features: ks_libsvm_parse does. */
int ks_libsvm_split(const char *line, size_t len, int *label /* OUT */,
                    const char **feat /* OUT */, size_t *feat_len /* OUT */);

/* Parses "index:value ..." (s need not be NUL-terminated) into out
 * (replaced): index i becomes bucket i - 1. Fails with KS_ERR_FORMAT on a
 * bad token, index 0, an index not greater than the one before, an
 * index > max_index, or a value that is not finite; KS_ERR_NOMEM. *top
 * (may be NULL) gets the largest index (0 for an empty vector). */
ks_status ks_libsvm_parse(const char *s, size_t len, uint32_t max_index,
                          ks_fvec *out /* OUT, NULL: check only */, uint32_t *top /* OUT */);

/* ks_extract() of a KS_MSG_VECTOR: parses s into out like ks_libsvm_parse
 * and checks every index fits 2^hash_bits buckets (KS_ERR_FORMAT saying
 * which --hash-bits would). */
ks_status ks_libsvm_vector(const char *s, size_t len, uint32_t hash_bits,
                           ks_fvec *out /* OUT */);

/* Appends one line "label index:value ...\n" for v (buckets + 1, values
 * with %.9g). KS_ERR_NOMEM. */
ks_status ks_libsvm_format(ks_buf *b, int label, const ks_fvec *v);

#endif
