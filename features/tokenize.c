/* tokenize.c - the scalar tokenizer (the specification; see tokenize.h).
 *
 * One pass over the bytes finds word runs through a 256-entry table and
 * lower-cases ASCII letters into a scratch buffer. A run that holds a byte
 * >= 0x80 goes through the Unicode path instead: utf8proc decomposes it
 * with compatibility mapping, case folding and removal of default-ignorable
 * code points (zero-width joiners and soft hyphens, which spammers put
 * inside words), recomposes it (NFKC), and the code points are split again
 * by category.
 */
#include <string.h>
#include <utf8proc.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/cpu.h"
#include "ks/tokenize.h"

/* Bytes classified per kernel call (a multiple of 64): the folded copy and
 * the masks stay in L1 while the token walk reads them. */
#define CHUNK 4096

#define W1(c) [c] = 1
const unsigned char ks_tok_word_byte[256] = {
    ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, W1('$'), W1('_'),
    [0x80 ... 0xff] = 1,
};

struct ks_tokenizer {
    size_t max_token;         /* longer runs are reported with is_long */
    ks_buf tok;               /* current token, lower-cased */
    utf8proc_int32_t *cp;     /* code points of the Unicode path */
    size_t cp_cap;            /* capacity of cp, in code points */
    int kernel;               /* ks_kernel_id in use */
    ks_tok_classify_fn classify;  /* its classify kernel (not for scalar) */
    ks_tok_flatten_fn flatten;    /* its token-walk kernels, or NULL */
    ks_tok_hash_fn hash;
    unsigned char *lower;     /* CHUNK folded bytes of the SIMD path */
    uint64_t word[CHUNK / 64], high[CHUNK / 64];   /* masks of lower */
    /* token starts and ends of a chunk for the flatten kernels: at most
     * one token per 2 bytes, + 16 positions the kernels may write past */
    uint32_t st[CHUNK / 2 + 1 + 16], en[CHUNK / 2 + 1 + 16];
};

ks_status ks_tokenizer_new(ks_tokenizer **out, size_t max_token)
{
    ks_tokenizer *t = ks_calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return ks_fail(KS_ERR_NOMEM, "out of memory for the tokenizer");
    t->max_token = max_token ? max_token : 64;
    t->lower = ks_calloc(1, CHUNK + 16);   /* + 16: whole-word hash loads */
    if (!t->lower) {
        ks_free(t);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the tokenizer");
    }
    ks_tokenizer_set_kernel(t, ks_kernel_current());
    *out = t;
    return KS_OK;
}

ks_status ks_tokenizer_set_kernel(ks_tokenizer *t, int kernel)
{
    if (!ks_kernel_supported((ks_kernel_id)kernel))
        return ks_fail(KS_ERR_USAGE, "kernel %d is not supported on this machine", kernel);
    t->kernel = kernel;
    t->classify = ks_kernel_get((ks_kernel_id)kernel)->classify;
    t->flatten = ks_kernel_get((ks_kernel_id)kernel)->tok_flatten;
    t->hash = ks_kernel_get((ks_kernel_id)kernel)->tok_hash;
    return KS_OK;
}

int ks_tokenizer_kernel(const ks_tokenizer *t) { return t->kernel; }

void ks_tokenizer_free(ks_tokenizer *t)
{
    if (!t)
        return;
    ks_buf_free(&t->tok);
    ks_free(t->cp);
    ks_free(t->lower);
    ks_free(t);
}

/* Scripts written without spaces: each code point is a word of its own. */
static int is_cjk(utf8proc_int32_t c)
{
    return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
           (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2fa1f);
}

static int is_word_cp(utf8proc_int32_t c)
{
    if (c < 0x80)
        return ks_tok_word_byte[c];
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

static void emit(ks_tokenizer *t, const char *s, size_t n, ks_token_fn fn, void *ctx)
{
    if (n > t->max_token)
        fn(ctx, s, n, 1);
    else if (n)
        fn(ctx, s, n, 0);
}

static const utf8proc_option_t NFKC_CF = UTF8PROC_STABLE | UTF8PROC_COMPAT |
    UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;

/* Decomposes s into t->cp; returns the code point count or < 0 (invalid
 * UTF-8, or out of memory as -1000). */
static utf8proc_ssize_t decompose(ks_tokenizer *t, const char *s, size_t len)
{
    for (;;) {
        utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)s,
            (utf8proc_ssize_t)len, t->cp, (utf8proc_ssize_t)t->cp_cap, NFKC_CF);
        if (n < 0 || (size_t)n <= t->cp_cap)
            return n;
        utf8proc_int32_t *p = ks_realloc(t->cp, (size_t)n * sizeof *p);
        if (!p)
            return -1000;
        t->cp = p;
        t->cp_cap = (size_t)n;
    }
}

/* The Unicode path for one run of word bytes holding non-ASCII bytes. */
static ks_status unicode_run(ks_tokenizer *t, const char *s, size_t len,
                             ks_token_fn fn, void *ctx)
{
    utf8proc_ssize_t n = decompose(t, s, len);
    if (n == -1000)
        return ks_fail(KS_ERR_NOMEM, "out of memory normalising text");
    if (n < 0) {   /* invalid UTF-8: pass the bytes on, ASCII folded */
        ks_buf_clear(&t->tok);
        if (ks_buf_append(&t->tok, s, len) != KS_OK)
            return KS_ERR_NOMEM;
        for (size_t i = 0; i < len; i++)
            if (t->tok.data[i] >= 'A' && t->tok.data[i] <= 'Z')
                t->tok.data[i] += 32;
        emit(t, t->tok.data, len, fn, ctx);
        return KS_OK;
    }
    n = utf8proc_normalize_utf32(t->cp, n, NFKC_CF);
    ks_buf_clear(&t->tok);
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_int32_t c = t->cp[i];
        utf8proc_uint8_t enc[4];
        if (!is_word_cp(c) || is_cjk(c)) {
            emit(t, t->tok.data, t->tok.len, fn, ctx);
            ks_buf_clear(&t->tok);
            if (is_cjk(c))
                emit(t, (const char *)enc, (size_t)utf8proc_encode_char(c, enc), fn, ctx);
            continue;
        }
        if (ks_buf_append(&t->tok, enc, (size_t)utf8proc_encode_char(c, enc)) != KS_OK)
            return KS_ERR_NOMEM;
    }
    emit(t, t->tok.data, t->tok.len, fn, ctx);
    return KS_OK;
}

/* Where tokens go: the caller's callback, or (hashing) their hashes to
 * out and long runs to fn. */
typedef struct {
    ks_token_fn fn;
    void *ctx;
    ks_hashes *out;
    uint32_t seed;
    ks_status err;   /* first failure of hash_token() */
} sink;

/* The token callback of the hashing form (the scalar kernel, the Unicode
 * path, runs past a chunk): ks_hash_tok() of the token, appended. */
static void hash_token(void *ctx, const char *tok, size_t len, int is_long)
{
    sink *k = ctx;
    if (is_long) {
        if (k->fn)
            k->fn(k->ctx, tok, len, 1);
        return;
    }
    if (k->out->n == k->out->cap && k->err == KS_OK)
        k->err = ks_hashes_reserve(k->out, 1);
    if (k->out->n < k->out->cap)
        k->out->h[k->out->n++] = ks_hash_tok(tok, len, k->seed);
}

/* The scalar kernel: the specification the SIMD path below must match. */
static ks_status tokenize_scalar(ks_tokenizer *t, const char *s, size_t len,
                                 ks_token_fn fn, void *ctx)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    ks_status st;

    while (i < len) {
        size_t start, high = 0;
        while (i < len && !ks_tok_word_byte[p[i]])
            i++;
        start = i;
        while (i < len && ks_tok_word_byte[p[i]])
            high |= p[i++] & 0x80;
        if (i == start)
            break;
        if (high) {
            if ((st = unicode_run(t, s + start, i - start, fn, ctx)) != KS_OK)
                return st;
            continue;
        }
        if (i - start > t->max_token) {
            fn(ctx, s + start, i - start, 1);
            continue;
        }
        char low[256];
        size_t n = i - start;
        char *dst = n <= sizeof low ? low : NULL;
        if (!dst) {   /* max_token > 256: fold into the scratch buffer */
            ks_buf_clear(&t->tok);
            if (ks_buf_append(&t->tok, s + start, n) != KS_OK)
                return KS_ERR_NOMEM;
            dst = t->tok.data;
        }
        for (size_t k = 0; k < n; k++) {
            unsigned char c = p[start + k];
            dst[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        fn(ctx, dst, n, 0);
    }
    return KS_OK;
}

/* ---- The SIMD path: a kernel folds case and marks word and high bytes of
 * CHUNK bytes at a time (cpu.h); tokens are then found with bit scans.
 * A token touching the chunk's end is classified again at the start of
 * the next chunk; one filling a whole chunk (longer than any max_token)
 * is finished byte by byte. Tokens, their order and the Unicode path are
 * those of tokenize_scalar(). */

/* Classifies s[0..n), n <= CHUNK, into t->lower and the masks. */
static void classify(ks_tokenizer *t, const unsigned char *s, size_t n)
{
    size_t full = n & ~(size_t)63;
    t->classify(s, full, t->lower, t->word, t->high);
    if (full < n) {   /* tail: zero bytes are neither word nor high */
        unsigned char in[64] = {0}, out[64];
        memcpy(in, s + full, n - full);
        t->classify(in, 64, out, t->word + full / 64, t->high + full / 64);
        memcpy(t->lower + full, out, n - full);
    }
}

/* Any high byte in [a, b) (a < b). */
static int any_high(const uint64_t *h, size_t a, size_t b)
{
    size_t wa = a / 64, wb = (b - 1) / 64;
    uint64_t lo = ~(uint64_t)0 << (a % 64), hi = ~(uint64_t)0 >> (63 - (b - 1) % 64);
    if (wa == wb)
        return (h[wa] & lo & hi) != 0;
    if (h[wa] & lo || h[wb] & hi)
        return 1;
    for (size_t w = wa + 1; w < wb; w++)
        if (h[w])
            return 1;
    return 0;
}

static ks_status simd_token(ks_tokenizer *t, const char *s, size_t n, const char *low,
                            int high, ks_token_fn fn, void *ctx)
{
    if (high)
        return unicode_run(t, s, n, fn, ctx);
    if (n > t->max_token) {
        fn(ctx, s, n, 1);
        return KS_OK;
    }
    if (!low) {   /* a run past a whole chunk with a max_token that allows it */
        ks_buf_clear(&t->tok);
        if (ks_buf_append(&t->tok, s, n) != KS_OK)
            return KS_ERR_NOMEM;
        for (size_t k = 0; k < n; k++)
            if (t->tok.data[k] >= 'A' && t->tok.data[k] <= 'Z')
                t->tok.data[k] += 32;
        low = t->tok.data;
    }
    fn(ctx, low, n, 0);
    return KS_OK;
}

/* Walks the classified chunk s[0..n) (at offset base of the text): per
 * 64-bit mask word, starts are word bits whose left neighbour is not one,
 * ends the first non-word bits after a word bit; they alternate, so two
 * bit scans give each token. Returns where the next chunk starts: n, or
 * the start of a token that may go on past the chunk (*open set). */
/* One token of walk_chunk(): hashed in place when it can be (ASCII, not
 * long, folded bytes in t->lower), else through simd_token(). */
static inline __attribute__((always_inline)) ks_status
put_token(ks_tokenizer *t, const char *s, size_t n, const char *low, int high,
          sink *k, int hashing)
{
    if (!hashing)
        return simd_token(t, s, n, low, high, k->fn, k->ctx);
    if (!high && n <= t->max_token && low) {
        k->out->h[k->out->n++] = ks_hash_tok_padded(low, n, k->seed);
        return KS_OK;
    }
    ks_status st = simd_token(t, s, n, low, high, hash_token, k);
    if (st == KS_OK && (st = k->err) == KS_OK)   /* the Unicode path may have */
        st = ks_hashes_reserve(k->out, CHUNK / 2 + 1);   /* used the chunk's room */
    return st;
}

/* walk_chunk() of a hashing call on a chunk without high bytes: the
 * tokens' hashes straight to the room reserved for them (at most one
 * token per 2 bytes), long runs to k->fn. Returns the start of a token
 * open at the chunk's end in *open_start, or (size_t)-1. */
static void walk_ascii_hash(ks_tokenizer *t, const char *s, size_t n, sink *k,
                            size_t *open_start)
{
    const unsigned char *low = t->lower;
    const size_t nw = (n + 63) / 64, maxt = t->max_token;
    const uint32_t seed = k->seed;
    uint32_t *o = k->out->h + k->out->n;
    uint64_t carry = 0;
    size_t start = 0;
    int open = 0;

    for (size_t w = 0; w < nw; w++) {
        uint64_t W = t->word[w], prev = W << 1 | carry;
        uint64_t S = W & ~prev, E = ~W & prev;
        carry = W >> 63;
        for (;;) {
            if (!open) {
                if (!S)
                    break;
                start = w * 64 + (size_t)__builtin_ctzll(S);
                S &= S - 1;
            }
            if (!E) {
                open = 1;
                break;
            }
            size_t end = w * 64 + (size_t)__builtin_ctzll(E);
            E &= E - 1;
            open = 0;
            if (__builtin_expect(end - start <= maxt, 1)) {
                *o++ = ks_hash_tok_padded(low + start, end - start, seed);
            } else if (k->fn) {
                k->out->n = (size_t)(o - k->out->h);
                k->fn(k->ctx, s + start, end - start, 1);
                o = k->out->h + k->out->n;
            }
        }
    }
    k->out->n = (size_t)(o - k->out->h);
    *open_start = open ? start : (size_t)-1;
}

/* walk_ascii_hash() with the kernel's flatten and hash kernels: all token
 * starts and ends of the chunk first, then the hashes of all its tokens;
 * only a chunk with long runs takes a second pass that drops their hashes
 * and passes the runs to k->fn, in order. */
static void walk_ascii_flat(ks_tokenizer *t, const char *s, size_t n, sink *k,
                            size_t *open_start)
{
    size_t ns = 0, ne = 0, m = 0, at = k->out->n;
    t->flatten(t->word, (n + 63) / 64, t->st, t->en, &ns, &ne);
    if (t->hash(t->lower, t->st, t->en, ne, k->seed, t->max_token, k->out->h + at) == 0) {
        m = ne;
    } else {
        for (size_t i = 0; i < ne; i++) {
            size_t len = (size_t)t->en[i] - t->st[i];
            if (len <= t->max_token) {
                k->out->h[at + m] = k->out->h[at + i];
                m++;
            } else if (k->fn) {
                k->out->n = at + m;
                k->fn(k->ctx, s + t->st[i], len, 1);
            }
        }
    }
    k->out->n = at + m;
    *open_start = ns > ne ? t->st[ne] : (size_t)-1;
}

static inline __attribute__((always_inline)) ks_status
walk_chunk(ks_tokenizer *t, const char *s, size_t n, int last, sink *k, int hashing,
           size_t *resume)
{
    size_t nw = (n + 63) / 64, start = 0;
    uint64_t carry = 0, anyh = 0;
    int open = 0;
    ks_status st;

    for (size_t w = 0; w < nw; w++)
        anyh |= t->high[w];
    if (hashing && !anyh) {   /* the usual case: ASCII text */
        if (t->flatten)
            walk_ascii_flat(t, s, n, k, &start);
        else
            walk_ascii_hash(t, s, n, k, &start);
        open = start != (size_t)-1;
        nw = 0;   /* done: only the open token below is left */
    }
    for (size_t w = 0; w < nw; w++) {
        uint64_t W = t->word[w], prev = W << 1 | carry;
        uint64_t S = W & ~prev, E = ~W & prev;
        carry = W >> 63;
        for (;;) {
            if (!open) {
                if (!S)
                    break;
                start = w * 64 + (size_t)__builtin_ctzll(S);
                S &= S - 1;
                open = 1;
            }
            if (!E)
                break;
            size_t end = w * 64 + (size_t)__builtin_ctzll(E);
            E &= E - 1;
            open = 0;
            st = put_token(t, s + start, end - start, (const char *)t->lower + start,
                           anyh && any_high(t->high, start, end), k, hashing);
            if (st != KS_OK)
                return st;
        }
    }
    *resume = n;
    if (open) {
        if (!last) {   /* may go on past the chunk */
            *resume = start;
            return KS_DONE;
        }
        return put_token(t, s + start, n - start, (const char *)t->lower + start,
                         anyh && any_high(t->high, start, n), k, hashing);
    }
    return KS_OK;
}

static inline __attribute__((always_inline)) ks_status
tokenize_simd(ks_tokenizer *t, const char *s, size_t len, sink *k, int hashing)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t base = 0;
    ks_status st;

    while (base < len) {
        size_t n = len - base < CHUNK ? len - base : CHUNK, resume = 0;
        classify(t, p + base, n);
        /* room for every ASCII token of the chunk: at most one per 2 bytes */
        if (hashing && (st = ks_hashes_reserve(k->out, n / 2 + 1)) != KS_OK)
            return st;
        st = walk_chunk(t, s + base, n, base + n == len, k, hashing, &resume);
        if (st < 0)
            return st;
        if (st == KS_DONE && resume == 0) {   /* a run as long as a chunk */
            size_t end = base + n;
            int high = any_high(t->high, 0, n);
            for (; end < len && ks_tok_word_byte[p[end]]; end++)
                high |= p[end] & 0x80;
            if ((st = put_token(t, s + base, end - base, NULL, high, k, hashing)) != KS_OK)
                return st;
            resume = end - base;
        }
        base += resume;
    }
    return KS_OK;
}

ks_status ks_tokenize(ks_tokenizer *t, const char *s, size_t len,
                      ks_token_fn fn, void *ctx)
{
    sink k = {fn, ctx, NULL, 0, KS_OK};
    if (t->kernel == KS_KERNEL_SCALAR)
        return tokenize_scalar(t, s, len, fn, ctx);
    return tokenize_simd(t, s, len, &k, 0);
}

ks_status ks_tokenize_hash(ks_tokenizer *t, const char *s, size_t len, uint32_t seed,
                           ks_hashes *out, ks_token_fn on_long, void *ctx)
{
    sink k = {on_long, ctx, out, seed, KS_OK};
    ks_status st;
    if (t->kernel != KS_KERNEL_SCALAR)
        return tokenize_simd(t, s, len, &k, 1);
    st = tokenize_scalar(t, s, len, hash_token, &k);
    return st != KS_OK ? st : k.err;
}
