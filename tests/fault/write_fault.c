/* write_fault.c - LD_PRELOAD shim that makes write(2) and fsync(2) fail the
 * way a full or broken disk does, for the end-to-end tests
 * (tests/cli/robustness.sh). Only file descriptors of regular files whose
 * path contains $KS_FAULT_PATH (default: every regular file) are touched;
 * stderr, pipes and terminals never are.
 *
 *   KS_FAULT_WRITE_LIMIT=N  after N bytes in total, write() writes what is
 *                           left of N (a short count) and then fails with
 *                           ENOSPC, as a disk that fills up mid-file does;
 *   KS_FAULT_WRITE_SHORT=1  every write() writes at most half of what it is
 *                           asked (at least 1 byte): callers must loop;
 *   KS_FAULT_FSYNC=1        fsync() of a matching file fails with EIO;
 *   KS_FAULT_WRITE_DELAY_US=U  each write() sleeps U microseconds first, to
 *                           widen the window a kill -9 test aims at.
 *
 * Build: cc -shared -fPIC -o write_fault.so write_fault.c -ldl
 * With an ASan build of the programs, set
 * ASAN_OPTIONS=verify_asan_link_order=0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long long written;   /* bytes let through so far */

/* True when fd is a regular file whose path holds $KS_FAULT_PATH. */
static int matches(int fd)
{
    char link[64], path[PATH_MAX];
    struct stat st;
    const char *want = getenv("KS_FAULT_PATH");
    ssize_t n;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (!want || !*want)
        return 1;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return strstr(path, want) != NULL;
}

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real_write)(int, const void *, size_t);
    const char *lim = getenv("KS_FAULT_WRITE_LIMIT");
    const char *shrt = getenv("KS_FAULT_WRITE_SHORT");
    const char *delay = getenv("KS_FAULT_WRITE_DELAY_US");
    if (!real_write)
        real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (count > 0 && (lim || shrt || delay) && matches(fd)) {
        if (delay)
            usleep((useconds_t)strtoul(delay, NULL, 10));
        if (shrt && *shrt == '1' && count > 1)
            count /= 2;
        if (lim) {
            unsigned long long max = strtoull(lim, NULL, 10);
            if (written >= max) {
                errno = ENOSPC;
                return -1;
            }
            if (count > max - written)
                count = (size_t)(max - written);
        }
        ssize_t n = real_write(fd, buf, count);
        if (n > 0)
            written += (unsigned long long)n;
        return n;
    }
    return real_write(fd, buf, count);
}

int fsync(int fd)
{
    static int (*real_fsync)(int);
    const char *f = getenv("KS_FAULT_FSYNC");
    if (!real_fsync)
        real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (f && *f == '1' && matches(fd)) {
        errno = EIO;
        return -1;
    }
    return real_fsync(fd);
}
