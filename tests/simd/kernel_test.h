/* kernel_test.h - shared by the kernel equivalence tests (tests/simd/): the
 * seeded xorshift generator of their random inputs, and the skip for a
 * kernel this CPU or architecture does not have. */
#ifndef KS_KERNEL_TEST_H
#define KS_KERNEL_TEST_H

#include <criterion/criterion.h>
#include <stdint.h>
#include "ks/cpu.h"

/* Marsaglia's xorshift64 (13, 7, 17): the next state of *s. */
static inline uint64_t xorshift64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Kernel k, or the test is skipped when the CPU lacks it. */
static inline const ks_kernel *kernel_or_skip(int k)
{
    if (!ks_kernel_supported((ks_kernel_id)k))
        cr_skip_test("kernel %s not supported on this CPU or arch",
                     ks_kernel_get((ks_kernel_id)k)->name);
    return ks_kernel_get((ks_kernel_id)k);
}

#endif
