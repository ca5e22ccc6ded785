import CWeaveSupport
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

    private static func outOfMemory(_ bytes: Int) -> Never {
        fatalError("weave: the system refused \(bytes) bytes of memory (see --memory-limit)")
    }
}
