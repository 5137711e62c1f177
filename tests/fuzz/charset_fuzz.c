/* charset_fuzz.c - libFuzzer target: charset conversion to UTF-8
 * (charset.h). The first byte picks the declared charset; the output must
 * always be valid UTF-8. */
#include "fuzz_util.h"
#include "ks/buf.h"
#include "ks/charset.h"

static const char *const names[] = {
    NULL, "", "us-ascii", "utf-8", "iso-8859-1", "windows-1252", "iso-8859-15",
    "utf-7", "ks_c_5601-1987", "euc-kr", "gb2312", "gbk", "big5", "shift_jis",
    "iso-2022-jp", "iso-8859-9", "tis-620", "koi8-r", "windows-1251", "utf-16",
    "utf-16le", "ucs-2", "x-unknown", "no-such-charset", "ISO-8859-5", "cp866",
    "euc-jp", "gb18030", "windows-1250", "iso-8859-2", "UTF-32", "macintosh"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_buf out = {0};
    if (size == 0)
        return 0;
    const char *cs = names[data[0] % (sizeof names / sizeof *names)];
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    (void)ks_charset_supported(cs);
    (void)ks_utf8_valid(in, len);
    if (ks_charset_to_utf8(cs, in, len, &out) == KS_OK &&
        !ks_utf8_valid(out.data ? out.data : "", out.len))
        __builtin_trap();   /* contract: the result is UTF-8 */
    ks_buf_clear(&out);
    if (ks_latin1_to_utf8(in, len, &out) == KS_OK &&
        !ks_utf8_valid(out.data ? out.data : "", out.len))
        __builtin_trap();
    ks_buf_free(&out);
    return 0;
}
