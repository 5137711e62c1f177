/* alloc.c - the library's allocator with a counter-driven failure hook. */
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"

static unsigned long alloc_count;  /* allocations attempted so far */
static unsigned long fail_at;      /* absolute count that fails, 0 = none */
static int fail_sticky;            /* keep failing after fail_at */

/* The count is atomic (relaxed): the read-ahead and extraction threads
 * allocate too, and the hook is armed by single-threaded tests only. */
static int should_fail(void)
{
    unsigned long n = __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED);
    if (!__atomic_load_n(&fail_at, __ATOMIC_RELAXED))
        return 0;
    return fail_sticky ? n >= fail_at : n == fail_at;
}

unsigned long ks_alloc_fail_at(unsigned long nth, int sticky)
{
    __atomic_store_n(&fail_at, nth ? __atomic_load_n(&alloc_count, __ATOMIC_RELAXED) + nth : 0,
                     __ATOMIC_RELAXED);
    fail_sticky = sticky;
    return __atomic_load_n(&alloc_count, __ATOMIC_RELAXED);
}

void *ks_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }

void *ks_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *ks_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void ks_free(void *p) { free(p); }

char *ks_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = ks_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *ks_strdup(const char *s) { return ks_strndup(s, strlen(s)); }
