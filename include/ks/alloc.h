/* alloc.h - the library's allocator, with a hook for fault injection.
 *
 * All library allocations go through ks_malloc/ks_calloc/ks_realloc, so a
 * test can fail the Nth allocation (zlib's mem_limit, SQLite's faultsim).
 */
#ifndef KS_ALLOC_H
#define KS_ALLOC_H

#include <stddef.h>

void *ks_malloc(size_t n);
void *ks_calloc(size_t count, size_t size);
void *ks_realloc(void *p, size_t n);
void ks_free(void *p);
char *ks_strdup(const char *s);
char *ks_strndup(const char *s, size_t n);

/* Test hook: make the nth allocation from now fail (1 = the next one), and
 * every later one if sticky. 0 disables. Returns allocations done so far. */
unsigned long ks_alloc_fail_at(unsigned long nth, int sticky);

#endif
