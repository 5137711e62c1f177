/* status.h - status codes, error details and the log hook of the ks library.
 *
 * The library never prints and never exits (STYLE.md 2). Every fallible call
 * returns a ks_status; on failure it also records a human-readable detail
 * (file, line, what is wrong) retrievable with ks_error_detail() until the
 * next failure on the same thread.
 */
#ifndef KS_STATUS_H
#define KS_STATUS_H

#include <stdarg.h>

typedef enum {
    KS_OK = 0,
    KS_DONE = 1,          /* iterator exhausted (not an error) */
    KS_ERR_USAGE = -1,    /* bad flag or argument */
    KS_ERR_IO = -2,       /* cannot open or read an input */
    KS_ERR_FORMAT = -3,   /* input is not what it claims to be */
    KS_ERR_NOMEM = -4,    /* allocation failed */
    KS_ERR_MODEL = -5,    /* model missing, corrupt or incompatible */
    KS_ERR_WRITE = -6,    /* cannot write an output */
    KS_ERR_LIMIT = -7,    /* a resource limit was exceeded */
    KS_ERR_DATA = -8      /* dataset unusable: no records, one class, too many bad */
} ks_status;

/* Static English name of a status ("corrupt or incompatible model"). */
const char *ks_strerror(ks_status st);

/* Records the detail of the failure being returned and returns st, so that
 * code reads `return ks_fail(KS_ERR_FORMAT, "%s:%ld: bad label", f, line);`. */
ks_status ks_fail(ks_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The detail recorded by the last ks_fail() on this thread ("" if none).
 * Owned by the library; valid until the next ks_fail() on this thread. */
const char *ks_error_detail(void);

/* Log levels, lowest first. */
enum { KS_LOG_DEBUG = 0, KS_LOG_INFO = 1, KS_LOG_WARN = 2, KS_LOG_ERROR = 3 };

/* Where the library's log lines go. Default: nowhere. msg has no newline. */
typedef void (*ks_log_fn)(int level, const char *msg, void *ctx);
void ks_set_log_fn(ks_log_fn fn, void *ctx);
void ks_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
