/* fileio.c - atomic file output and small file helpers.
 *
 * ks_write_atomic() follows the classic recipe (see fileio.h): a temporary
 * file created with mkstemp() beside the target, so the final rename() is
 * within one file system and therefore atomic; fsync() of the data before
 * the rename, so the new name never points at blocks that are not on disk
 * yet; fsync() of the folder after it, so the rename itself survives a
 * crash. Every failure unlinks the temporary file and leaves `path` as it
 * was.
 *
 * ks_temp_file() gives the unlinked scratch files of training (pass cache,
 * replay reservoir, calibration log).
 */
#define _GNU_SOURCE   /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ks/alloc.h"
#include "ks/fileio.h"

/* strerror() with the wording users search for when the disk is full. */
static const char *errtext(int e)
{
    return e == ENOSPC ? "disk full" : strerror(e);
}

/* Splits path into its folder ("." when it has none) and base name, both
 * fresh ks_malloc'ed strings. */
static ks_status split_path(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *dir = ks_strdup(".");
        *base = ks_strdup(path);
    } else {
        *dir = slash == path ? ks_strdup("/")
                             : ks_strndup(path, (size_t)(slash - path));
        *base = ks_strdup(slash + 1);
    }
    if (!*dir || !*base) {
        ks_free(*dir);
        ks_free(*base);
        *dir = *base = NULL;
        return ks_fail(KS_ERR_NOMEM, "out of memory writing %s", path);
    }
    return KS_OK;
}

/* Writes all of data to fd, retrying short writes and EINTR. 0 or errno. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO;   /* no progress and no error: do not spin */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes the rename durable. Some file systems refuse fsync on a folder
 * (EINVAL); the data itself is already on disk then, so that is not an
 * error worth failing a save for. */
static int fsync_dir(const char *dir)
{
    int e = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    close(fd);
    return e;
}

struct ks_atomic {
    char *path, *dir, *tmp;
    int fd;        /* the temporary file, -1 once closed */
    int err;       /* first write error (errno), reported by ks_atomic_sync */
};

void ks_atomic_abort(ks_atomic *a)
{
    if (!a)
        return;
    if (a->fd >= 0)
        close(a->fd);
    if (a->tmp)
        unlink(a->tmp);
    ks_free(a->path);
    ks_free(a->dir);
    ks_free(a->tmp);
    ks_free(a);
}

ks_status ks_atomic_begin(ks_atomic **out, const char *path)
{
    ks_atomic *a = ks_calloc(1, sizeof *a);
    char *base = NULL;
    ks_status st;
    *out = NULL;
    if (!a)
        return ks_fail(KS_ERR_NOMEM, "out of memory writing %s", path);
    a->fd = -1;
    if ((st = split_path(path, &a->dir, &base)) != KS_OK) {
        ks_atomic_abort(a);
        return st;
    }
    a->path = ks_strdup(path);
    a->tmp = ks_malloc(strlen(a->dir) + strlen(base) + 16);
    if (!a->path || !a->tmp) {
        ks_free(base);
        ks_atomic_abort(a);
        return ks_fail(KS_ERR_NOMEM, "out of memory writing %s", path);
    }
    sprintf(a->tmp, "%s/.%s.tmp.XXXXXX", a->dir, base);
    ks_free(base);
    a->fd = mkstemp(a->tmp);
    if (a->fd < 0) {
        st = ks_fail(KS_ERR_WRITE, "%s: cannot create a temporary file: %s",
                     path, errtext(errno));
        ks_free(a->tmp);
        a->tmp = NULL;   /* nothing to unlink */
        ks_atomic_abort(a);
        return st;
    }
    (void)fchmod(a->fd, 0644);   /* mkstemp makes 0600; models are shared */
    *out = a;
    return KS_OK;
}

void ks_atomic_write(ks_atomic *a, const void *data, size_t len)
{
    if (!a->err && a->fd >= 0)
        a->err = write_all(a->fd, data, len);
}

ks_status ks_atomic_sync(ks_atomic *a)
{
    int e = a->err;
    if (a->fd < 0)
        return KS_OK;
    if (!e && fsync(a->fd) != 0)
        e = errno;
    if (close(a->fd) != 0 && !e)
        e = errno;   /* NFS and quotas report late errors at close */
    a->fd = -1;
    if (e)
        return ks_fail(KS_ERR_WRITE, "%s: %s", a->path, errtext(e));
    return KS_OK;
}

ks_status ks_atomic_commit(ks_atomic *a)
{
    ks_status st = ks_atomic_sync(a);
    int e;
    if (st == KS_OK && rename(a->tmp, a->path) != 0)
        st = ks_fail(KS_ERR_WRITE, "%s: %s", a->path, errtext(errno));
    if (st != KS_OK) {
        ks_atomic_abort(a);
        return st;
    }
    ks_free(a->tmp);
    a->tmp = NULL;   /* renamed: nothing to unlink */
    e = fsync_dir(a->dir);
    if (e)
        st = ks_fail(KS_ERR_WRITE, "%s: cannot sync folder %s: %s", a->path, a->dir,
                     errtext(e));
    ks_atomic_abort(a);   /* frees */
    return st;
}

ks_status ks_write_atomic(const char *path, const void *data, size_t len)
{
    ks_atomic *a;
    ks_status st = ks_atomic_begin(&a, path);
    if (st != KS_OK)
        return st;
    ks_atomic_write(a, data, len);
    return ks_atomic_commit(a);
}

/* Reads fd to the end into a buffer of at most max bytes. */
static ks_status read_fd(int fd, const char *path, size_t max, char **data,
                         size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = ks_malloc(cap + 1);
    if (!buf)
        return ks_fail(KS_ERR_NOMEM, "out of memory reading %s", path);
    for (;;) {
        ssize_t r;
        if (n == cap) {
            char *nb;
            if (cap > max) {
                ks_free(buf);
                return ks_fail(KS_ERR_LIMIT, "%s: larger than %zu bytes",
                               path, max);
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            nb = ks_realloc(buf, cap + 1);
            if (!nb) {
                ks_free(buf);
                return ks_fail(KS_ERR_NOMEM, "out of memory reading %s", path);
            }
            buf = nb;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            ks_free(buf);
            return ks_fail(KS_ERR_IO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        ks_free(buf);
        return ks_fail(KS_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return KS_OK;
}

ks_status ks_read_file(const char *path, size_t max, char **data, size_t *len)
{
    ks_status st;
    int fd;
    *data = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ks_fail(KS_ERR_IO, "%s: %s", path, strerror(errno));
    st = read_fd(fd, path, max, data, len);
    close(fd);
    return st;
}

ks_status ks_ensure_dir(const char *dir)
{
    struct stat sb;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ks_fail(KS_ERR_WRITE, "%s: cannot create folder: %s", dir,
                       errtext(errno));
    if (stat(dir, &sb) != 0)
        return ks_fail(KS_ERR_WRITE, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return ks_fail(KS_ERR_WRITE, "%s: exists and is not a folder", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return ks_fail(KS_ERR_WRITE, "%s: folder is not writable: %s", dir,
                       strerror(errno));
    return KS_OK;
}

char *ks_path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = ks_malloc(dl + (size_t)slash + nl + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}

ks_status ks_write_atomic_in(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = ks_path_join(dir, name);
    ks_status st;
    if (!path)
        return ks_fail(KS_ERR_NOMEM, "out of memory writing %s/%s", dir, name);
    st = ks_write_atomic(path, data, len);
    ks_free(path);
    return st;
}

/* See fileio.h. */
ks_status ks_temp_file(const char *what, int *fd)
{
    const char *dir = getenv("TMPDIR");
    char *tmpl;
    *fd = -1;
    if (!dir || !*dir)
        dir = "/tmp";
    if (!(tmpl = ks_malloc(strlen(dir) + 32)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the %s", what);
    sprintf(tmpl, "%s/ks-tmp.XXXXXX", dir);
    *fd = mkostemp(tmpl, O_CLOEXEC);
    if (*fd < 0) {
        ks_status st = ks_fail(KS_ERR_IO, "%s: cannot make the %s file: %s", dir, what,
                               strerror(errno));
        ks_free(tmpl);
        return st;
    }
    unlink(tmpl);
    ks_free(tmpl);
    return KS_OK;
}

/* See fileio.h. */
ks_status ks_temp_io(int fd, void *p, size_t n, uint64_t off, int wr, const char *what)
{
    unsigned char *c = p;
    while (n) {
        ssize_t k = wr ? pwrite(fd, c, n, (off_t)off) : pread(fd, c, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return ks_fail(KS_ERR_IO, "cannot %s the %s file: %s", wr ? "write" : "read", what,
                           k < 0 ? strerror(errno) : wr ? "no progress" : "shorter than written");
        c += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return KS_OK;
}
