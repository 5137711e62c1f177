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
