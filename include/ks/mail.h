/* mail.h - RFC 822 / MIME message decoding, as a mail client would.
 *
 * ks_mail_decode() walks one raw message and hands its readable content to
 * a sink as UTF-8 segments, in message order:
 *   - KS_SEG_HEADER: one per header field, name = lower-case field name
 *     ("subject"), text = unfolded value with RFC 2047 words decoded;
 *     headers of nested message/rfc822 parts and of MIME parts included;
 *   - KS_SEG_BODY: one per non-empty text part (text/(any subtype) and
 *     message/delivery-status), name = "html" for text/html, else "plain";
 *     text = transfer-decoded (base64, quoted-printable), charset-converted
 *     text, CR LF turned into LF, NUL bytes dropped; HTML parts are already
 *     turned into text (html.h); both halves of multipart/alternative come;
 *   - KS_SEG_URL: one per link target found in HTML (a/area href, img src,
 *     form action) or per http://, https://, www. run in plain text, after
 *     the BODY segment it belongs to; name = NULL;
 *   - KS_SEG_ATTACH: one per non-text part, name = "type/subtype",
 *     text = its file name ("" if none); its body is not passed on.
 * Broken structure (missing boundaries, bad base64) is recovered from, as
 * mail clients do; only limits and allocation failure are errors.
 * A leading mbox "From " line is skipped. Text without a declared charset is
 * UTF-8 if valid, else windows-1252 (charset.h).
 * Thread-safe: no shared state besides charset.h's per-thread cache.
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

/* The message itself is at depth 0; the parts of a multipart and the body
 * of a message/rfc822 part are one deeper than their container. */
typedef struct {
    unsigned max_depth;   /* deepest part allowed (default 16; values above
                             256 act as 256, to bound the stack) */
    unsigned max_parts;   /* entities per message, the message itself and
                             nested messages included (default 1000) */
} ks_mail_limits;

void ks_mail_limits_default(ks_mail_limits *lim);

/* Returns non-zero to stop the walk (ks_mail_decode then returns KS_OK).
 * text is valid only during the call; text[len] == '\0'. */
typedef int (*ks_mail_sink)(void *ctx, ks_seg_kind kind, const char *name,
                            const char *text, size_t len);

/* lim may be NULL for defaults. Returns KS_ERR_LIMIT (with detail) when a
 * limit is exceeded, KS_ERR_NOMEM, KS_ERR_USAGE for a NULL sink or NULL raw
 * with len > 0, else KS_OK. On an error the segments already delivered
 * stand; the walk stops there. */
ks_status ks_mail_decode(const char *raw, size_t len,
                         const ks_mail_limits *lim, ks_mail_sink sink,
                         void *ctx);

#endif
