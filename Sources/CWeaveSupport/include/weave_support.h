// Tiny C helpers the explorer's hot loop needs and Swift cannot express.
#ifndef WEAVE_SUPPORT_H
#define WEAVE_SUPPORT_H

#include <stddef.h>

/// Starts loading the cache line at `p` (a hint; never faults).
static inline void weave_prefetch(const void *p) { __builtin_prefetch(p, 0, 1); }

/// Zero-filled anonymous memory of `bytes` (a multiple of the page size), asked to be
/// backed by transparent huge pages when it is large: fewer page faults and TLB misses
/// for the visited set and the state arena. NULL when the system refuses it.
void *weave_map(size_t bytes);

/// Grows (or shrinks) a `weave_map` region to `new_bytes`, keeping its contents; the
/// kernel moves page-table entries, not bytes. The grown tail is zero. NULL on failure
/// (the old region is then untouched).
void *weave_remap(void *p, size_t old_bytes, size_t new_bytes);

/// Returns a `weave_map` region to the system.
void weave_unmap(void *p, size_t bytes);

#endif
