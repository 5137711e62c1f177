/* csv_fuzz.c - libFuzzer target: the CSV record reader (csv.h) over a
 * plain stream, every field of every record touched, with a small field
 * limit so the oversize path is reached too. */
#include "fuzz_util.h"
#include "ks/csv.h"
#include "ks/instream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    ks_instream *in = NULL;
    ks_csv *c = NULL;
    int fd = fuzz_memfd(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    /* First byte picks the buffer size, so refills land everywhere. */
    size_t bufsize = size ? 4u + (data[0] & 63u) : 0;
    size_t max_field = size > 1 ? 16u + (size_t)data[1] * 8u : 1024u;
    if (ks_instream_new(&in, bufsize) == KS_OK &&
        ks_instream_open(in, path, KS_IN_PLAIN, 0) == KS_OK &&
        ks_csv_new(&c, in, max_field) == KS_OK) {
        unsigned long sum = 0;
        while (ks_csv_next(c) == KS_OK) {
            size_t nf = ks_csv_nfields(c);
            for (size_t i = 0; i < nf && i < KS_CSV_MAX_FIELDS; i++) {
                size_t len;
                const char *f = ks_csv_field(c, i, &len);
                if (f && len)
                    sum += (unsigned char)f[len - 1] + (unsigned char)f[0];
                if (f && f[len] != '\0')
                    __builtin_trap();   /* contract: NUL-terminated */
            }
            sum += (unsigned long)ks_csv_line(c) + (unsigned long)ks_csv_oversize(c);
        }
        (void)sum;
    }
    ks_csv_free(c);
    ks_instream_free(in);
    close(fd);
    return 0;
}
