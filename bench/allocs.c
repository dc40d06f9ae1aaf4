/* LD_PRELOAD heap counter: counts every allocation (malloc, calloc, realloc, the aligned
 * allocators) and free of the process, and the bytes asked for, through glibc's own
 * allocator underneath. A bench program reads the counts with
 *   dlsym(RTLD_DEFAULT, "bench_alloc_counts")
 * before and after its measured loop: measured allocations per call, not an estimate.
 * A realloc counts as one allocation (it may move the block: the heap work of one).
 * build: cc -shared -fPIC -O2 -o allocs.so allocs.c */
#define _GNU_SOURCE
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static unsigned long n_allocs, n_bytes, n_frees;

#define COUNT(bytes) (__atomic_fetch_add(&n_allocs, 1, __ATOMIC_RELAXED), __atomic_fetch_add(&n_bytes, (bytes), __ATOMIC_RELAXED))

void bench_alloc_counts(unsigned long *allocs, unsigned long *bytes, unsigned long *frees) {
    *allocs = __atomic_load_n(&n_allocs, __ATOMIC_RELAXED);
    *bytes = __atomic_load_n(&n_bytes, __ATOMIC_RELAXED);
    *frees = __atomic_load_n(&n_frees, __ATOMIC_RELAXED);
}

void *malloc(size_t n) {
    COUNT(n);
    return __libc_malloc(n);
}

void *calloc(size_t k, size_t n) {
    COUNT(k * n);
    return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n) {
    COUNT(n);
    return __libc_realloc(p, n);
}

void free(void *p) {
    if (p) __atomic_fetch_add(&n_frees, 1, __ATOMIC_RELAXED);
    __libc_free(p);
}

void *memalign(size_t a, size_t n) {
    COUNT(n);
    return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n) {
    COUNT(n);
    return __libc_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n) {
    COUNT(n);
    void *p = __libc_memalign(a, n);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}
