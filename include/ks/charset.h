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

/* Appends the UTF-8 form of in[0..len) in `charset` (may be NULL) to out.
 * The name is matched case-insensitively, quotes and blanks trimmed, and
 * mapped as WHATWG does (gb2312 -> GBK, big5 -> Big5-HKSCS, iso-8859-1 ->
 * windows-1252, ks_c_5601-1987 -> CP949, unicode-1-1-utf-7 -> UTF-7).
 * Only KS_ERR_NOMEM is returned: bad bytes become U+FFFD.
 * Thread-safe: iconv descriptors are cached per thread (closed at thread
 * exit; the main thread's stay open until process exit). */
ks_status ks_charset_to_utf8(const char *charset, const char *in, size_t len,
                             ks_buf *out);

/* True when `charset` (may be NULL) names a charset this module decodes;
 * false for unknown names, which ks_charset_to_utf8 reads by sniffing. */
bool ks_charset_supported(const char *charset);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool ks_utf8_valid(const char *s, size_t len);

/* Appends latin-1 bytes as UTF-8. */
ks_status ks_latin1_to_utf8(const char *in, size_t len, ks_buf *out);

#endif
