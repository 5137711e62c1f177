/* cpu.c - CPU feature detection and kernel choice (see cpu.h).
 *
 * The table is filled once, in ks_cpu_init() through pthread_once, like
 * zlib-ng's functable: callers that run per message (ks_tokenizer_new)
 * read the chosen id, and nothing checks the CPU per call.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ks/cpu.h"
#include "ks/status.h"

#if defined(__x86_64__) || defined(_M_X64)
#define KS_X86 1
#include <cpuid.h>
#elif defined(__aarch64__)
#define KS_ARM64 1
#endif

/* Filled here, adjusted once by detect() (under pthread_once), read-only
 * afterwards. */
static ks_kernel table[KS_KERNEL_COUNT] = {
    [KS_KERNEL_SCALAR] = {"scalar", ks_tok_classify_scalar, ks_bow_binary_scalar,
                          ks_bow_compact_scalar, 0},
#ifdef KS_X86
    [KS_KERNEL_SSE2] = {"sse2", ks_tok_classify_sse2, ks_bow_binary_scalar,
                        ks_bow_compact_scalar, 0},
    [KS_KERNEL_AVX2] = {"avx2", ks_tok_classify_avx2, ks_bow_binary_scalar,
                        ks_bow_compact_scalar, 0},
    [KS_KERNEL_AVX512] = {"avx512", ks_tok_classify_avx512, ks_bow_binary_avx512,
                          ks_bow_compact_avx512, 1, ks_tok_flatten_avx512,
                          ks_tok_hash_avx512},
#else
    [KS_KERNEL_SSE2] = {"sse2", NULL},
    [KS_KERNEL_AVX2] = {"avx2", NULL},
    [KS_KERNEL_AVX512] = {"avx512", NULL},
#endif
#ifdef KS_ARM64
    [KS_KERNEL_NEON] = {"neon", ks_tok_classify_neon, ks_bow_binary_scalar,
                        ks_bow_compact_scalar, 0},
#else
    [KS_KERNEL_NEON] = {"neon", NULL},
#endif
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int supported[KS_KERNEL_COUNT];
static ks_kernel_id current = KS_KERNEL_SCALAR;

#ifdef KS_X86
/* AVX state must be enabled by the OS (XGETBV), not only reported by CPUID. */
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static void detect(void)
{
    unsigned a, b, c, d;
    supported[KS_KERNEL_SSE2] = 1;   /* part of x86-64 */
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return;
    uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 6) != 6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return;
    supported[KS_KERNEL_AVX2] = !!(b & bit_AVX2);
    /* opmask, ZMM upper halves, ZMM16-31 */
    supported[KS_KERNEL_AVX512] = (xcr0 & 0xe6) == 0xe6 && (b & bit_AVX512F) &&
                                  (b & bit_AVX512BW) && (b & bit_AVX512DQ);
    if (supported[KS_KERNEL_AVX512] && (c & bit_AVX512VBMI2))
        table[KS_KERNEL_AVX512].tok_flatten = ks_tok_flatten_avx512vbmi2;
    if (supported[KS_KERNEL_AVX512] && (c & bit_AVX512VBMI))
        table[KS_KERNEL_AVX512].tok_hash = ks_tok_hash_avx512vbmi;
}
#elif defined(KS_ARM64)
static void detect(void) { supported[KS_KERNEL_NEON] = 1; }   /* AArch64 baseline */
#else
static void detect(void) {}
#endif

static void init_once(void)
{
    const char *force = getenv("KS_KERNEL");
    supported[KS_KERNEL_SCALAR] = 1;
    detect();
    for (int k = KS_KERNEL_SCALAR; k < KS_KERNEL_COUNT; k++)
        if (supported[k])
            current = (ks_kernel_id)k;   /* the table is ordered by width */
    if (force && *force) {
        int k = ks_kernel_lookup(force);
        if (k >= 0 && supported[k])
            current = (ks_kernel_id)k;
        else
            ks_log(KS_LOG_WARN, "KS_KERNEL=%s is %s here; using %s", force,
                   k < 0 ? "unknown" : "not supported", table[current].name);
    }
}

void ks_cpu_init(void) { pthread_once(&once, init_once); }

ks_kernel_id ks_kernel_current(void)
{
    ks_cpu_init();
    return current;
}

const char *ks_kernel_name(void) { return table[ks_kernel_current()].name; }

const ks_kernel *ks_kernel_get(ks_kernel_id id)
{
    return (unsigned)id < KS_KERNEL_COUNT ? &table[id] : NULL;
}

int ks_kernel_supported(ks_kernel_id id)
{
    ks_cpu_init();
    return (unsigned)id < KS_KERNEL_COUNT && supported[id] && table[id].classify;
}

int ks_kernel_lookup(const char *name)
{
    for (int k = 0; k < KS_KERNEL_COUNT; k++)
        if (!strcmp(name, table[k].name))
            return k;
    return -1;
}

int ks_kernel_select(ks_kernel_id id)
{
    if (!ks_kernel_supported(id))
        return ks_fail(KS_ERR_USAGE, "kernel %d is not supported on this machine", (int)id);
    current = id;
    return KS_OK;
}
