import CWeaveSupport
import Glibc

/// The visited set of fingerprint mode: 64-bit fingerprints only, in an open-addressing
/// table indexed by the fingerprint's high bits (`(fp * capacity) >> 64`, so the size
/// need not be a power of two). It grows by 1.5x at 80% load, so a stored state costs
/// between 10 and 15 bytes. Two distinct states with equal fingerprints are taken as one:
/// the search may then miss states (TLC's trade); `collisionProbability` estimates it.
final class FingerprintSet {
    private(set) var count = 0
    private(set) var capacity: Int
    private var slots: UnsafeMutablePointer<UInt64>
    private var growAt: Int

    init(capacity: Int = 1 << 12) {
        self.capacity = capacity
        slots = MappedMemory.allocate(UInt64.self, count: capacity)
        growAt = capacity / 5 * 4
    }

    deinit { MappedMemory.free(slots, count: capacity) }

    var memoryBytes: Int { capacity * 8 }

    /// Bytes that inserting `k` more fingerprints may allocate: each 1.5x table the
    /// inserts would grow into (the old one is held while it is rehashed).
    func growthBytes(adding k: Int) -> Int {
        var cap = capacity, at = growAt, bytes = 0
        while count + k > at {
            cap += cap / 2
            at = cap / 5 * 4
            bytes += cap * 8
        }
        return bytes
    }

    @inline(__always) private func home(_ fp: UInt64) -> Int {
        Int(truncatingIfNeeded: fp.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    @inline(__always) func prefetch(_ fp: UInt64) { weave_prefetch(slots + home(fp)) }

    /// Adds `fp`; false if it was present. (0 marks an empty slot, so 0 is stored as 1.)
    @inline(__always)
    func insert(_ fp: UInt64) -> Bool {
        let f = fp == 0 ? 1 : fp
        var i = home(f)
        while true {
            let v = slots[i]
            if v == 0 { break }
            if v == f { return false }
            i &+= 1
            if i == capacity { i = 0 }
        }
        slots[i] = f
        count &+= 1
        if count > growAt { grow() }
        return true
    }

    private func grow() {
        let old = slots, oldCapacity = capacity
        capacity = oldCapacity + oldCapacity / 2
        slots = MappedMemory.allocate(UInt64.self, count: capacity, populated: true)   // written all over
        growAt = capacity / 5 * 4
        for j in 0..<oldCapacity where old[j] != 0 {
            var i = home(old[j])
            while slots[i] != 0 { i &+= 1; if i == capacity { i = 0 } }
            slots[i] = old[j]
        }
        MappedMemory.free(old, count: oldCapacity)
    }

    /// The table as it is (for a checkpoint), without a copy.
    func withRawSlots<R>(_ body: (UnsafeBufferPointer<UInt64>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: slots, count: capacity))
    }

    /// Replaces the table by a zeroed one of `slots` slots that will hold `count`
    /// fingerprints, for the caller to fill from a checkpoint (what `withRawSlots` gave).
    func restore(slots n: Int, count c: Int) -> UnsafeMutablePointer<UInt64> {
        MappedMemory.free(slots, count: capacity)
        capacity = max(1, n)
        slots = MappedMemory.allocate(UInt64.self, count: capacity)
        count = c
        growAt = capacity / 5 * 4
        return slots
    }

    /// The chance that some two of `n` distinct states share a 64-bit fingerprint
    /// (birthday bound, n^2 / 2^65), the figure TLC prints.
    static func collisionProbability(states n: Int) -> Double {
        let d = Double(n)
        return min(1, d * d / 36_893_488_147_419_103_232.0)
    }
}

/// Packed states back to back: a BFS level of fingerprint mode.
final class StateBuffer {
    let stateBytes: Int
    private(set) var count = 0
    private var capacity: Int
    private(set) var base: UnsafeMutableRawPointer
    /// States below this index have their pages faulted in (see `StateStore.populateAhead`).
    private var populatedTo = 0

    init(stateBytes: Int) {
        self.stateBytes = stateBytes
        capacity = 1 << 10
        base = MappedMemory.allocate(bytes: stateBytes * capacity)
    }

    deinit { MappedMemory.free(base, bytes: stateBytes * capacity) }

    var memoryBytes: Int { capacity * stateBytes }

    /// Bytes that appending `k` more states may fault in (pages come up to
    /// `populateChunk` states ahead; growing moves pages, it copies nothing).
    func growthBytes(adding k: Int) -> Int {
        k * stateBytes + (count + k >= populatedTo ? StateStore.populateChunk * stateBytes : 0)
    }

    @inline(__always) func state(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(base + i &* stateBytes) }

    @inline(__always) func append(_ s: UnsafeRawPointer) {
        if count == capacity { grow() }
        if count == populatedTo {
            let to = min(capacity, populatedTo + StateStore.populateChunk)
            MappedMemory.populate(base, from: populatedTo * stateBytes, to: to * stateBytes)
            populatedTo = to
        }
        (base + count &* stateBytes).copyMemory(from: s, byteCount: stateBytes)
        count &+= 1
    }

    /// Empties the buffer; its pages stay, so refilling it populates nothing again.
    func removeAll() { count = 0 }

    /// Gives back memory a much larger earlier level needed.
    func shrink() {
        guard capacity > 1 << 10, count * 4 < capacity else { return }
        let n = max(1 << 10, count * 2)
        base = MappedMemory.reallocate(base, from: stateBytes * capacity, to: stateBytes * n)
        capacity = n
        populatedTo = min(populatedTo, n)
    }

    private func grow() {
        let n = capacity * 2
        base = MappedMemory.reallocate(base, from: stateBytes * capacity, to: stateBytes * n)
        capacity = n
    }
}

/// Parent and outcome ordinal of every state of fingerprint mode, in id order: a file
/// (deleted as soon as it is opened, as TLC keeps its trace file) with the newest
/// records buffered in memory, so traces cost disk, not RAM.
final class RecordLog {
    private var fd: Int32
    private let buffer: UnsafeMutablePointer<UInt64>
    private let bufferCapacity = 1 << 16
    private var buffered = 0
    /// Records already written to the file.
    private var flushed = 0
    /// Records kept in memory (from `memoryStart` on) when the file could not be made or written.
    private var memory: [UInt64] = []
    private var memoryStart = 0

    init() {
        buffer = .allocate(capacity: bufferCapacity)
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(dir)/weave-trace-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 { template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) } }
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { close(fd) }
    }

    var count: Int { flushed + buffered }

    @inline(__always) func append(parent: UInt32, ordinal: UInt32) {
        buffer[buffered] = UInt64(parent) << 32 | UInt64(ordinal)
        buffered &+= 1
        if buffered == bufferCapacity { flush() }
    }

    private func flush() {
        if fd >= 0 && memory.isEmpty {
            let bytes = buffered * 8
            var done = 0
            while done < bytes {
                let n = pwrite(fd, UnsafeRawPointer(buffer) + done, bytes - done, off_t(flushed * 8 + done))
                if n <= 0 { break }
                done += n
            }
            if done == bytes { flushed += buffered; buffered = 0; return }
        }
        // No file, or the disk is full: keep this and every later record in memory.
        if memory.isEmpty { memoryStart = flushed }
        memory.append(contentsOf: UnsafeBufferPointer(start: buffer, count: buffered))
        flushed += buffered
        buffered = 0
    }

    /// (parent, ordinal) of record `i`.
    func record(_ i: Int) -> (parent: UInt32, ordinal: UInt32) {
        let v: UInt64
        if i >= flushed {
            v = buffer[i - flushed]
        } else if !memory.isEmpty && i >= memoryStart {
            v = memory[i - memoryStart]
        } else {
            var x: UInt64 = 0
            let n = withUnsafeMutableBytes(of: &x) { pread(fd, $0.baseAddress, 8, off_t(i * 8)) }
            v = n == 8 ? x : UInt64.max
        }
        return (UInt32(truncatingIfNeeded: v >> 32), UInt32(truncatingIfNeeded: v))
    }
}
