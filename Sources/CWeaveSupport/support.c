// Large zero-filled buffers for the explorer (see include/weave_support.h).
#define _GNU_SOURCE
#include "weave_support.h"
#include <sys/mman.h>

void *weave_map(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *weave_map_populated(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void weave_populate(void *p, size_t bytes) {
    if (p && bytes) (void)madvise(p, bytes, MADV_POPULATE_WRITE);
}

void *weave_remap(void *p, size_t old_bytes, size_t new_bytes) {
    void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
    return q == MAP_FAILED ? NULL : q;
}

void weave_unmap(void *p, size_t bytes) {
    if (p) (void)munmap(p, bytes);
}
