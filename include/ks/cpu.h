/* cpu.h - CPU feature detection and the table of SIMD kernels.
 *
 * Kernels are picked once (ks_cpu_init(), run on first use through
 * pthread_once) from what the CPU reports, never from the build machine:
 * only the kernel files get ISA flags (CMakeLists.txt), the rest of the
 * library is plain x86-64 / arm64. KS_KERNEL=scalar|sse2|avx2|avx512|neon
 * in the environment forces a kernel; an unknown or unsupported name logs
 * a warning and the best supported kernel is used.
 *
 * Every kernel gives the same result as the scalar one (the specification;
 * tests/simd/ checks it). Threads: the table is filled once and read-only
 * afterwards.
 */
#ifndef KS_CPU_H
#define KS_CPU_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    KS_KERNEL_SCALAR = 0,   /* the specification: byte-at-a-time tokenizer */
    KS_KERNEL_SSE2,         /* x86-64 baseline, 16 bytes per step */
    KS_KERNEL_AVX2,         /* 32 bytes per step */
    KS_KERNEL_AVX512,       /* AVX-512BW, 64 bytes per step */
    KS_KERNEL_NEON,         /* AArch64 Advanced SIMD, 16 bytes per step */
    KS_KERNEL_COUNT
} ks_kernel_id;

/* Classifies n bytes of src (n a multiple of 64, n may be 0) for the
 * tokenizer: dst[i] = src[i] with 'A'..'Z' folded to lower case; bit j of
 * word[i / 64] is set when src[64 i + j] is a word byte (ks_tok_word_byte);
 * bit j of high[i / 64] when it is >= 0x80. src, dst need no alignment. */
typedef void (*ks_tok_classify_fn)(const unsigned char *src, size_t n,
                                   unsigned char *dst, uint64_t *word,
                                   uint64_t *high);

typedef struct {
    const char *name;               /* "scalar", "sse2", ... (static) */
    ks_tok_classify_fn classify;    /* NULL when not built for this arch */
} ks_kernel;

/* Detects the CPU and picks the kernel (idempotent, thread-safe). */
void ks_cpu_init(void);

/* The kernel in use (after ks_cpu_init(); calls it if needed). */
ks_kernel_id ks_kernel_current(void);
/* Name of the kernel in use, e.g. "avx2" (static string). */
const char *ks_kernel_name(void);

/* Makes id the kernel that tokenizers created from now on get (tests and
 * benchmarks; call while no other thread creates tokenizers). KS_ERR_USAGE
 * (as an int, see status.h) when id is not supported here. */
int ks_kernel_select(ks_kernel_id id);

/* Table entry of id (NULL for an id out of range). */
const ks_kernel *ks_kernel_get(ks_kernel_id id);
/* 1 when id is built into this binary and the CPU runs it. */
int ks_kernel_supported(ks_kernel_id id);
/* Id of a kernel name, or -1 for an unknown name. */
int ks_kernel_lookup(const char *name);

/* The scalar classify kernel (the specification of ks_tok_classify_fn),
 * and the SIMD ones built for this arch (declared everywhere, defined only
 * where built: use them through ks_kernel_get()). */
void ks_tok_classify_scalar(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_sse2(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_avx2(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_avx512(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_neon(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high);

#endif
