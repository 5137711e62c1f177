/* fileio.h - atomic file output and small file helpers.
 *
 * ks_write_atomic() is how every model and metrics file is written: the
 * bytes go to a temporary file in the same folder (".name.tmp.XXXXXX"),
 * which is fsync'ed, closed, and renamed over `path`, then the folder is
 * fsync'ed. A crash or a full disk at any point leaves the old file (or no
 * file), never a partial one; on failure the temporary file is removed.
 */
#ifndef KS_FILEIO_H
#define KS_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

ks_status ks_write_atomic(const char *path, const void *data, size_t len);

/* The same in steps, for a file written in parts: begin creates the
 * temporary file; write appends (a failure is kept and reported by
 * sync/commit, so callers need not check each part); sync flushes it to
 * disk and closes it; commit (syncs if not done and) renames it over path
 * and syncs the folder; abort removes it. commit and abort free a; after
 * a failed begin there is nothing to free. */
typedef struct ks_atomic ks_atomic;
ks_status ks_atomic_begin(ks_atomic **a /* OUT */, const char *path);
void ks_atomic_write(ks_atomic *a, const void *data, size_t len);
ks_status ks_atomic_sync(ks_atomic *a);
ks_status ks_atomic_commit(ks_atomic *a);
void ks_atomic_abort(ks_atomic *a);   /* NULL is a no-op */

/* ks_write_atomic of dir/name. */
ks_status ks_write_atomic_in(const char *dir, const char *name, const void *data,
                             size_t len);

/* Reads a whole file of at most max bytes into a fresh ks_malloc'ed buffer
 * (NUL-terminated; caller frees with ks_free). */
ks_status ks_read_file(const char *path, size_t max, char **data /* OUT */,
                       size_t *len /* OUT */);

/* Creates dir if missing (one level, mode 0755); an existing folder is fine.
 * KS_ERR_WRITE when it cannot be created or is not a writable folder. */
ks_status ks_ensure_dir(const char *dir);

/* A new temporary file, already unlinked (gone with the process however it
 * ends), in $TMPDIR (else /tmp), opened read-write and close-on-exec; what
 * names it in errors ("pass cache"). KS_ERR_IO when it cannot be made. */
ks_status ks_temp_file(const char *what, int *fd /* OUT */);

/* All n bytes at byte off of such a file, read (wr 0) or written (wr 1),
 * retrying short transfers and EINTR. KS_ERR_IO naming what on failure,
 * and on a read that ends early (the file is shorter than was written). */
ks_status ks_temp_io(int fd, void *p, size_t n, uint64_t off, int wr, const char *what);

/* dir + "/" + name in a fresh ks_malloc'ed string. */
char *ks_path_join(const char *dir, const char *name);

#endif
