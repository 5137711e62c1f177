/* html_fuzz.c - libFuzzer target: HTML to text (html.h), links collected. */
#include "fuzz_util.h"
#include "ks/buf.h"
#include "ks/html.h"

static void on_link(void *ctx, const char *url, size_t len)
{
    unsigned long *sum = ctx;
    if (len)
        *sum += (unsigned char)url[0] + (unsigned char)url[len - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_buf text = {0};
    unsigned long sum = 0;
    (void)ks_html_to_text((const char *)data, size, &text, on_link, &sum);
    ks_buf_free(&text);
    return 0;
}
