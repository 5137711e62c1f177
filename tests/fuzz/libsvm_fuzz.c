/* libsvm_fuzz.c - libFuzzer target: the LIBSVM format (libsvm.h), two
 * ways. (1) The input is a file d.svm read through the dataset reader
 * (dataset.h, --format libsvm), two passes; every record it returns is
 * parsed the way ks_extract does (ks_libsvm_vector) at 2^8 and 2^28
 * buckets. (2) Each of the first 64 lines of the input, copied to a heap
 * block of its exact size (no NUL after it, so a read past the line is an
 * ASan report), is split and parsed directly at 2^B buckets, B = 8..28
 * from the line's first byte. Checked: labels 0/1; a parsed vector has
 * indices strictly ascending and below 2^B and finite values; a record the
 * dataset reader accepted parses at 2^28 and fails at 2^8 only for an
 * index past 256; a vector written by ks_libsvm_format reads back the
 * same, bit for bit. */
#include "fuzz_util.h"
#include <math.h>
#include "ks/buf.h"
#include "ks/dataset.h"
#include "ks/libsvm.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The invariants of a vector parsed at 2^bits buckets. */
static void check_vec(const ks_fvec *v, uint32_t bits)
{
    for (uint32_t k = 0; k < v->n; k++) {
        CHECK(v->f[k].index < (1u << bits));
        CHECK(k == 0 || v->f[k].index > v->f[k - 1].index);
        CHECK(isfinite(v->f[k].value));
    }
}

/* Writes v with label, reads it back: the same vector, bit for bit. */
static void round_trip(const ks_fvec *v, int label, uint32_t bits)
{
    ks_buf b = {0};
    ks_fvec w = {0};
    const char *feat;
    size_t flen;
    int l2 = -1;
    CHECK(ks_libsvm_format(&b, label, v) == KS_OK);
    CHECK(b.len > 0 && b.data[b.len - 1] == '\n');
    CHECK(ks_libsvm_split(b.data, b.len - 1, &l2, &feat, &flen) == KS_LIBSVM_OK);
    CHECK(l2 == label);
    CHECK(ks_libsvm_vector(feat, flen, bits, &w) == KS_OK);
    CHECK(w.n == v->n);
    for (uint32_t k = 0; k < v->n; k++)
        CHECK(w.f[k].index == v->f[k].index &&
              memcmp(&w.f[k].value, &v->f[k].value, sizeof(float)) == 0);
    ks_fvec_free(&w);
    ks_buf_free(&b);
}

/* One line (heap copy of exactly len bytes). */
static void one_line(const uint8_t *p, size_t len, ks_fvec *v)
{
    char *line = malloc(len ? len : 1);
    const char *feat;
    size_t flen;
    int label = -1, r;
    uint32_t bits = len ? 8 + p[0] % 21 : 8, top = 0;
    if (!line)
        return;
    memcpy(line, p, len);
    (void)ks_libsvm_is_blank(line, len);
    r = ks_libsvm_split(line, len, &label, &feat, &flen);
    CHECK(r == KS_LIBSVM_OK || r == KS_LIBSVM_BAD_LABEL || r == KS_LIBSVM_MALFORMED);
    if (r == KS_LIBSVM_OK) {
        ks_status st, sv;
        CHECK(label == 0 || label == 1);
        CHECK(feat >= line && feat + flen <= line + len);
        st = ks_libsvm_parse(feat, flen, KS_LIBSVM_MAX_INDEX, NULL, &top);   /* check only */
        CHECK(st == KS_OK || st == KS_ERR_FORMAT);
        sv = ks_libsvm_vector(feat, flen, bits, v);
        CHECK(sv == KS_OK || sv == KS_ERR_FORMAT);
        /* fits 2^bits exactly when it parses and its largest index fits */
        CHECK((sv == KS_OK) == (st == KS_OK && top <= (1u << bits)));
        if (sv == KS_OK) {
            check_vec(v, bits);
            CHECK(top == (v->n ? v->f[v->n - 1].index + 1 : 0));
            round_trip(v, label, bits);
        }
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *dir;
    ks_dataset *ds = NULL;
    ks_dataset_opts o;
    ks_message msg;
    ks_fvec v = {0};
    size_t start = 0;
    int lines = 0;
    if (!dir)
        dir = fuzz_dir();
    fuzz_put(dir, "d.svm", data, size);
    ks_dataset_opts_default(&o);
    o.format = KS_FMT_LIBSVM;
    o.max_message = o.max_field = 4096;
    if (ks_dataset_open(&ds, dir, &o) == KS_OK) {
        for (int pass = 0; pass < 2; pass++) {
            uint64_t n = 0;
            while (ks_dataset_next(ds, &msg) == KS_OK) {
                ks_status st;
                uint32_t last;
                n++;
                CHECK(msg.label == 0 || msg.label == 1);
                CHECK(msg.kind == KS_MSG_VECTOR && msg.data[msg.len] == '\0');
                CHECK(msg.len <= o.max_message);
                /* accepted by the reader: parses at 2^28; at 2^8 exactly
                 * when its largest bucket is below 256 */
                CHECK(ks_libsvm_vector(msg.data, msg.len, 28, &v) == KS_OK);
                check_vec(&v, 28);
                last = v.n ? v.f[v.n - 1].index : 0;
                st = ks_libsvm_vector(msg.data, msg.len, 8, &v);
                CHECK((st == KS_OK) == (last < 256));
                CHECK(st == KS_OK || st == KS_ERR_FORMAT);
                if (st == KS_OK)
                    check_vec(&v, 8);
            }
            CHECK(ks_dataset_stats_get(ds)->messages == n);
            if (ks_dataset_rewind(ds, (uint64_t)pass + 7) != KS_OK)
                break;
        }
    }
    ks_dataset_free(ds);
    while (start < size && lines++ < 64) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        one_line(data + start, end - start, &v);
        start = end + 1;
    }
    ks_fvec_free(&v);
    return 0;
}
