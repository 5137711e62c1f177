/* replay.c - the model's replay reservoir (see model.h).
 *
 * Algorithm R: the k-th example offered (k from 1) fills a free slot while
 * there is one, else replaces slot j with probability cap/k, j uniform.
 * After any number of offers the reservoir is a uniform sample of all of
 * them, across sessions, because the count and the generator state are
 * saved with the model.
 *
 * Examples are kept encoded, as model.bin stores them: a varint count,
 * then either (binary weights: every value has the same magnitude) a
 * float32 magnitude and per feature varint((index gap << 1) | sign), or a
 * float32 value after each varint index gap. Indices ascend, so gaps are
 * small: about 2 bytes a feature instead of 8.
 */
#include <math.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "model_internal.h"

enum { ENC_UNIFORM = 0, ENC_VALUES = 1 };

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void put_varint(ks_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        b->data[b->len++] = (char)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (char)v;
}

static int get_varint(const unsigned char *p, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        unsigned char c = p[(*pos)++];
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static void put_f32(ks_buf *b, float f)
{
    memcpy(b->data + b->len, &f, 4);   /* little-endian hosts */
    b->len += 4;
}

static int uniform(const ks_fvec *x)
{
    for (uint32_t k = 1; k < x->n; k++)
        if (fabsf(x->f[k].value) != fabsf(x->f[0].value))
            return 0;
    return 1;
}

/* Encodes x into a fresh buffer (ks_malloc'ed; caller owns data). */
static ks_status encode(const ks_fvec *x, ks_buf *b)
{
    int uni = uniform(x);
    uint32_t prev = 0;
    ks_status st = ks_buf_reserve(b, 10 + 5 + (size_t)x->n * (uni ? 5 : 9));
    if (st != KS_OK)
        return st;
    put_varint(b, x->n);
    b->data[b->len++] = (char)(uni ? ENC_UNIFORM : ENC_VALUES);
    if (uni)
        put_f32(b, x->n ? fabsf(x->f[0].value) : 0.0f);
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t gap = x->f[k].index - prev;
        prev = x->f[k].index;
        if (uni) {
            put_varint(b, ((uint64_t)gap << 1) | (x->f[k].value < 0));
        } else {
            put_varint(b, gap);
            put_f32(b, x->f[k].value);
        }
    }
    return KS_OK;
}

ks_status ks_model_replay_decode(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out)
{
    size_t pos = 0;
    uint64_t n, v;
    float scale = 0;
    int mode;
    int64_t prev = -1;

    if (get_varint(p, len, &pos, &n) || n > dim || pos >= len)
        return KS_ERR_MODEL;
    mode = p[pos++];
    if (mode > ENC_VALUES || (mode == ENC_UNIFORM && len - pos < 4))
        return KS_ERR_MODEL;
    if (mode == ENC_UNIFORM) {
        memcpy(&scale, p + pos, 4);
        pos += 4;
        if (!isfinite(scale))
            return KS_ERR_MODEL;
    }
    if (n > out->cap) {
        ks_feature *f = ks_realloc(out->f, n * sizeof *f);
        if (!f)
            return ks_fail(KS_ERR_NOMEM, "out of memory decoding the replay reservoir");
        out->f = f;
        out->cap = (uint32_t)n;
    }
    for (uint64_t k = 0; k < n; k++) {
        float val;
        if (get_varint(p, len, &pos, &v))
            return KS_ERR_MODEL;
        uint64_t gap = mode == ENC_UNIFORM ? v >> 1 : v;
        int64_t idx = (prev < 0 ? 0 : prev) + (int64_t)gap;
        if ((k && gap == 0) || idx >= dim)
            return KS_ERR_MODEL;
        if (mode == ENC_UNIFORM) {
            val = (v & 1) ? -scale : scale;
        } else {
            if (len - pos < 4)
                return KS_ERR_MODEL;
            memcpy(&val, p + pos, 4);
            pos += 4;
            if (!isfinite(val))
                return KS_ERR_MODEL;
        }
        out->f[k].index = (uint32_t)idx;
        out->f[k].value = val;
        prev = idx;
    }
    out->n = (uint32_t)n;
    return pos == len ? KS_OK : KS_ERR_MODEL;
}

void ks_model_replay_free(ks_model *m)
{
    for (uint32_t i = 0; m->replay && i < m->nreplay; i++)
        ks_free(m->replay[i].data);
    ks_free(m->replay);
    m->replay = NULL;
    m->nreplay = 0;
}

ks_status ks_model_replay_put(ks_model *m, uint32_t i, unsigned char *data, size_t len, int label)
{
    if (!m->replay && !(m->replay = ks_calloc(m->tc.replay, sizeof *m->replay))) {
        ks_free(data);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    }
    ks_free(m->replay[i].data);
    m->replay[i].data = data;
    m->replay[i].len = len;
    m->replay[i].label = (unsigned char)(label != 0);
    if (i == m->nreplay)
        m->nreplay++;
    return KS_OK;
}

static ks_status store(ks_model *m, uint32_t i, const ks_fvec *x, int label)
{
    ks_buf b = {0};
    ks_status st = encode(x, &b);
    if (st != KS_OK) {
        ks_buf_free(&b);
        return st;
    }
    return ks_model_replay_put(m, i, (unsigned char *)b.data, b.len, label);
}

ks_status ks_model_replay_offer(ks_model *m, const ks_fvec *x, int label)
{
    uint64_t j;
    if (!m->tc.replay)
        return KS_OK;
    if (!m->replay_seen && !m->replay_rng)
        m->replay_rng = m->tc.seed ^ 0x7265706c6179ull;   /* "replay" */
    m->replay_seen++;
    if (m->nreplay < m->tc.replay)
        return store(m, m->nreplay, x, label);
    j = splitmix64(&m->replay_rng) % m->replay_seen;
    if (j >= m->tc.replay)
        return KS_OK;
    return store(m, (uint32_t)j, x, label);
}

size_t ks_model_replay_count(const ks_model *m) { return m->nreplay; }

ks_status ks_model_replay_get(const ks_model *m, size_t i, ks_fvec *out, int *label)
{
    *label = m->replay[i].label;
    ks_status st = ks_model_replay_decode(m->replay[i].data, m->replay[i].len, m->dim, out);
    if (st == KS_ERR_MODEL)   /* checked on load: cannot happen */
        return ks_fail(st, "replay example %zu does not decode", i);
    return st;
}
