/* csv_test.c - the streaming CSV reader: RFC 4180 quoting, line ends,
 * line numbers, limits, and the same records whatever the buffer size. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "ks/csv.h"

static char tmp[64];
static ks_instream *in;
static ks_csv *csv;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static void setup(void)
{
    strcpy(tmp, "/tmp/ks-csv-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    ks_csv_free(csv);
    ks_instream_free(in);
    csv = NULL;
    in = NULL;
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to a file and opens a reader on it (buffer bufsize). */
static void open_text(const char *text, size_t len, size_t bufsize, size_t max_field)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/t.csv", tmp);
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(text, 1, len, f);
    fclose(f);
    ks_csv_free(csv);
    ks_instream_free(in);
    cr_assert_eq(ks_instream_new(&in, bufsize), KS_OK);
    cr_assert_eq(ks_instream_open(in, path, KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(ks_csv_new(&csv, in, max_field), KS_OK);
}

static void open_str(const char *text) { open_text(text, strlen(text), 0, 1 << 20); }

/* Asserts the next record is exactly the n fields given, from `line`. */
static void expect(long line, size_t n, ...)
{
    va_list ap;
    size_t i, len;
    cr_assert_eq(ks_csv_next(csv), KS_OK, "record expected at line %ld", line);
    cr_assert_eq(ks_csv_nfields(csv), n, "line %ld: %zu fields", line, ks_csv_nfields(csv));
    cr_assert_eq(ks_csv_line(csv), line, "record at line %ld, expected %ld", ks_csv_line(csv), line);
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        const char *got = ks_csv_field(csv, i, &len);
        cr_assert_str_eq(got, want, "line %ld field %zu", line, i);
        cr_assert_eq(len, strlen(want));
    }
    va_end(ap);
}

TestSuite(csv, .init = setup, .fini = teardown);

Test(csv, quotes_escapes_empty_fields)
{
    open_str("a,\"b,c\",\"say \"\"hi\"\"\",,\"\"\n,\n\"x\"\n");
    expect(1, 5, "a", "b,c", "say \"hi\"", "", "");
    expect(2, 2, "", "");
    expect(3, 1, "x");
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
}

Test(csv, crlf_and_multiline_fields)
{
    open_str("id,text\r\n1,\"line one\r\nline two\r\n\"\r\n2,plain\r\n3,\"a\nb\nc\"\r\n4,end");
    expect(1, 2, "id", "text");
    expect(2, 2, "1", "line one\r\nline two\r\n");
    expect(5, 2, "2", "plain");
    expect(6, 2, "3", "a\nb\nc");
    expect(9, 2, "4", "end");              /* no final line end */
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
}

Test(csv, like_python_csv_module)
{
    /* what Python's csv.reader gives for these (default dialect) */
    open_str("a,\"b\"c,d\na\"b,c\n\"x\" ,y\n");
    expect(1, 3, "a", "bc", "d");
    expect(2, 2, "a\"b", "c");
    expect(3, 2, "x ", "y");
}

Test(csv, blank_lines_lone_cr_and_bom)
{
    open_str("\xef\xbb\xbfh1,h2\n\n\r\na,b\rc,d\r\n");
    expect(1, 2, "h1", "h2");
    expect(4, 2, "a", "b");
    expect(5, 2, "c", "d");
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
}

Test(csv, nul_bytes_kept)
{
    open_text("a\0b,c\n", 6, 0, 100);
    cr_assert_eq(ks_csv_next(csv), KS_OK);
    size_t len;
    const char *f = ks_csv_field(csv, 0, &len);
    cr_assert_eq(len, 3);
    cr_assert_arr_eq(f, "a\0b", 3);
}

Test(csv, field_over_limit_marks_record_oversize)
{
    char text[400];
    memset(text, 0, sizeof text);
    strcpy(text, "1,short\n2,\"");
    memset(text + strlen(text), 'x', 100);
    strcat(text, "\"\n3,\"exactly10!\"\n4,yyyyyyyyyyy\n");
    open_text(text, strlen(text), 16, 10);
    expect(1, 2, "1", "short");
    expect(2, 2, "2", "");
    cr_assert(ks_csv_oversize(csv));
    expect(3, 2, "3", "exactly10!");
    cr_assert_not(ks_csv_oversize(csv));
    expect(4, 2, "4", "");                 /* 11 unquoted bytes */
    cr_assert(ks_csv_oversize(csv));
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
}

Test(csv, too_many_fields)
{
    size_t n = KS_CSV_MAX_FIELDS + 10, i;
    char *text = malloc(n * 2 + 8);
    for (i = 0; i < n; i++) {
        text[2 * i] = 'a';
        text[2 * i + 1] = i + 1 < n ? ',' : '\n';
    }
    strcpy(text + 2 * n, "b,c\n");
    open_text(text, strlen(text), 0, 100);
    cr_assert_eq(ks_csv_next(csv), KS_OK);
    cr_assert_eq(ks_csv_nfields(csv), n);
    cr_assert(ks_csv_oversize(csv));
    cr_assert_str_eq(ks_csv_field(csv, n - 1, NULL), "");
    expect(2, 2, "b", "c");
    free(text);
}

Test(csv, unterminated_quote_names_file_and_line)
{
    open_str("h1,h2\nok,1\n\"x\",\"starts here\nand\nnever ends\n");
    expect(1, 2, "h1", "h2");
    expect(2, 2, "ok", "1");
    cr_assert_eq(ks_csv_next(csv), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), "t.csv:3:"), "%s", ks_error_detail());
    cr_assert_not_null(strstr(ks_error_detail(), "never closed"));
}

Test(csv, gzip_stream)
{
    char path[256];
    const char *text = "a,\"b\nc\"\n1,2\n";
    gzFile g;
    snprintf(path, sizeof path, "%s/t.csv.gz", tmp);
    g = gzopen(path, "wb");
    gzwrite(g, text, (unsigned)strlen(text));
    gzclose(g);
    cr_assert_eq(ks_instream_new(&in, 0), KS_OK);
    cr_assert_eq(ks_instream_open(in, path, KS_IN_AUTO, 1000), KS_OK);
    cr_assert_eq(ks_csv_new(&csv, in, 100), KS_OK);
    expect(1, 2, "a", "b\nc");
    expect(3, 2, "1", "2");
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
}

/* The same text read through buffers of many sizes gives the same records:
 * every state transition falls on a buffer boundary for some size. */
ParameterizedTestParameters(csv, any_buffer_size)
{
    static size_t sizes[] = {4, 5, 6, 7, 8, 9, 13, 64, 4096};
    return cr_make_param_array(size_t, sizes, sizeof sizes / sizeof sizes[0]);
}

ParameterizedTest(size_t *bufsize, csv, any_buffer_size)
{
    const char *text = "\xef\xbb\xbfid,text\r\n1,\"q\"\"uo\r\nted\"\r\n\r\n2,x\"y\r3,\"\"\n";
    open_text(text, strlen(text), *bufsize, 100);
    expect(1, 2, "id", "text");
    expect(2, 2, "1", "q\"uo\r\nted");
    expect(5, 2, "2", "x\"y");
    expect(6, 2, "3", "");
    cr_assert_eq(ks_csv_next(csv), KS_DONE);
}
