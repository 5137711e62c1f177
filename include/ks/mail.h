/* mail.h - RFC 822 / MIME message decoding, as a mail client would.
 *
 * ks_mail_decode() walks one raw message and hands its readable content to
 * a sink as UTF-8 segments, in message order:
 *   - KS_SEG_HEADER: one per header field, name = lower-case field name
 *     ("subject"), text = unfolded value with RFC 2047 words decoded;
 *     headers of nested message/rfc822 parts and of MIME parts included;
 *   - KS_SEG_BODY: one per text part, name = "plain" or "html", text =
 *     transfer-decoded (base64, quoted-printable), charset-converted text;
 *     HTML parts are already turned into text (html.h);
 *   - KS_SEG_URL: one per link target found in HTML or URL-like text,
 *     name = NULL;
 *   - KS_SEG_ATTACH: one per non-text part, name = "type/subtype",
 *     text = its file name ("" if none); its body is not passed on.
 * Broken structure (missing boundaries, bad base64) is recovered from, as
 * mail clients do; only limits and allocation failure are errors.
 */
#ifndef KS_MAIL_H
#define KS_MAIL_H

#include <stddef.h>
#include "status.h"

typedef enum {
    KS_SEG_HEADER = 0,
    KS_SEG_BODY = 1,
    KS_SEG_URL = 2,
    KS_SEG_ATTACH = 3
} ks_seg_kind;

typedef struct {
    unsigned max_depth;   /* MIME nesting depth (default 16) */
    unsigned max_parts;   /* MIME parts per message (default 1000) */
} ks_mail_limits;

void ks_mail_limits_default(ks_mail_limits *lim);

/* Returns non-zero to stop the walk (ks_mail_decode then returns KS_OK).
 * text is valid only during the call; text[len] == '\0'. */
typedef int (*ks_mail_sink)(void *ctx, ks_seg_kind kind, const char *name,
                            const char *text, size_t len);

/* lim may be NULL for defaults. Returns KS_ERR_LIMIT (with detail) when a
 * limit is exceeded, KS_ERR_NOMEM, else KS_OK. */
ks_status ks_mail_decode(const char *raw, size_t len,
                         const ks_mail_limits *lim, ks_mail_sink sink,
                         void *ctx);

#endif
