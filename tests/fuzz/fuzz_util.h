/* fuzz_util.h - shared helpers of the libFuzzer targets (tests/fuzz/).
 *
 * Readers that take a path (instream, CSV, mbox, gzip) get the fuzz input
 * through a memfd, opened again as /proc/self/fd/N: no disk I/O, no file
 * left behind. Readers that take a folder (TREC index, model loader) get a
 * private folder under $TMPDIR (default /tmp), made once per process.
 */
#ifndef KS_FUZZ_UTIL_H
#define KS_FUZZ_UTIL_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Puts data in a fresh memfd; path gets a name that opens it. -1 on error. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t n)
{
    int fd = memfd_create("ks-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return fd;
}

/* A private folder, made once; aborts when it cannot be made. */
static inline const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ks-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

/* The model loaders' folders: in/ (the input goes there) and out/ (saved
 * there), under fuzz_dir(), made on the first call. */
static inline void fuzz_in_out(char in[300], char out[300])
{
    if (!in[0]) {
        snprintf(in, 300, "%s/in", fuzz_dir());
        snprintf(out, 300, "%s/out", fuzz_dir());
        mkdir(in, 0700);
        mkdir(out, 0700);
    }
}

/* A copy of data whose last 4 bytes are the little-endian CRC32 of the
 * rest (how model.bin and svm.bin end), so that the checks behind the
 * checksum are reached; *crc gets it. NULL when size < 4 or out of memory;
 * the caller frees. */
static inline uint8_t *fuzz_fix_crc(const uint8_t *data, size_t size, uint32_t *crc)
{
    uint8_t *fixed;
    if (size < 4 || !(fixed = malloc(size)))
        return NULL;
    memcpy(fixed, data, size);
    *crc = (uint32_t)crc32(0L, fixed, (uInt)(size - 4));
    for (int i = 0; i < 4; i++)
        fixed[size - 4 + i] = (uint8_t)(*crc >> (8 * i));
    return fixed;
}

/* Writes data to dir/name (replacing it); aborts on failure. */
static inline void fuzz_put(const char *dir, const char *name, const void *data, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
}

#endif
