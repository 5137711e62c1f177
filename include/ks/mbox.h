/* mbox.h - splits an mbox stream into messages.
 *
 * A message starts at a From_ line: a line that looks like a real envelope
 * line, at most 1000 bytes,
 *     From <sender> <date with a hh:mm time and a 4-digit year>
 * ("From alice@example.com  Thu Aug 22 13:17:22 2002"). Requiring the date
 * keeps "From what I heard..." in a body, which matters because ">From "
 * escaping is not reliable in real mailboxes. The empty line that mbox
 * writers put before a From_ line is not required, so that a plain
 * concatenation of message files (each starting with its From_ line, not
 * all ending with an empty line) splits as well.
 *
 * Each message is returned with its own From_ line first, up to (not
 * including) the next From_ line, so a one-message mbox yields exactly the
 * bytes of the file, and the blank line that separates two messages stays
 * with the first. ">From " lines are NOT unescaped: mboxo and mboxrd cannot
 * be told apart from the data, and a quoted '>' changes no classification.
 * Bytes before the first From_ line (a stream that does not start with one)
 * form a message of their own.
 *
 * Limit: a message over max_message bytes is read to its end but its bytes
 * are dropped; ks_mbox_next() then returns KS_OK with *oversize set.
 * Not thread-safe. The splitter does not own the stream.
 */
#ifndef KS_MBOX_H
#define KS_MBOX_H

#include <stddef.h>
#include "instream.h"
#include "status.h"

#define KS_MBOX_FROM_MAX 1000   /* longest line taken as a From_ line */

typedef struct ks_mbox ks_mbox;

ks_status ks_mbox_new(ks_mbox **out /* OUT */, ks_instream *in, size_t max_message);

/* Next message: KS_OK with *data / *len (data[len] == '\0', owned by the
 * splitter, valid until the next call), *line = 1-based line where it
 * starts and *oversize (0/1; when 1, *len is the real size and *data is
 * ""); KS_DONE at the end; or an error of the stream. */
ks_status ks_mbox_next(ks_mbox *m, const char **data /* OUT */, size_t *len /* OUT */,
                       long *line /* OUT */, int *oversize /* OUT */);

/* Non-zero once the stream is exhausted: after a message, says whether it
 * was the last one (the message ended at end of file). */
int ks_mbox_at_end(const ks_mbox *m);

/* True when line[0..len) (without its line end) is a From_ line by the
 * rule above. Exposed for format detection and tests. */
int ks_mbox_is_from_line(const char *line, size_t len);

void ks_mbox_free(ks_mbox *m);   /* NULL is a no-op */

#endif
