// Tiny C helpers the explorer's hot loop needs and Swift cannot express.
#ifndef WEAVE_SUPPORT_H
#define WEAVE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Starts loading the cache line at `p` (a hint; never faults).
static inline void weave_prefetch(const void *p) { __builtin_prefetch(p, 0, 1); }

/// Tells the core that this thread is spinning (x86 `pause`, ARM `yield`).
static inline void weave_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// The shared-table search's slots (see SharedSearch.swift): an acquiring load, and a
/// compare-and-swap that returns the value it found (== `expected` when it swapped).
static inline uint64_t weave_load_acquire(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint64_t weave_cas(uint64_t *p, uint64_t expected, uint64_t desired) {
    __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    return expected;
}

/// A spin lock on a 32-bit word (0 free), for critical sections of a few instructions.
static inline void weave_lock(uint32_t *l) {
    while (__atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) weave_cpu_relax();
    }
}
static inline void weave_unlock(uint32_t *l) { __atomic_store_n(l, 0u, __ATOMIC_RELEASE); }

/// Zero-filled anonymous memory of `bytes` (a multiple of the page size). NULL when the
/// system refuses it. (No MADV_HUGEPAGE: with this kernel's `defrag=madvise` the faults
/// compact memory; flush_race THREADS=5 spent 1.4 s in the kernel with it, 0.55 without.)
void *weave_map(size_t bytes);

/// `weave_map` with every page faulted in by the kernel in one call (MAP_POPULATE): for a
/// buffer that will be written all over at once, such as a rehashed table. On this VM a
/// page fault taken one at a time costs several microseconds.
void *weave_map_populated(size_t bytes);

/// Faults in the pages of `[p, p + bytes)` (page-aligned) for writing in one call
/// (MADV_POPULATE_WRITE, Linux 5.14); a hint: on an older kernel it does nothing.
void weave_populate(void *p, size_t bytes);

/// Grows (or shrinks) a `weave_map` region to `new_bytes`, keeping its contents; the
/// kernel moves page-table entries, not bytes. The grown tail is zero. NULL on failure
/// (the old region is then untouched).
void *weave_remap(void *p, size_t old_bytes, size_t new_bytes);

/// Returns a `weave_map` region to the system.
void weave_unmap(void *p, size_t bytes);

#endif
