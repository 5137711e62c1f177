/* libsvm_test.c - the LIBSVM line format (include/ks/libsvm.h): labels,
 * qid, comments, bad tokens, order, range, huge lines, the stream reader
 * and the writer's round trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ks/libsvm.h"

static int split(const char *line, int *label, char *feat)
{
    const char *f;
    size_t n;
    int r = ks_libsvm_split(line, strlen(line), label, &f, &n);
    if (r == KS_LIBSVM_OK) {
        memcpy(feat, f, n);
        feat[n] = '\0';
    }
    return r;
}

Test(libsvm, labels)
{
    static const struct { const char *line; int r, label; } cases[] = {
        {"1 3:1", KS_LIBSVM_OK, 1}, {"+1 3:1", KS_LIBSVM_OK, 1}, {"1.0 3:1", KS_LIBSVM_OK, 1},
        {"0 3:1", KS_LIBSVM_OK, 0}, {"-1 3:1", KS_LIBSVM_OK, 0}, {"-1.0", KS_LIBSVM_OK, 0},
        {"2 3:1", KS_LIBSVM_BAD_LABEL, 0}, {"spam 3:1", KS_LIBSVM_BAD_LABEL, 0},
        {"0.5 1:1", KS_LIBSVM_BAD_LABEL, 0}, {"nan 1:1", KS_LIBSVM_BAD_LABEL, 0},
        {"   ", KS_LIBSVM_MALFORMED, 0}, {"# only a comment", KS_LIBSVM_MALFORMED, 0},
    };
    char feat[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int label = -5, r = split(cases[i].line, &label, feat);
        cr_expect_eq(r, cases[i].r, "%s: %d", cases[i].line, r);
        if (r == KS_LIBSVM_OK)
            cr_expect_eq(label, cases[i].label, "%s", cases[i].line);
    }
}

Test(libsvm, qid_comment_blanks)
{
    char feat[256];
    int label;
    cr_assert_eq(split("1 qid:7 2:0.5 9:1 # from svm-scale\r", &label, feat), KS_LIBSVM_OK);
    cr_expect_str_eq(feat, "2:0.5 9:1");
    cr_assert_eq(split("\t0\t 4:2  ", &label, feat), KS_LIBSVM_OK);
    cr_expect_str_eq(feat, "4:2");
    cr_expect(ks_libsvm_is_blank("", 0));
    cr_expect(ks_libsvm_is_blank("  # x", 5));
    cr_expect(!ks_libsvm_is_blank(" 1", 2));
}

static ks_status parse(const char *s, uint32_t max, ks_fvec *v, uint32_t *top)
{
    return ks_libsvm_parse(s, strlen(s), max, v, top);
}

Test(libsvm, good_vectors)
{
    ks_fvec v = {0};
    uint32_t top;
    cr_assert_eq(parse("1:0.5 3:-2 1000:1e-3", 1000, &v, &top), KS_OK);
    cr_assert_eq(v.n, 3);
    cr_expect_eq(v.f[0].index, 0);
    cr_expect_eq(v.f[1].index, 2);
    cr_expect_eq(v.f[2].index, 999);
    cr_expect_float_eq(v.f[1].value, -2.0f, 0);
    cr_expect_eq(top, 1000);
    cr_assert_eq(parse("", 10, &v, &top), KS_OK);
    cr_expect_eq(v.n, 0);
    cr_expect_eq(top, 0);
    cr_assert_eq(parse("5:0", 10, NULL, &top), KS_OK);   /* check only; zeros as given */
    ks_fvec_free(&v);
}

Test(libsvm, bad_vectors)
{
    static const struct { const char *s; const char *why; } cases[] = {
        {"3:1 2:1", "strictly ascending"}, {"2:1 2:1", "strictly ascending"},
        {"0:1", "out of range"}, {"1001:1", "out of range"},
        {"99999999999999999999:1", "out of range"}, {"1:", "bad value"},
        {"1:abc", "bad value"}, {"1:1x", "bad value"}, {"1:inf", "bad value"},
        {"1:nan", "bad value"}, {"1:1e400", "bad value"}, {"x:1", "not index:value"},
        {"1", "not index:value"}, {":1", "not index:value"}, {"-1:1", "not index:value"},
    };
    ks_fvec v = {0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cr_expect_eq(parse(cases[i].s, 1000, &v, NULL), KS_ERR_FORMAT, "%s", cases[i].s);
        cr_expect(strstr(ks_error_detail(), cases[i].why), "%s: %s", cases[i].s,
                  ks_error_detail());
    }
    ks_fvec_free(&v);
}

Test(libsvm, hash_bits_named)
{
    ks_fvec v = {0};
    cr_assert_eq(ks_libsvm_vector("1:1 1025:1", 10, 10, &v), KS_ERR_FORMAT);
    cr_expect(strstr(ks_error_detail(), "--hash-bits 11"), "%s", ks_error_detail());
    cr_assert_eq(ks_libsvm_vector("1:1 1024:1", 10, 10, &v), KS_OK);
    cr_expect_eq(v.n, 2);
    ks_fvec_free(&v);
}

Test(libsvm, format_round_trip)
{
    ks_feature f[3] = {{0, 0.0669649541f}, {41, -1.0f / 3}, {1048575, 1e-30f}};
    ks_fvec x = {f, 3, 3}, y = {0};
    ks_buf b = {0};
    const char *feat;
    size_t n;
    int label;
    cr_assert_eq(ks_libsvm_format(&b, 1, &x), KS_OK);
    cr_assert_eq(b.data[b.len - 1], '\n');
    cr_assert_eq(ks_libsvm_split(b.data, b.len - 1, &label, &feat, &n), KS_LIBSVM_OK);
    cr_expect_eq(label, 1);
    cr_assert_eq(ks_libsvm_parse(feat, n, 1u << 20, &y, NULL), KS_OK);
    cr_assert_eq(y.n, 3);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(y.f[i].index, f[i].index);
        cr_expect(memcmp(&y.f[i].value, &f[i].value, 4) == 0, "value %d bit for bit", i);
    }
    cr_expect(strncmp(b.data, "1 1:", 4) == 0, "%s", b.data);
    ks_buf_free(&b);
    ks_fvec_free(&y);
}

/* The stream reader: lines, CRLF, a last line without newline, and a line
 * over the limit consumed without being stored. */
Test(libsvm, read_lines_bounded)
{
    char path[] = "/tmp/ks_libsvm_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    ks_instream *in = NULL;
    ks_buf line = {0};
    long lineno = 0;
    int too_long;
    fputs("1 1:1\r\n0 ", f);
    for (int i = 1; i <= 20000; i++)   /* a ~200 KB line */
        fprintf(f, "%d:1 ", i);
    fputs("\n-1 2:2", f);
    fclose(f);
    cr_assert_eq(ks_instream_new(&in, 4096), KS_OK);
    cr_assert_eq(ks_instream_open(in, path, KS_IN_PLAIN, 0), KS_OK);
    cr_assert_eq(ks_libsvm_read_line(in, 1000, &line, &lineno, &too_long), KS_OK);
    cr_expect_str_eq(line.data, "1 1:1");
    cr_expect(!too_long);
    cr_assert_eq(ks_libsvm_read_line(in, 1000, &line, &lineno, &too_long), KS_OK);
    cr_expect(too_long);
    cr_expect_eq(line.len, 0);
    cr_expect_leq(line.cap, 4096 + 1001, "memory stays bounded: %zu", line.cap);
    cr_assert_eq(ks_libsvm_read_line(in, 1000, &line, &lineno, &too_long), KS_OK);
    cr_expect_str_eq(line.data, "-1 2:2");
    cr_expect_eq(lineno, 3);
    cr_expect_eq(ks_libsvm_read_line(in, 1000, &line, &lineno, &too_long), KS_DONE);
    ks_instream_free(in);
    ks_buf_free(&line);
    unlink(path);
}
