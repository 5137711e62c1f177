/* buf.c - growable byte buffer. Growth doubles, so appends are amortised
 * O(1); the buffer is NUL-terminated after every successful call. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/buf.h"

ks_status ks_buf_reserve(ks_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;
    if (extra > (size_t)-1 / 2 - b->len)
        return ks_fail(KS_ERR_NOMEM, "buffer of %zu bytes too large", extra);
    need = b->len + extra + 1;
    if (need <= b->cap)
        return KS_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    p = ks_realloc(b->data, cap);
    if (!p)
        return ks_fail(KS_ERR_NOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return KS_OK;
}

ks_status ks_buf_append(ks_buf *b, const void *p, size_t n)
{
    ks_status st = ks_buf_reserve(b, n);
    if (st != KS_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return KS_OK;
}

ks_status ks_buf_putc(ks_buf *b, int c)
{
    char ch = (char)c;
    return ks_buf_append(b, &ch, 1);
}

ks_status ks_buf_printf(ks_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    ks_status st;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return ks_fail(KS_ERR_USAGE, "bad format string");
    }
    st = ks_buf_reserve(b, (size_t)n);
    if (st == KS_OK) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
    return st;
}

void ks_buf_clear(ks_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void ks_buf_free(ks_buf *b)
{
    ks_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
