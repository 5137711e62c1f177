/* gzip_fuzz.c - libFuzzer target: gzip input (instream.h in gzip mode):
 * corrupt members, concatenated members, trailing junk and the
 * decompressed/compressed ratio limit. Output is bounded by the ratio (or
 * the 1 MiB floor), so a bomb cannot fill memory. */
#include "fuzz_util.h"
#include "ks/instream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    ks_instream *in = NULL;
    int fd = fuzz_memfd(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    uint32_t ratio = size ? (uint32_t)(data[size - 1] & 15u) * 100u : 1000u;
    if (ks_instream_new(&in, 0) == KS_OK &&
        ks_instream_open(in, path, KS_IN_GZIP, ratio) == KS_OK) {
        const char *p;
        size_t n;
        ks_status st;
        uint64_t limit = (uint64_t)size * (ratio ? ratio : 0);
        while ((st = ks_instream_fill(in, 1, &p, &n)) == KS_OK)
            ks_instream_consume(in, n);
        if (ratio && ks_instream_bytes_out(in) > (limit > KS_INSTREAM_GZ_FLOOR ? limit : KS_INSTREAM_GZ_FLOOR)
                                              + KS_INSTREAM_BUFSIZE)
            __builtin_trap();   /* contract: the ratio limit holds */
    }
    ks_instream_free(in);
    close(fd);
    return 0;
}
