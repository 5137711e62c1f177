/* codec.h - MIME transfer decodings and RFC 2047 encoded words.
 *
 * Decoders are lenient, as mail clients are: spam is hostile and often
 * malformed, so bad input is skipped rather than reported. The only error
 * any of them returns is KS_ERR_NOMEM. Every function APPENDS to `out`
 * (existing content is kept) and leaves it NUL-terminated.
 */
#ifndef KS_CODEC_H
#define KS_CODEC_H

#include <stddef.h>
#include "buf.h"

/* Base64 (RFC 2045 6.8). Characters outside the alphabet (whitespace, line
 * breaks, junk) are skipped; '=' ends the current 4-character group, so
 * concatenated encodings decode; a truncated final group yields the bytes it
 * completes (2 chars -> 1 byte, 3 -> 2, 1 -> none). */
ks_status ks_codec_base64_decode(const char *in, size_t len, ks_buf *out);

/* Quoted-printable (RFC 2045 6.7). "=XX" (either hex case) is one byte,
 * "=" before a line break is a soft break, any other "=" stays literal;
 * whitespace before a line break is dropped, CR LF becomes LF.
 * With q_mode set, decodes RFC 2047 "Q" instead: '_' is a space and line
 * breaks are not special. */
ks_status ks_codec_qp_decode(const char *in, size_t len, int q_mode,
                             ks_buf *out);

/* Decodes an unfolded header value to UTF-8: RFC 2047 encoded words
 * "=?charset[*lang]?B|Q?text?=" are decoded and converted (charset.h);
 * whitespace between two encoded words is dropped, and adjacent words in
 * the same charset are joined before conversion, so a character split
 * across words survives. Words glued to other text are decoded too (as
 * Thunderbird does). Text outside encoded words is undeclared: UTF-8 if
 * valid, ISO-2022-JP if it carries its escapes, else windows-1252.
 * Malformed words are kept as literal text.
 * tmp is scratch space (may be NULL; its content is clobbered), passed so
 * that a caller decoding many headers allocates once. */
ks_status ks_codec_decode_header(const char *in, size_t len, ks_buf *tmp,
                                 ks_buf *out);

#endif
