/* html_test.c - HTML to text and link extraction with libxml2. */
#include <criterion/criterion.h>
#include <string.h>
#include "ks/html.h"

static ks_buf text, links;

static void on_link(void *ctx, const char *url, size_t len)
{
    cr_assert_eq(url[len], '\0');
    ks_buf_append(&links, url, len);
    ks_buf_putc(&links, '|');
}

static void setup(void)
{
    memset(&text, 0, sizeof text);
    memset(&links, 0, sizeof links);
    ks_html_global_init();
}

static void teardown(void)
{
    ks_buf_free(&text);
    ks_buf_free(&links);
}

TestSuite(html, .init = setup, .fini = teardown);

static const char *conv(const char *html)
{
    ks_buf_clear(&text);
    ks_buf_clear(&links);
    cr_assert_eq(ks_html_to_text(html, strlen(html), &text, on_link, NULL), KS_OK);
    cr_assert_not_null(text.data);
    return text.data;
}

Test(html, blocks_and_whitespace)
{
    cr_assert_str_eq(conv("<html><body><p>Hello   <b>big</b>\n world</p>"
                          "<div>Second</div>line<br>three</body></html>"),
                     "Hello big world\nSecond\nline\nthree");
}

Test(html, script_style_dropped_title_kept)
{
    cr_assert_str_eq(conv("<html><head><title>Buy now</title>"
                          "<style>p{color:red}</style>"
                          "<script>var x = 'hidden';</script></head>"
                          "<body>Cheap <!-- comment -->pills</body></html>"),
                     "Buy now\nCheap pills");
}

Test(html, links_reported)
{
    cr_assert_str_eq(conv("<a href=\"http://spam.example/buy\">click</a> "
                          "<img src='http://img.example/x.gif'>"
                          "<form action=\"https://f.example/post\"></form>"
                          "<map><area href=\"http://area.example/\"></map>"
                          "<a name=\"anchor\">no link</a>"),
                     "click\nno link");
    cr_assert_str_eq(links.data, "http://spam.example/buy|http://img.example/x.gif|"
                                 "https://f.example/post|http://area.example/|");
}

Test(html, link_cleanup_and_entities)
{
    /* tabs and line breaks vanish (browser URL parsing), inner blanks stay */
    conv("<a href=\"  http://ex.ample/\n\tsplit?a=1&amp;b=2 \">x</a>"
         "<a href=\"http://a.example/x y\">y</a><a href=\" \">empty</a>");
    cr_assert_str_eq(links.data, "http://ex.ample/split?a=1&b=2|"
                                 "http://a.example/x y|");
    cr_assert_str_eq(conv("caf&eacute; &amp; &#x263A;"),
                     "caf\xC3\xA9 & \xE2\x98\xBA");
}

Test(html, malformed_recovers)
{
    cr_assert_str_eq(conv("<p>one<p>two</div></span><b>three<i>four"),
                     "one\ntwothreefour");
    /* libxml2 drops the '<' it cannot start a tag with (browsers keep it) */
    cr_assert_str_eq(conv("<<<>>>< a href=>text"), ">>>< a href=>text");
    cr_assert_str_eq(conv("<a href=\"unterminated>text"), "");
    cr_assert_str_eq(conv(""), "");
    cr_assert_eq(text.len, 0);
}

Test(html, table_cells_spaced)
{
    cr_assert_str_eq(conv("<table><tr><td>a</td><td>b</td></tr>"
                          "<tr><td>c</td></tr></table>"),
                     "a b\nc");
}

Test(html, utf8_and_bad_input)
{
    static const char nul[] = "<p>a\0b</p>";
    cr_assert_str_eq(conv("<p>\xE4\xB8\xAD\xE6\x96\x87</p>"), "\xE4\xB8\xAD\xE6\x96\x87");
    /* a meta charset must not override the UTF-8 we pass */
    cr_assert_str_eq(conv("<meta charset=\"iso-8859-1\"><p>\xC3\xA9</p>"), "\xC3\xA9");
    cr_assert_str_eq(conv("<p>bad\xFF</p>"), "bad\xEF\xBF\xBD");
    ks_buf_clear(&text);
    cr_assert_eq(ks_html_to_text(nul, sizeof nul - 1, &text, NULL, NULL), KS_OK);
    cr_assert_str_eq(text.data, "ab");
}

Test(html, appends_after_existing_text)
{
    ks_buf_clear(&text);
    ks_buf_append(&text, "pre:", 4);
    cr_assert_eq(ks_html_to_text("<p>x</p>", 8, &text, NULL, NULL), KS_OK);
    cr_assert_str_eq(text.data, "pre:x");
}

Test(html, deep_nesting_no_recursion)
{
    ks_buf deep = {0};
    int i;
    /* past libxml2's default depth limit of 256, so XML_PARSE_HUGE matters:
     * without it the text after the limit would be lost */
    for (i = 0; i < 20000; i++)
        ks_buf_append(&deep, "<div>", 5);
    ks_buf_append(&deep, "deep", 4);
    ks_buf_clear(&text);
    cr_assert_eq(ks_html_to_text(deep.data, deep.len, &text, NULL, NULL), KS_OK);
    cr_assert_str_eq(text.data, "deep");
    ks_buf_free(&deep);
}
