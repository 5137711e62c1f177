/* shuffle.c - the shuffle buffer (see shuffle.h for the contract).
 *
 * Block layout: entries back to back, each a u32 slot index, a u32 length
 * L and L bytes (as the replay reservoir, model/replay.c). An entry is
 * live while its slot still points at it; a learned example's entry is
 * dead until a compaction, which walks the block once and moves the live
 * entries down. Compaction runs when the block is full; afterwards at
 * least a quarter of it is free (it grows if not, within the bound), so it
 * moves at most about 4 bytes per byte pushed.
 */
#include <string.h>
#include "shuffle.h"
#include "ks/alloc.h"

#define HDR 8u
#define NOWHERE SIZE_MAX   /* off of a slot whose example was learned */

typedef struct {
    size_t off;            /* of the bytes (after the header) */
    uint32_t len;
    int label;
    double weight;
} slot;

struct ks_shuffle {
    slot *slot;
    size_t cap, n;         /* slots, filled slots */
    size_t max_bytes;      /* bound on held */
    size_t held;           /* HDR + len of every example held */
    unsigned char *block;
    size_t used, size;     /* bytes of block in use, allocated */
    size_t dead;           /* bytes of learned examples not compacted */
    uint64_t rng;          /* splitmix64 state */
    uint64_t early;        /* learned early for the byte bound */
};

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

ks_status ks_shuffle_new(ks_shuffle **out, size_t slots, size_t max_bytes, uint64_t seed)
{
    ks_shuffle *s = ks_calloc(1, sizeof *s);
    *out = NULL;
    if (!s || !(s->slot = ks_calloc(slots ? slots : 1, sizeof *s->slot))) {
        ks_free(s);
        return ks_fail(KS_ERR_NOMEM, "out of memory for a shuffle buffer of %zu messages",
                       slots);
    }
    s->cap = slots ? slots : 1;
    s->max_bytes = max_bytes;
    s->rng = seed;
    *out = s;
    return KS_OK;
}

void ks_shuffle_free(ks_shuffle *s)
{
    if (!s)
        return;
    ks_free(s->slot);
    ks_free(s->block);
    ks_free(s);
}

void ks_shuffle_seed(ks_shuffle *s, uint64_t seed) { s->rng = seed; }
uint64_t ks_shuffle_random(ks_shuffle *s) { return splitmix64(&s->rng); }
size_t ks_shuffle_count(const ks_shuffle *s) { return s->n; }
size_t ks_shuffle_held(const ks_shuffle *s) { return s->held; }
size_t ks_shuffle_block(const ks_shuffle *s) { return s->size; }
uint64_t ks_shuffle_early(const ks_shuffle *s) { return s->early; }

static void compact(ks_shuffle *s)
{
    size_t src = 0, dst = 0;
    while (src < s->used) {
        uint32_t i, len;
        memcpy(&i, s->block + src, 4);
        memcpy(&len, s->block + src + 4, 4);
        if (i < s->n && s->slot[i].off == src + HDR) {
            if (dst != src)
                memmove(s->block + dst, s->block + src, HDR + (size_t)len);
            s->slot[i].off = dst + HDR;
            dst += HDR + (size_t)len;
        }
        src += HDR + (size_t)len;
    }
    s->used = dst;
    s->dead = 0;
}

/* Room for `extra` more bytes at used. */
static ks_status room(ks_shuffle *s, size_t extra)
{
    size_t want, size;
    unsigned char *b;
    if (s->used + extra <= s->size)
        return KS_OK;
    if (s->dead)
        compact(s);
    want = s->used + extra;
    if (want + s->size / 4 <= s->size)
        return KS_OK;
    size = want + want / 4 > 4096 ? want + want / 4 : 4096;
    if (!(b = ks_realloc(s->block, size)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the shuffle buffer");
    s->block = b;
    s->size = size;
    return KS_OK;
}

/* Learns the example in slot i; its bytes are dead from then on. */
static void learn_slot(ks_shuffle *s, size_t i, ks_shuffle_learn_fn learn, void *ctx)
{
    slot *e = &s->slot[i];
    learn(ctx, s->block + e->off, e->len, e->label, e->weight);
    s->held -= HDR + (size_t)e->len;
    s->dead += HDR + (size_t)e->len;
    e->off = NOWHERE;
}

/* Slot i (learned) leaves: the last slot takes its place. */
static void remove_slot(ks_shuffle *s, size_t i)
{
    size_t last = s->n - 1;
    if (i != last) {
        uint32_t i32 = (uint32_t)i;
        s->slot[i] = s->slot[last];
        memcpy(s->block + s->slot[i].off - HDR, &i32, 4);   /* the entry's owner */
    }
    s->n--;
}

static ks_status store(ks_shuffle *s, size_t i, const void *data, size_t len, int label,
                       double weight)
{
    uint32_t i32 = (uint32_t)i, len32 = (uint32_t)len;
    ks_status st;
    s->slot[i].off = NOWHERE;   /* nothing of a compaction in room */
    if (i == s->n)
        s->n++;
    if ((st = room(s, HDR + len)) != KS_OK) {
        remove_slot(s, i);   /* the slot is not filled: it goes */
        return st;
    }
    memcpy(s->block + s->used, &i32, 4);
    memcpy(s->block + s->used + 4, &len32, 4);
    if (len)
        memcpy(s->block + s->used + HDR, data, len);
    s->slot[i].off = s->used + HDR;
    s->slot[i].len = len32;
    s->slot[i].label = label;
    s->slot[i].weight = weight;
    s->used += HDR + len;
    s->held += HDR + len;
    return KS_OK;
}

ks_status ks_shuffle_push(ks_shuffle *s, const void *data, size_t len, int label, double weight,
                          ks_shuffle_learn_fn learn, void *ctx)
{
    size_t need = HDR + len;
    if (len > UINT32_MAX - HDR)
        return ks_fail(KS_ERR_USAGE, "a shuffled example of %zu bytes is too large", len);
    if (s->n == s->cap) {   /* full: a random example makes room */
        size_t j = (size_t)(splitmix64(&s->rng) % s->cap);
        learn_slot(s, j, learn, ctx);
        if (s->held + need <= s->max_bytes || s->n == 1)
            return store(s, j, data, len, label, weight);
        remove_slot(s, j);
    }
    while (s->n && s->held + need > s->max_bytes) {   /* the byte bound */
        size_t k = (size_t)(splitmix64(&s->rng) % s->n);
        learn_slot(s, k, learn, ctx);
        remove_slot(s, k);
        s->early++;
    }
    if (!s->n)
        s->used = s->dead = 0;
    return store(s, s->n, data, len, label, weight);
}

void ks_shuffle_drain(ks_shuffle *s, ks_shuffle_learn_fn learn, void *ctx)
{
    while (s->n) {
        size_t r = (size_t)(splitmix64(&s->rng) % s->n);
        learn_slot(s, r, learn, ctx);
        remove_slot(s, r);
    }
    s->used = s->dead = 0;
}
