/* mail_fuzz.c - libFuzzer target: the raw mail / MIME decoder (mail.h),
 * with default limits and with tight ones, checking the sink contract. */
#include "fuzz_util.h"
#include "ks/mail.h"

static int sink(void *ctx, ks_seg_kind kind, const char *name, const char *text, size_t len)
{
    unsigned long *sum = ctx;
    if ((unsigned)kind > KS_SEG_ATTACH || text[len] != '\0')
        __builtin_trap();   /* contract: known kind, NUL-terminated text */
    if (len)
        *sum += (unsigned char)text[0] + (unsigned char)text[len - 1];
    if (name)
        *sum += strlen(name);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned long sum = 0;
    ks_mail_limits tight = {.max_depth = 3, .max_parts = 8};
    (void)ks_mail_decode((const char *)data, size, NULL, sink, &sum);
    (void)ks_mail_decode((const char *)data, size, &tight, sink, &sum);
    return 0;
}
