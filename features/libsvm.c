/* libsvm.c - the LIBSVM sparse text format (libsvm.h is the contract).
 *
 * The reader is as strict as libsvm's own (svm-train's read_problem):
 * indices 1-based and strictly ascending, every token index:value. A file
 * libsvm accepts we accept, except index 0 (only meaningful for libsvm's
 * precomputed kernels) and indices past 2^28. Values are parsed with
 * strtod on a bounded copy of the token, so a value never reads past the
 * token even when the text is not NUL-terminated there.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/libsvm.h"

#define TOKEN_MAX 96   /* longest value token we accept */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

ks_status ks_libsvm_read_line(ks_instream *in, size_t max, ks_buf *line, long *lineno,
                              int *too_long)
{
    ks_status rc = ks_instream_read_line(in, max, line, too_long);
    if (rc != KS_OK)
        return rc;
    (*lineno)++;
    if (line->len && line->data[line->len - 1] == '\r')
        line->data[--line->len] = '\0';
    return KS_OK;
}

int ks_libsvm_is_blank(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_blank(s[i]))
        i++;
    return i == len || s[i] == '#';
}

/* 0 or 1 for a label token, -1 otherwise. */
static int parse_label(const char *s, size_t n)
{
    char tok[32], *end;
    double v;
    if (n == 0 || n >= sizeof tok)
        return -1;
    memcpy(tok, s, n);
    tok[n] = '\0';
    errno = 0;
    v = strtod(tok, &end);
    if (errno || *end || end == tok)
        return -1;
    if (v == 1.0)
        return 1;
    if (v == 0.0 || v == -1.0)
        return 0;
    return -1;
}

int ks_libsvm_split(const char *s, size_t len, int *label, const char **feat, size_t *feat_len)
{
    size_t i = 0, j, end;
    const char *hash = memchr(s, '#', len);
    end = hash ? (size_t)(hash - s) : len;
    while (i < end && is_blank(s[i]))
        i++;
    j = i;
    while (j < end && !is_blank(s[j]))
        j++;
    if (j == i)
        return KS_LIBSVM_MALFORMED;
    if ((*label = parse_label(s + i, j - i)) < 0)
        return KS_LIBSVM_BAD_LABEL;
    while (j < end && is_blank(s[j]))
        j++;
    if (end - j >= 4 && memcmp(s + j, "qid:", 4) == 0) {   /* SVMlight ranking id */
        while (j < end && !is_blank(s[j]))
            j++;
        while (j < end && is_blank(s[j]))
            j++;
    }
    while (end > j && is_blank(s[end - 1]))
        end--;
    *feat = s + j;
    *feat_len = end - j;
    return KS_LIBSVM_OK;
}

static ks_status push(ks_fvec *v, uint32_t index, float value)
{
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 64;
        ks_feature *f = ks_realloc(v->f, (size_t)cap * sizeof *f);
        if (!f)
            return ks_fail(KS_ERR_NOMEM, "out of memory for a vector of %u features", v->n);
        v->f = f;
        v->cap = cap;
    }
    v->f[v->n].index = index;
    v->f[v->n].value = value;
    v->n++;
    return KS_OK;
}

/* One "index:value" token s[0..n); *index 1-based. */
static ks_status parse_pair(const char *s, size_t n, size_t at, uint32_t max_index,
                            uint64_t *index, float *value)
{
    char tok[TOKEN_MAX + 1], *end;
    size_t i = 0;
    double v;
    uint64_t idx = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        if (idx <= (uint64_t)max_index)   /* past it: out of range, stop growing */
            idx = idx * 10 + (uint64_t)(s[i] - '0');
    if (i == 0 || i == n || s[i] != ':')
        return ks_fail(KS_ERR_FORMAT, "byte %zu: \"%.*s\" is not index:value", at,
                       (int)(n < 40 ? n : 40), s);
    if (idx == 0 || idx > max_index)
        return ks_fail(KS_ERR_FORMAT, "byte %zu: feature index %.*s out of range 1..%u", at,
                       (int)(i < 20 ? i : 20), s, max_index);
    if (n - i - 1 == 0 || n - i - 1 > TOKEN_MAX)
        return ks_fail(KS_ERR_FORMAT, "byte %zu: bad value in \"%.*s\"", at,
                       (int)(n < 40 ? n : 40), s);
    memcpy(tok, s + i + 1, n - i - 1);
    tok[n - i - 1] = '\0';
    errno = 0;
    v = strtod(tok, &end);
    if (*end || end == tok || !isfinite(v) || !isfinite((float)v))
        return ks_fail(KS_ERR_FORMAT, "byte %zu: bad value \"%s\"", at, tok);
    *index = idx;
    *value = (float)v;
    return KS_OK;
}

ks_status ks_libsvm_parse(const char *s, size_t len, uint32_t max_index, ks_fvec *out,
                          uint32_t *top)
{
    size_t i = 0;
    uint64_t prev = 0;
    ks_status st;
    if (out)
        out->n = 0;
    if (top)
        *top = 0;
    if (max_index > KS_LIBSVM_MAX_INDEX)
        max_index = KS_LIBSVM_MAX_INDEX;
    for (;;) {
        size_t j;
        uint64_t idx = 0;
        float val = 0;
        while (i < len && is_blank(s[i]))
            i++;
        if (i == len)
            break;
        for (j = i; j < len && !is_blank(s[j]); j++)
            ;
        if ((st = parse_pair(s + i, j - i, i, max_index, &idx, &val)) != KS_OK)
            return st;
        if (idx <= prev)
            return ks_fail(KS_ERR_FORMAT, "byte %zu: feature index %llu after %llu: indices must "
                           "be strictly ascending", i, (unsigned long long)idx,
                           (unsigned long long)prev);
        if (out && (st = push(out, (uint32_t)(idx - 1), val)) != KS_OK)
            return st;
        prev = idx;
        i = j;
    }
    if (top)
        *top = (uint32_t)prev;
    return KS_OK;
}

ks_status ks_libsvm_vector(const char *s, size_t len, uint32_t hash_bits, ks_fvec *out)
{
    uint32_t top, dim = 1u << hash_bits;
    ks_status st = ks_libsvm_parse(s, len, KS_LIBSVM_MAX_INDEX, out, &top);
    uint32_t need = hash_bits;
    if (st != KS_OK || top <= dim)
        return st;
    while (need < 28 && (1u << need) < top)
        need++;
    return ks_fail(KS_ERR_FORMAT, "feature index %u does not fit 2^%u buckets: train with "
                   "--hash-bits %u or more", top, hash_bits, need);
}

ks_status ks_libsvm_format(ks_buf *b, int label, const ks_fvec *v)
{
    ks_status st = ks_buf_putc(b, label ? '1' : '0');
    for (uint32_t i = 0; st == KS_OK && i < v->n; i++)
        st = ks_buf_printf(b, " %u:%.9g", v->f[i].index + 1, (double)v->f[i].value);
    return st == KS_OK ? ks_buf_putc(b, '\n') : st;
}
