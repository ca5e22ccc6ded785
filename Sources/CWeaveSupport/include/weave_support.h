// Tiny C helpers the explorer's hot loop needs and Swift cannot express.
#ifndef WEAVE_SUPPORT_H
#define WEAVE_SUPPORT_H

/// Starts loading the cache line at `p` (a hint; never faults).
static inline void weave_prefetch(const void *p) { __builtin_prefetch(p, 0, 1); }

#endif
