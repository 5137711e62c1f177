/* instream_test.c - plain and gzip input streams: buffering, gzip members,
 * corrupt and truncated gzip, the ratio guard against gzip bombs. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "ks/instream.h"

static char tmp[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static void setup(void)
{
    strcpy(tmp, "/tmp/ks-instream-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void) { nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static const char *path_of(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    return p;
}

static void write_file(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(path_of(name), "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Writes data as one gzip member (mode "ab" appends another member). */
static void write_gz(const char *name, const char *mode, const void *data, size_t len)
{
    gzFile g = gzopen(path_of(name), mode);
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, data, (unsigned)len), (int)len);
    cr_assert_eq(gzclose(g), Z_OK);
}

/* Reads the whole stream through fill/consume, `step` bytes at a time. */
static ks_status slurp(ks_instream *s, char *out, size_t cap, size_t step, size_t *len)
{
    *len = 0;
    for (;;) {
        const char *p;
        size_t n;
        ks_status rc = ks_instream_fill(s, step, &p, &n);
        if (rc != KS_OK)
            return rc;
        if (n > step)
            n = step;
        cr_assert_leq(*len + n, cap);
        memcpy(out + *len, p, n);
        *len += n;
        ks_instream_consume(s, n);
    }
}

TestSuite(instream, .init = setup, .fini = teardown);

Test(instream, plain_file_small_buffer)
{
    char text[1000], got[1000];
    size_t i, len;
    ks_instream *s;
    for (i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);
    write_file("a.txt", text, sizeof text);
    cr_assert_eq(ks_instream_new(&s, 64), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("a.txt"), KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(ks_instream_is_gzip(s), 0);
    cr_assert_eq(slurp(s, got, sizeof got, 7, &len), KS_DONE);
    cr_assert_eq(len, sizeof text);
    cr_assert_arr_eq(got, text, sizeof text);
    cr_assert_eq(ks_instream_bytes_in(s), 1000);
    cr_assert_eq(ks_instream_bytes_out(s), 1000);
    ks_instream_free(s);
}

Test(instream, fill_want_tops_up)
{
    const char *p;
    size_t n;
    ks_instream *s;
    write_file("w.txt", "0123456789", 10);
    cr_assert_eq(ks_instream_new(&s, 8), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("w.txt"), KS_IN_PLAIN, 0), KS_OK);
    cr_assert_eq(ks_instream_fill(s, 1, &p, &n), KS_OK);
    cr_assert_eq(n, 8);
    ks_instream_consume(s, 6);
    cr_assert_eq(ks_instream_fill(s, 4, &p, &n), KS_OK);   /* "67" + more */
    cr_assert_eq(n, 4);
    cr_assert_arr_eq(p, "6789", 4);
    ks_instream_consume(s, 4);
    cr_assert_eq(ks_instream_fill(s, 1, &p, &n), KS_DONE);
    cr_assert_eq(n, 0);
    ks_instream_free(s);
}

Test(instream, gzip_two_members_and_reuse)
{
    char got[64];
    size_t len;
    ks_instream *s;
    write_gz("m.gz", "wb", "hello ", 6);
    write_gz("m.gz", "ab", "world", 5);
    write_file("p.txt", "plain", 5);
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("m.gz"), KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(ks_instream_is_gzip(s), 1);
    cr_assert_eq(ks_instream_read(s, got, sizeof got, &len), KS_OK);
    cr_assert_eq(len, 11);
    cr_assert_arr_eq(got, "hello world", 11);
    cr_assert_eq(ks_instream_bytes_out(s), 11);
    /* the same handle, now a plain file */
    cr_assert_eq(ks_instream_open(s, path_of("p.txt"), KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(ks_instream_read(s, got, sizeof got, &len), KS_OK);
    cr_assert_eq(len, 5);
    cr_assert_arr_eq(got, "plain", 5);
    ks_instream_free(s);
}

Test(instream, gzip_trailing_garbage_ignored)
{
    char got[16];
    size_t len;
    ks_instream *s;
    FILE *f;
    write_gz("t.gz", "wb", "abc", 3);
    f = fopen(path_of("t.gz"), "ab");
    fputs("JUNK", f);
    fclose(f);
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("t.gz"), KS_IN_AUTO, 0), KS_OK);
    cr_assert_eq(ks_instream_read(s, got, sizeof got, &len), KS_OK);
    cr_assert_eq(len, 3);
    ks_instream_free(s);
}

Test(instream, corrupt_gzip_is_format_error)
{
    const char *p;
    size_t n;
    ks_instream *s;
    write_file("bad.gz", "this is not gzip at all", 23);
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("bad.gz"), KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(ks_instream_fill(s, 1, &p, &n), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), "bad.gz"));
    cr_assert_eq(ks_instream_fill(s, 1, &p, &n), KS_ERR_FORMAT);   /* sticky */
    ks_instream_free(s);
}

Test(instream, truncated_gzip_is_format_error)
{
    char big[20000], got[20000];
    size_t i, len;
    FILE *f;
    long sz;
    ks_instream *s;
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7919 % 251);
    write_gz("cut.gz", "wb", big, sizeof big);
    f = fopen(path_of("cut.gz"), "r+b");
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fclose(f);
    cr_assert_eq(truncate(path_of("cut.gz"), sz / 2), 0);
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("cut.gz"), KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(slurp(s, got, sizeof got, 4096, &len), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), "truncated"));
    ks_instream_free(s);
}

Test(instream, gzip_bomb_hits_ratio_limit)
{
    size_t zeros = 50u << 20, got = 0;
    char *buf = calloc(1, zeros);
    ks_instream *s;
    ks_status rc;
    write_gz("bomb.gz", "wb9", buf, zeros);
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("bomb.gz"), KS_IN_AUTO, 1000), KS_OK);
    rc = ks_instream_read(s, buf, zeros, &got);
    cr_assert_eq(rc, KS_ERR_LIMIT);
    cr_assert_not_null(strstr(ks_error_detail(), "bomb.gz"));
    /* stopped within one buffer of the limit, well before 50 MiB */
    cr_assert_lt(ks_instream_bytes_out(s), zeros);
    /* the same file with the guard off reads whole */
    cr_assert_eq(ks_instream_open(s, path_of("bomb.gz"), KS_IN_AUTO, 0), KS_OK);
    cr_assert_eq(ks_instream_read(s, buf, zeros, &got), KS_OK);
    cr_assert_eq(got, zeros);
    ks_instream_free(s);
    free(buf);
}

Test(instream, ratio_floor_allows_one_mib)
{
    size_t n = 1u << 20, got = 0;
    char *buf = calloc(1, n);
    ks_instream *s;
    write_gz("z.gz", "wb9", buf, n);
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("z.gz"), KS_IN_AUTO, 1), KS_OK);
    cr_assert_eq(ks_instream_read(s, buf, n, &got), KS_OK);
    cr_assert_eq(got, n);
    ks_instream_free(s);
    free(buf);
}

Test(instream, missing_file_names_it)
{
    ks_instream *s;
    cr_assert_eq(ks_instream_new(&s, 0), KS_OK);
    cr_assert_eq(ks_instream_open(s, path_of("nope.txt"), KS_IN_AUTO, 0), KS_ERR_IO);
    cr_assert_not_null(strstr(ks_error_detail(), "nope.txt"));
    cr_assert_str_eq(ks_instream_path(s), "");
    cr_assert_eq(ks_instream_open(s, tmp, KS_IN_AUTO, 0), KS_ERR_IO);  /* a folder */
    ks_instream_free(s);
    ks_instream_free(NULL);
}
