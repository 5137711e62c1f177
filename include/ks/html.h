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

/* html must be UTF-8 (convert first with ks_charset_to_utf8); bad bytes
 * become U+FFFD and NULs are dropped. Text is APPENDED to `text` (never
 * touching what is there); whitespace runs become one blank, block elements
 * end lines, table cells are blank-separated, the title is kept. link may be
 * NULL; url is NUL-terminated, valid during the call only, with tabs and
 * line breaks removed and outer blanks trimmed. Malformed HTML is not an
 * error: the parser recovers. Returns KS_OK or KS_ERR_NOMEM.
 * Thread-safe; libxml2's error output is silenced on each calling thread. */
ks_status ks_html_to_text(const char *html, size_t len, ks_buf *text,
                          ks_html_link_fn link, void *ctx);

/* Optional: ks_html_to_text initialises libxml2 itself (pthread_once).
 * ks_html_global_cleanup (xmlCleanupParser) only at process exit, after every
 * thread is done with libxml2 (it frees libxml2's global state). */
void ks_html_global_init(void);
void ks_html_global_cleanup(void);

#endif
