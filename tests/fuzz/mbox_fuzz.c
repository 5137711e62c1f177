/* mbox_fuzz.c - libFuzzer target: the mbox splitter (mbox.h) over a plain
 * stream, with a small message limit so oversize messages occur. */
#include "fuzz_util.h"
#include "ks/instream.h"
#include "ks/mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    ks_instream *in = NULL;
    ks_mbox *m = NULL;
    int fd = fuzz_memfd(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    size_t bufsize = size ? 4u + (data[0] & 127u) : 0;
    size_t max_message = size > 1 ? 32u + (size_t)data[1] * 16u : 4096u;
    if (ks_instream_new(&in, bufsize) == KS_OK &&
        ks_instream_open(in, path, KS_IN_PLAIN, 0) == KS_OK &&
        ks_mbox_new(&m, in, max_message) == KS_OK) {
        const char *msg;
        size_t len;
        long line;
        int over;
        unsigned long sum = 0;
        while (ks_mbox_next(m, &msg, &len, &line, &over) == KS_OK) {
            /* contract: NUL-terminated and bounded; oversize gives "" */
            if (over ? (*msg != '\0' || len <= max_message)
                     : (msg[len] != '\0' || len > max_message))
                __builtin_trap();
            sum += len + (unsigned long)line + (unsigned long)ks_mbox_at_end(m);
        }
        (void)sum;
    }
    (void)ks_mbox_is_from_line((const char *)data, size);
    ks_mbox_free(m);
    ks_instream_free(in);
    close(fd);
    return 0;
}
