/* buf.h - a growable byte buffer, always NUL-terminated after len bytes.
 *
 * The struct is public because callers own it (usually on the stack):
 *     ks_buf b = {0}; ks_buf_append(&b, "x", 1); ...; ks_buf_free(&b);
 * Appending may move data: pointers into data are invalid after any append.
 */
#ifndef KS_BUF_H
#define KS_BUF_H

#include <stddef.h>
#include "status.h"

typedef struct {
    char *data;   /* bytes, NUL after len; NULL while cap == 0 */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated */
} ks_buf;

ks_status ks_buf_reserve(ks_buf *b, size_t extra);  /* room for len+extra+1 */
ks_status ks_buf_append(ks_buf *b, const void *p, size_t n);
ks_status ks_buf_putc(ks_buf *b, int c);
ks_status ks_buf_printf(ks_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ks_buf_clear(ks_buf *b);                        /* len = 0, keeps memory */
void ks_buf_free(ks_buf *b);                         /* back to {0} */

#endif
