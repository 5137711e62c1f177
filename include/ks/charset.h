/* charset.h - conversion of declared charsets to UTF-8 (glibc iconv).
 *
 * Output is always valid UTF-8: bytes that cannot be converted become
 * U+FFFD. An unknown or missing charset is read as UTF-8 when the bytes are
 * valid UTF-8, else as windows-1252 (a superset of latin-1 in practice).
 */
#ifndef KS_CHARSET_H
#define KS_CHARSET_H

#include <stddef.h>
#include <stdbool.h>
#include "buf.h"

/* Appends the UTF-8 form of in[0..len) in `charset` (may be NULL) to out. */
ks_status ks_charset_to_utf8(const char *charset, const char *in, size_t len,
                             ks_buf *out);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool ks_utf8_valid(const char *s, size_t len);

/* Appends latin-1 bytes as UTF-8. */
ks_status ks_latin1_to_utf8(const char *in, size_t len, ks_buf *out);

#endif
