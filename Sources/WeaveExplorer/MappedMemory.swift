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
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        guard let p = weave_map(rounded(bytes)) else { outOfMemory(bytes) }
        return p
    }

    /// The region at `p` resized from `old` to `new` bytes, contents kept, new tail zero.
    static func reallocate(_ p: UnsafeMutableRawPointer, from old: Int, to new: Int) -> UnsafeMutableRawPointer {
        if rounded(old) == rounded(new) { return p }
        guard let q = weave_remap(p, rounded(old), rounded(new)) else { outOfMemory(new) }
        return q
    }

    static func free(_ p: UnsafeMutableRawPointer, bytes: Int) { weave_unmap(p, rounded(bytes)) }

    /// Typed forms of the above, for `count` elements of `T`.
    static func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(bytes: count * MemoryLayout<T>.stride).assumingMemoryBound(to: T.self)
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
