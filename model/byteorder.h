/* byteorder.h - little-endian fields for the model files (model.bin,
 * svm.bin), written and read byte by byte so that host byte order and
 * struct padding never reach disk. Internal to model/.
 *
 * Writers append to a ks_buf reserved in advance (they cannot fail);
 * readers walk a cursor whose bounds the caller checked first, so running
 * past the end is a bug, not bad input.
 */
#ifndef KS_MODEL_BYTEORDER_H
#define KS_MODEL_BYTEORDER_H

#include <stdint.h>
#include <string.h>
#include "ks/buf.h"

static inline void put_bytes(ks_buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void put_u32(ks_buf *b, uint32_t v)
{
    unsigned char x[4] = {v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24};
    put_bytes(b, x, 4);
}

static inline void put_u64(ks_buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static inline void put_f64(ks_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_u64(b, u);
}

static inline void put_f32(ks_buf *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    put_u32(b, u);
}

typedef struct {
    const unsigned char *p;   /* file bytes */
    size_t len;               /* bytes in the file */
    size_t pos;               /* next byte to read */
} reader;

static inline uint32_t get_u32(reader *r)
{
    const unsigned char *q = r->p + r->pos;
    r->pos += 4;
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
           (uint32_t)q[3] << 24;
}

static inline uint64_t get_u64(reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static inline double get_f64(reader *r)
{
    uint64_t u = get_u64(r);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static inline float get_f32(reader *r)
{
    uint32_t u = get_u32(r);
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

#endif
