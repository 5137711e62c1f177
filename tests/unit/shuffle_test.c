/* shuffle_test.c - the shuffle buffer: below its byte bound it gives the
 * examples back in the order of the message-count-only buffer it replaced
 * (a reference copy here); with a small bound the bytes held never pass
 * it, the block stays within bound + a quarter, every example is learned
 * exactly once with its own bytes, label and weight, and an example
 * larger than the bound is held alone. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "shuffle.h"

#define HDR 8u

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Example k: len(k) bytes, each (k + i) & 255, its first four bytes k. */
static size_t len_of(uint32_t k, size_t spread) { return 4 + (k * 2654435761u) % spread; }

static void make(uint32_t k, size_t spread, unsigned char *out, size_t *len)
{
    *len = len_of(k, spread);
    for (size_t i = 0; i < *len; i++)
        out[i] = (unsigned char)(k + i);
    memcpy(out, &k, 4);
}

typedef struct {
    ks_shuffle *s;
    size_t spread, max_bytes;
    uint32_t *order;       /* examples in the order learned */
    size_t n;
    unsigned char *seen;   /* learned once */
    int bad;               /* bytes, label or weight not the example's */
} sink;

static void learned(void *ctx, const unsigned char *data, size_t len, int label, double weight)
{
    sink *k = ctx;
    unsigned char want[4096];
    size_t wlen;
    uint32_t id;
    memcpy(&id, data, 4);
    make(id, k->spread, want, &wlen);
    if (len != wlen || memcmp(data, want, len) || label != (int)(id % 3) ||
        weight != 0.5 * id)
        k->bad = 1;
    if (k->seen[id])
        k->bad = 1;
    k->seen[id] = 1;
    k->order[k->n++] = id;
}

/* The buffer before the byte bound: `cap` slots, a random one replaced
 * when full, the rest drained in random order (train.c until it moved to
 * shuffle.c). */
static void reference(size_t cap, uint64_t seed, uint32_t count, uint32_t *order)
{
    uint32_t *slot = malloc(cap * sizeof *slot);
    size_t n = 0, out = 0;
    uint64_t rng = seed;
    for (uint32_t k = 0; k < count; k++) {
        if (n < cap) {
            slot[n++] = k;
            continue;
        }
        size_t j = (size_t)(mix(&rng) % cap);
        order[out++] = slot[j];
        slot[j] = k;
    }
    while (n) {
        size_t r = (size_t)(mix(&rng) % n);
        order[out++] = slot[r];
        slot[r] = slot[--n];
    }
    free(slot);
}

static void run(sink *k, size_t slots, size_t max_bytes, size_t spread, uint64_t seed,
                uint32_t count, size_t *max_held, size_t *max_block)
{
    unsigned char buf[4096];
    size_t len;
    memset(k, 0, sizeof *k);
    k->spread = spread;
    k->max_bytes = max_bytes;
    k->order = calloc(count, sizeof *k->order);
    k->seen = calloc(count, 1);
    cr_assert_eq(ks_shuffle_new(&k->s, slots, max_bytes, seed), KS_OK);
    *max_held = *max_block = 0;
    for (uint32_t i = 0; i < count; i++) {
        make(i, spread, buf, &len);
        cr_assert_eq(ks_shuffle_push(k->s, buf, len, (int)(i % 3), 0.5 * i, learned, k), KS_OK);
        if (ks_shuffle_held(k->s) > *max_held)
            *max_held = ks_shuffle_held(k->s);
        if (ks_shuffle_block(k->s) > *max_block)
            *max_block = ks_shuffle_block(k->s);
    }
    ks_shuffle_drain(k->s, learned, k);
    cr_assert_eq(ks_shuffle_count(k->s), 0);
    cr_assert_eq(ks_shuffle_held(k->s), 0);
    cr_assert_eq(k->n, count, "every example learned: %zu of %u", k->n, count);
    cr_assert_not(k->bad, "an example came back with other bytes, label or weight");
}

static void done(sink *k)
{
    ks_shuffle_free(k->s);
    free(k->order);
    free(k->seen);
}

Test(shuffle, same_order_as_the_count_only_buffer_below_the_bound)
{
    static const size_t caps[] = {1, 2, 7, 64, 1024};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        uint32_t count = 5000, *want = calloc(count, sizeof *want);
        size_t held, block;
        sink k;
        reference(caps[c], 42 + c, count, want);
        run(&k, caps[c], (size_t)1 << 30, 3000, 42 + c, count, &held, &block);
        cr_assert_eq(ks_shuffle_early(k.s), 0);
        cr_assert_eq(memcmp(k.order, want, count * sizeof *want), 0,
                     "%zu slots: another order than the reference", caps[c]);
        /* compaction keeps the block near what is held */
        cr_assert_leq(block, held + held / 4 + 4096, "%zu slots: block %zu, held %zu",
                      caps[c], block, held);
        done(&k);
        free(want);
    }
}

Test(shuffle, bytes_held_never_pass_the_bound)
{
    static const size_t bounds[] = {64 << 10, 200000, 1 << 20};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        size_t held, block;
        sink k;
        run(&k, 1024, bounds[b], 3000, 7, 20000, &held, &block);
        cr_assert_leq(held, bounds[b], "held %zu over the bound %zu", held, bounds[b]);
        cr_assert_leq(block, bounds[b] + bounds[b] / 4 + 4096, "block %zu, bound %zu", block,
                      bounds[b]);
        cr_assert_gt(ks_shuffle_early(k.s), 0, "the bound %zu was never reached", bounds[b]);
        done(&k);
    }
}

Test(shuffle, the_bound_changes_nothing_until_reached)
{
    /* 1024 examples of at most 1004 + 8 bytes fit in 2 MiB: same order */
    uint32_t count = 8000, *want = calloc(count, sizeof *want);
    size_t held, block;
    sink k;
    reference(1024, 3, count, want);
    run(&k, 1024, (size_t)2 << 20, 1000, 3, count, &held, &block);
    cr_assert_eq(ks_shuffle_early(k.s), 0);
    cr_assert_eq(memcmp(k.order, want, count * sizeof *want), 0);
    done(&k);
    free(want);
}

Test(shuffle, an_example_over_the_bound_is_held_alone)
{
    unsigned char buf[4096];
    size_t len;
    sink k;
    memset(&k, 0, sizeof k);
    k.spread = 4000;
    k.order = calloc(64, sizeof *k.order);
    k.seen = calloc(64, 1);
    cr_assert_eq(ks_shuffle_new(&k.s, 16, 2000, 1), KS_OK);
    for (uint32_t i = 0; i < 64; i++) {
        make(i, k.spread, buf, &len);
        cr_assert_eq(ks_shuffle_push(k.s, buf, len, (int)(i % 3), 0.5 * i, learned, &k), KS_OK);
        if (len + HDR > 2000)
            cr_assert_eq(ks_shuffle_count(k.s), 1, "example %u (%zu bytes) not alone", i, len);
        else
            cr_assert_leq(ks_shuffle_held(k.s), 2000);
    }
    ks_shuffle_drain(k.s, learned, &k);
    cr_assert_eq(k.n, 64);
    cr_assert_not(k.bad);
    done(&k);
}
