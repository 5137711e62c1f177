/* charset_test.c - declared charsets to UTF-8, aliases, bad bytes. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ks/charset.h"

static ks_buf out;

static void setup(void) { memset(&out, 0, sizeof out); }
static void teardown(void) { ks_buf_free(&out); }

TestSuite(charset, .init = setup, .fini = teardown);

static const char *conv(const char *cs, const char *in, size_t len)
{
    ks_buf_clear(&out);
    cr_assert_eq(ks_charset_to_utf8(cs, in, len, &out), KS_OK);
    cr_assert(ks_utf8_valid(out.data, out.len), "output not UTF-8 for %s", cs);
    return out.data;
}
#define CONV(cs, lit) conv(cs, lit, sizeof lit - 1)

Test(charset, utf8_validator)
{
    cr_assert(ks_utf8_valid("", 0));
    cr_assert(ks_utf8_valid("plain ascii text, long enough for words", 39));
    cr_assert(ks_utf8_valid("\xE2\x82\xAC\xF0\x9F\x98\x80", 7));
    cr_assert_not(ks_utf8_valid("\xC0\xAF", 2));          /* overlong */
    cr_assert_not(ks_utf8_valid("\xED\xA0\x80", 3));      /* surrogate */
    cr_assert_not(ks_utf8_valid("\xF4\x90\x80\x80", 4));  /* > U+10FFFF */
    cr_assert_not(ks_utf8_valid("abc\xE2\x82", 5));       /* truncated */
    cr_assert_not(ks_utf8_valid("abcdefgh\xFF", 9));
}

Test(charset, ascii_fast_path_and_null_charset)
{
    cr_assert_str_eq(CONV("us-ascii", "hello"), "hello");
    cr_assert_str_eq(CONV(NULL, "hello"), "hello");
    cr_assert_str_eq(CONV("koi8-r", "plain"), "plain");
}

Test(charset, latin1_is_windows_1252)
{
    cr_assert_str_eq(CONV("ISO-8859-1", "caf\xE9"), "caf\xC3\xA9");
    cr_assert_str_eq(CONV("iso-8859-1", "\x93q\x94 \x80"),
                     "\xE2\x80\x9Cq\xE2\x80\x9D \xE2\x82\xAC");
    cr_assert_str_eq(CONV("\"Windows-1252\"", "\x99"), "\xE2\x84\xA2");
    cr_assert_str_eq(CONV("cp1252", "\x81"), "\xC2\x81");  /* hole -> C1 */
    ks_buf_clear(&out);
    cr_assert_eq(ks_latin1_to_utf8("\x93\xFF", 2, &out), KS_OK);
    cr_assert_str_eq(out.data, "\xC2\x93\xC3\xBF");
}

Test(charset, cyrillic)
{
    const char *privet = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82";
    cr_assert_str_eq(CONV("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4"), privet);
    cr_assert_str_eq(CONV("KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4"), privet);
    cr_assert_str_eq(CONV("windows-1251", "\xCF\xF0\xE8\xE2\xE5\xF2"), privet);
}

Test(charset, cjk)
{
    cr_assert_str_eq(CONV("big5", "\xA4\xA4\xA4\xE5"), "\xE4\xB8\xAD\xE6\x96\x87");
    cr_assert_str_eq(CONV("gb2312", "\xC4\xE3\xBA\xC3"), "\xE4\xBD\xA0\xE5\xA5\xBD");
    cr_assert_str_eq(CONV("x-gbk", "\xC4\xE3\xBA\xC3"), "\xE4\xBD\xA0\xE5\xA5\xBD");
    cr_assert_str_eq(CONV("iso-2022-jp", "\x1B$B%F%9%H\x1B(B!"),
                     "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88!");
    cr_assert_str_eq(CONV("ks_c_5601-1987", "\xC7\xD1\xB1\xDB"),
                     "\xED\x95\x9C\xEA\xB8\x80");
    cr_assert_str_eq(CONV("shift_jis", "\x83\x65\x83\x58\x83\x67"),
                     "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
}

Test(charset, utf7_alias)
{
    cr_assert_str_eq(CONV("unicode-1-1-utf-7", "Hi +AOk-t+AOk-"),
                     "Hi \xC3\xA9t\xC3\xA9");
}

Test(charset, bad_bytes_become_replacement)
{
    cr_assert_str_eq(CONV("utf-8", "a\xFF" "b\xC3"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
    cr_assert_str_eq(CONV("big5", "\xA4\xA4\xFF"), "\xE4\xB8\xAD\xEF\xBF\xBD");
    cr_assert_str_eq(CONV("gb2312", "ok\xC4"), "ok\xEF\xBF\xBD");
}

Test(charset, unknown_names_sniff)
{
    cr_assert_str_eq(CONV("x-no-such-charset", "caf\xC3\xA9"), "caf\xC3\xA9");
    cr_assert_str_eq(CONV("x-no-such-charset", "caf\xE9"), "caf\xC3\xA9");
    cr_assert_str_eq(CONV("us-ascii", "caf\xE9"), "caf\xC3\xA9");
    cr_assert_str_eq(CONV("unknown-8bit", "\xE2\x82\xAC"), "\xE2\x82\xAC");
    cr_assert_str_eq(CONV(NULL, "\x1B$B%F\x1B(B"), "\xE3\x83\x86");
    cr_assert_str_eq(CONV("a-name-far-too-long-to-be-any-real-charset-at-all",
                          "x\xE9"), "x\xC3\xA9");
}

Test(charset, supported)
{
    cr_assert(ks_charset_supported("UTF-8"));
    cr_assert(ks_charset_supported("big5"));
    cr_assert(ks_charset_supported("KS_C_5601-1987"));
    cr_assert(ks_charset_supported("iso-8859-2"));
    cr_assert(ks_charset_supported(NULL));
    cr_assert_not(ks_charset_supported("x-no-such-charset"));
    cr_assert_not(ks_charset_supported("unknown-8bit"));
}

Test(charset, appends_and_empty)
{
    ks_buf_clear(&out);
    ks_buf_append(&out, ">", 1);
    cr_assert_eq(ks_charset_to_utf8("koi8-r", "\xF0", 1, &out), KS_OK);
    cr_assert_str_eq(out.data, ">\xD0\x9F");
    cr_assert_str_eq(conv("koi8-r", "", 0), "");
}

/* Each thread has its own descriptor cache: run conversions in parallel. */
static void *worker(void *arg)
{
    ks_buf b = {0};
    int i, ok = 1;
    for (i = 0; i < 2000 && ok; i++) {
        ks_buf_clear(&b);
        ks_charset_to_utf8(i % 2 ? "koi8-r" : "big5",
                           i % 2 ? "\xF0" : "\xA4\xA4", i % 2 ? 1 : 2, &b);
        ok = !strcmp(b.data, i % 2 ? "\xD0\x9F" : "\xE4\xB8\xAD");
    }
    ks_buf_free(&b);
    *(int *)arg = ok;
    return NULL;
}

Test(charset, threads)
{
    pthread_t t[4];
    int ok[4], i;
    for (i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, &ok[i]);
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert(ok[i]);
    }
}

/* Regression (found by charset_fuzz in CI): glibc's UHC converter (our
 * mapping of ks_c_5601-1987) can report EILSEQ with the whole input already
 * consumed; stepping over "the bad byte" then ran past the end. The input
 * is the fuzzer's (tests/fuzz/seeds/regress/charset-uhc-eilseq-at-end),
 * copied into a buffer of exactly its size so ASan sees any overread. */
Test(charset, uhc_eilseq_with_input_consumed)
{
    static const unsigned char crash[] = {
        0x7a, 0x0d, 0x82, 0x9a, 0x7f, 0x46, 0x72, 0x6f, 0x6d, 0x20, 0x73, 0x70, 0x61, 0x6d, 0x6d,
        0x65, 0x72, 0x40, 0x65, 0x78, 0x61, 0x6d, 0x03, 0x63, 0x66, 0x70, 0x6c, 0x65, 0x2e, 0x63,
        0x6f, 0x6d, 0x20, 0x20, 0x4d, 0x6f, 0x6e, 0x20, 0x4a, 0x61, 0x6e, 0x20, 0x20, 0x31, 0x20,
        0x30, 0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x5f, 0xe0, 0x01, 0x08, 0x00, 0x00, 0xa2, 0xe8};
    char *in = malloc(sizeof crash);
    ks_buf b = {0};
    memcpy(in, crash, sizeof crash);
    cr_assert_eq(ks_charset_to_utf8("ks_c_5601-1987", in, sizeof crash, &b), KS_OK);
    cr_assert(ks_utf8_valid(b.data, b.len));
    cr_assert(strstr(b.data, "spammer@exam") != NULL);
    ks_buf_free(&b);
    free(in);
}
