import CWeaveSupport
import Foundation
import Glibc

/// Large buffers of the search (the state arena and its records, the hash tables, the
/// BFS levels), mapped straight from the kernel rather than from malloc:
/// - they arrive zero-filled, so a new hash table costs no initialising pass;
/// - they grow with `mremap`, which moves page-table entries instead of copying bytes,
///   so growing never holds two copies.
/// Sizes are rounded up to whole pages; callers keep the byte count they asked for.
enum MappedMemory {
    static let pageBytes: Int = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))

    @inline(__always) static func rounded(_ bytes: Int) -> Int {
        (max(bytes, 1) + pageBytes - 1) / pageBytes * pageBytes
    }

    /// `bytes` of zeroed memory; stops the process with a message if the system has none.
    /// `populated`: faulted in up front, for a buffer about to be written all over.
    static func allocate(bytes: Int, populated: Bool = false) -> UnsafeMutableRawPointer {
        guard let p = populated ? weave_map_populated(rounded(bytes)) : weave_map(rounded(bytes)) else {
            outOfMemory(bytes)
        }
        return p
    }

    /// Two reservations of address space (buffers that must never move), both or
    /// neither: nil when the system refuses either.
    static func tryReserve(_ first: Int, _ second: Int) -> (UnsafeMutableRawPointer, UnsafeMutableRawPointer)? {
        guard let a = weave_map(rounded(first)) else { return nil }
        guard let b = weave_map(rounded(second)) else { weave_unmap(a, rounded(first)); return nil }
        return (a, b)
    }

    /// The next, smaller reservation to try when `states` were refused (an address-space
    /// limit: `ulimit -v`, valgrind): a quarter of the largest region the system still
    /// grants (halving from the physical memory size), so that the other workers' stores
    /// and the tables find room too; ends the process when even 64 MiB are refused.
    static func smallerReservation(_ states: Int, perState: Int) -> Int {
        var size = Int(sysconf(Int32(_SC_PHYS_PAGES))) &* pageBytes
        while size >= 1 << 26 {
            if let p = weave_map(rounded(size)) {
                weave_unmap(p, rounded(size))
                break
            }
            size /= 2
        }
        let next = min(states / 2, size / 4 / perState)
        if next &* perState < 1 << 24 { outOfMemory(max(next &* perState, 1 << 24)) }
        return next
    }

    /// Faults in the whole pages inside `[p + from, p + to)` for writing, in one call.
    static func populate(_ p: UnsafeMutableRawPointer, from: Int, to: Int) {
        let lo = (from + pageBytes - 1) / pageBytes * pageBytes
        let hi = to / pageBytes * pageBytes
        if hi > lo { weave_populate(p + lo, hi - lo) }
    }

    /// The region at `p` resized from `old` to `new` bytes, contents kept, new tail zero.
    static func reallocate(_ p: UnsafeMutableRawPointer, from old: Int, to new: Int) -> UnsafeMutableRawPointer {
        if rounded(old) == rounded(new) { return p }
        guard let q = weave_remap(p, rounded(old), rounded(new)) else { outOfMemory(new) }
        return q
    }

    static func free(_ p: UnsafeMutableRawPointer, bytes: Int) { weave_unmap(p, rounded(bytes)) }

    /// Typed forms of the above, for `count` elements of `T`.
    static func allocate<T>(_: T.Type, count: Int, populated: Bool = false) -> UnsafeMutablePointer<T> {
        allocate(bytes: count * MemoryLayout<T>.stride, populated: populated).assumingMemoryBound(to: T.self)
    }
    static func populate<T>(_ p: UnsafeMutablePointer<T>, from: Int, to: Int) {
        populate(UnsafeMutableRawPointer(p), from: from * MemoryLayout<T>.stride, to: to * MemoryLayout<T>.stride)
    }
    static func reallocate<T>(_ p: UnsafeMutablePointer<T>, from old: Int, to new: Int) -> UnsafeMutablePointer<T> {
        reallocate(UnsafeMutableRawPointer(p), from: old * MemoryLayout<T>.stride, to: new * MemoryLayout<T>.stride)
            .assumingMemoryBound(to: T.self)
    }
    static func free<T>(_ p: UnsafeMutablePointer<T>, count: Int) {
        free(UnsafeMutableRawPointer(p), bytes: count * MemoryLayout<T>.stride)
    }

    /// Ends the process with a message (exit 71, EX_OSERR: `WeaveExit.outOfMemory`),
    /// not a trap: running out of memory is the machine's limit, not a bug in Weave.
    static func outOfMemory(_ bytes: Int) -> Never {
        FileHandle.standardError.write(Data(("weave: the system refused \(bytes) bytes of memory (out of memory, or an address-space "
            + "limit such as ulimit -v); lower --memory-limit, use fewer --workers, or raise the limit\n").utf8))
        exit(71)
    }
}
