/* json_test.c - the JSON writer: nesting, commas, escaping, numbers,
 * misuse and allocation failure. Expected texts are written by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/json.h"

static ks_buf out;
static ks_json j;

static void setup(void)
{
    memset(&out, 0, sizeof out);
    ks_json_init(&j, &out);
}

static void teardown(void) { ks_buf_free(&out); }

TestSuite(json, .init = setup, .fini = teardown);

/* The text of one string value. */
static const char *str(const char *s, size_t n)
{
    ks_buf_clear(&out);
    ks_json_init(&j, &out);
    ks_json_stringn(&j, s, n);
    cr_assert_eq(ks_json_status(&j), KS_OK);
    return out.data;
}

static const char *num(double v)
{
    ks_buf_clear(&out);
    ks_json_init(&j, &out);
    ks_json_double(&j, v);
    return out.data;
}

Test(json, nesting_and_commas)
{
    ks_json_begin_object(&j);
    ks_json_key(&j, "a");
    ks_json_int(&j, -3);
    ks_json_key(&j, "b");
    ks_json_begin_array(&j);
    ks_json_uint(&j, 18446744073709551615ull);
    ks_json_bool(&j, true);
    ks_json_null(&j);
    ks_json_begin_object(&j);
    ks_json_end(&j);
    ks_json_begin_array(&j);
    ks_json_end(&j);
    ks_json_end(&j);
    ks_json_key(&j, "c");
    ks_json_begin_object(&j);
    ks_json_key(&j, "d");
    ks_json_bool(&j, false);
    ks_json_end(&j);
    ks_json_end(&j);
    cr_assert_eq(ks_json_status(&j), KS_OK);
    cr_assert_str_eq(out.data, "{\"a\":-3,\"b\":[18446744073709551615,true,null,"
                               "{},[]],\"c\":{\"d\":false}}");
}

Test(json, pretty_indents_two_spaces)
{
    j.pretty = 1;
    ks_json_begin_object(&j);
    ks_json_key(&j, "a");
    ks_json_begin_array(&j);
    ks_json_int(&j, 1);
    ks_json_int(&j, 2);
    ks_json_end(&j);
    ks_json_key(&j, "e");
    ks_json_begin_object(&j);
    ks_json_end(&j);
    ks_json_end(&j);
    cr_assert_str_eq(out.data, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"e\": {}\n}");
}

Test(json, escapes_specials_and_controls)
{
    cr_assert_str_eq(str("a\"b\\c/", 6), "\"a\\\"b\\\\c/\"");
    cr_assert_str_eq(str("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
    cr_assert_str_eq(str("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
    cr_assert_str_eq(str("a\0b", 3), "\"a\\u0000b\"");
    cr_assert_str_eq(str("", 0), "\"\"");
}

Test(json, utf8_passes_and_invalid_becomes_fffd)
{
    /* é, €, U+1F600: valid, copied as is */
    cr_assert_str_eq(str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
                     "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* stray continuation byte, latin-1 byte */
    cr_assert_str_eq(str("a\x80z\xe9", 4), "\"a\xef\xbf\xbdz\xef\xbf\xbd\"");
    /* overlong '/' (C0 AF): two bad bytes */
    cr_assert_str_eq(str("\xc0\xaf", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    /* surrogate U+D800 (ED A0 80) and U+110000 (F4 90 80 80) */
    cr_assert_str_eq(str("\xed\xa0\x80", 3),
                     "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    cr_assert_str_eq(str("\xf4\x90\x80\x80", 4),
                     "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    /* a sequence cut by the end of the string: E2 82 then end */
    cr_assert_str_eq(str("x\xe2\x82", 3), "\"x\xef\xbf\xbd\xef\xbf\xbd\"");
    /* largest valid code point U+10FFFF */
    cr_assert_str_eq(str("\xf4\x8f\xbf\xbf", 4), "\"\xf4\x8f\xbf\xbf\"");
}

Test(json, keys_are_escaped_too)
{
    ks_json_begin_object(&j);
    ks_json_key(&j, "a\"\n");
    ks_json_string(&j, "v");
    ks_json_end(&j);
    cr_assert_str_eq(out.data, "{\"a\\\"\\n\":\"v\"}");
}

Test(json, numbers_shortest_round_trip)
{
    cr_assert_str_eq(num(0.99), "0.99");
    cr_assert_str_eq(num(0.1 + 0.2), "0.30000000000000004");
    cr_assert_str_eq(num(1.0), "1");
    cr_assert_str_eq(num(-2.5), "-2.5");
    cr_assert_str_eq(num(1e-6), "1e-06");
    cr_assert_str_eq(num(1.0 / 3), "0.3333333333333333");
    cr_assert_str_eq(num(2.0 / 3), "0.6666666666666666");
    cr_assert_str_eq(num(5e-324), "4.94065645841247e-324");
    cr_assert_str_eq(num(1.7976931348623157e308), "1.7976931348623157e+308");
    cr_assert_str_eq(num(NAN), "null");
    cr_assert_str_eq(num(INFINITY), "null");
    cr_assert_str_eq(num(-INFINITY), "null");
}

Test(json, misuse_is_sticky_usage_error)
{
    ks_json_begin_object(&j);
    ks_json_int(&j, 1);   /* value without a key */
    cr_assert_eq(ks_json_status(&j), KS_ERR_USAGE);
    ks_json_key(&j, "k");
    ks_json_int(&j, 2);
    ks_json_end(&j);
    cr_assert_str_eq(out.data, "{");   /* nothing after the first failure */

    ks_buf_free(&out);
    setup();
    ks_json_begin_array(&j);
    ks_json_key(&j, "k");   /* key in an array */
    cr_assert_eq(ks_json_status(&j), KS_ERR_USAGE);
    ks_buf_free(&out);

    setup();
    ks_json_end(&j);   /* nothing open */
    cr_assert_eq(ks_json_status(&j), KS_ERR_USAGE);
    ks_buf_free(&out);

    setup();
    ks_json_begin_object(&j);
    ks_json_key(&j, "a");
    ks_json_end(&j);   /* key without value */
    cr_assert_eq(ks_json_status(&j), KS_ERR_USAGE);
}

Test(json, depth_limit)
{
    for (int i = 0; i < KS_JSON_MAX_DEPTH - 1; i++)
        ks_json_begin_array(&j);
    cr_assert_eq(ks_json_status(&j), KS_OK);
    ks_json_begin_array(&j);
    cr_assert_eq(ks_json_status(&j), KS_ERR_USAGE);
}

Test(json, allocation_failure_is_nomem)
{
    for (unsigned long n = 1;; n++) {
        ks_buf b = {0};
        ks_json jj;
        ks_status st;
        ks_json_init(&jj, &b);
        ks_alloc_fail_at(n, 0);
        ks_json_begin_array(&jj);
        for (int i = 0; i < 200; i++)
            ks_json_string(&jj, "a fairly long string to force growth");
        ks_json_end(&jj);
        ks_alloc_fail_at(0, 0);
        st = ks_json_status(&jj);
        ks_buf_free(&b);
        if (st == KS_OK)
            break;
        cr_assert_eq(st, KS_ERR_NOMEM);
        cr_assert_lt(n, 50);
    }
}
