/* html.h - HTML to text with libxml2's HTML parser.
 *
 * Text nodes are appended to `text` (UTF-8, block elements separated by
 * newlines, script/style dropped). Link targets (a href, img src, form
 * action, area href) are reported through `link` so they become tokens.
 */
#ifndef KS_HTML_H
#define KS_HTML_H

#include <stddef.h>
#include "buf.h"

typedef void (*ks_html_link_fn)(void *ctx, const char *url, size_t len);

/* html must be UTF-8 (convert first with ks_charset_to_utf8). link may be
 * NULL. Malformed HTML is not an error: the parser recovers. */
ks_status ks_html_to_text(const char *html, size_t len, ks_buf *text,
                          ks_html_link_fn link, void *ctx);

/* Call once at start (libxml2's xmlInitParser) and at exit. */
void ks_html_global_init(void);
void ks_html_global_cleanup(void);

#endif
