/* json.h - a small streaming JSON writer into a ks_buf.
 *
 * Keeps a nesting stack and inserts commas. Numbers print in the C locale
 * as the shortest of %.15g, %.16g, %.17g that reads back as the same double
 * (0.99, not 0.98999999999999999); NaN and infinities print as null. The
 * programs never call setlocale(LC_NUMERIC, ""), so printf's decimal point
 * is always '.'. Strings are escaped: '"', '\' and control characters
 * (\n, \t, ... or \u00XX), valid UTF-8 passed through, each byte of invalid
 * UTF-8 (stray continuation, overlong form, surrogate, > U+10FFFF,
 * truncated sequence) written as U+FFFD.
 * Misuse (a value without a key inside an object, a key inside an array,
 * nesting past KS_JSON_MAX_DEPTH, ks_json_end with nothing open) sets the
 * status to KS_ERR_USAGE; after the first failure every call does nothing.
 * Set j.pretty = 1 after ks_json_init for output indented by 2 spaces.
 *     ks_json j; ks_json_init(&j, &buf);
 *     ks_json_begin_object(&j); ks_json_key(&j, "accuracy");
 *     ks_json_double(&j, 0.99); ks_json_end(&j);
 */
#ifndef KS_JSON_H
#define KS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "buf.h"

#define KS_JSON_MAX_DEPTH 32

typedef struct {
    ks_buf *out;                        /* where text goes */
    int depth;                          /* open containers */
    bool first[KS_JSON_MAX_DEPTH];      /* no element yet at this depth */
    bool in_object[KS_JSON_MAX_DEPTH];  /* container at depth d+1 is an
                                           object (else an array) */
    bool after_key;                     /* a key was written, value next */
    int pretty;                         /* indent with 2 spaces */
    ks_status err;                      /* first failure, sticky */
} ks_json;

void ks_json_init(ks_json *j, ks_buf *out);
void ks_json_begin_object(ks_json *j);
void ks_json_begin_array(ks_json *j);
void ks_json_end(ks_json *j);
void ks_json_key(ks_json *j, const char *key);
void ks_json_string(ks_json *j, const char *s);
void ks_json_stringn(ks_json *j, const char *s, size_t n);
void ks_json_double(ks_json *j, double v);
void ks_json_int(ks_json *j, int64_t v);
void ks_json_uint(ks_json *j, uint64_t v);
void ks_json_bool(ks_json *j, bool v);
void ks_json_null(ks_json *j);
/* KS_OK, or the first failure (KS_ERR_NOMEM, or KS_ERR_USAGE on misuse). */
ks_status ks_json_status(const ks_json *j);

#endif
