/* status.c - status names, per-thread error detail, the log hook. */
#include <stdio.h>
#include "ks/status.h"

static _Thread_local char detail[1024];
static ks_log_fn log_fn;
static void *log_ctx;

const char *ks_strerror(ks_status st)
{
    switch (st) {
    case KS_OK: return "success";
    case KS_DONE: return "end of data";
    case KS_ERR_USAGE: return "usage error";
    case KS_ERR_IO: return "cannot read input";
    case KS_ERR_FORMAT: return "invalid input";
    case KS_ERR_NOMEM: return "out of memory";
    case KS_ERR_MODEL: return "corrupt or incompatible model";
    case KS_ERR_WRITE: return "cannot write output";
    case KS_ERR_LIMIT: return "resource limit exceeded";
    case KS_ERR_DATA: return "unusable dataset";
    }
    return "unknown status";
}

ks_status ks_fail(ks_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return st;
}

const char *ks_error_detail(void) { return detail; }

void ks_set_log_fn(ks_log_fn fn, void *ctx)
{
    log_fn = fn;
    log_ctx = ctx;
}

void ks_log(int level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    if (!log_fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_fn(level, msg, log_ctx);
}
