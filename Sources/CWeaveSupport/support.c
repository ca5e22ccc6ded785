// Large zero-filled buffers for the explorer (see include/weave_support.h).
#define _GNU_SOURCE
#include "weave_support.h"
#include <sys/mman.h>

enum { huge_threshold = 2u << 20 };

static void advise(void *p, size_t bytes) {
#ifdef MADV_HUGEPAGE
    if (bytes >= huge_threshold) (void)madvise(p, bytes, MADV_HUGEPAGE);
#else
    (void)p; (void)bytes;
#endif
}

void *weave_map(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    advise(p, bytes);
    return p;
}

void *weave_remap(void *p, size_t old_bytes, size_t new_bytes) {
    void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) return NULL;
    advise(q, new_bytes);
    return q;
}

void weave_unmap(void *p, size_t bytes) {
    if (p) (void)munmap(p, bytes);
}
