import CWeaveSupport

/// Every distinct state found, packed back to back in discovery order (so a
/// state's id is its index), with its parent and the outcome ordinal that led to
/// it; plus an open-addressing hash table over the states for exact lookup.
///
/// The BFS queue is the suffix of the arena not yet expanded: nothing is copied twice.
///
/// The arena and the per-state records are reservations of address space (pages
/// mapped as they are first written) that never move, so other search threads may
/// read a level's states, and (in the shared-table search) update a state's parent,
/// while the owner appends the next level's.
final class StateStore {
    /// Address space asked for the arena: 256 GiB, far beyond what any machine this
    /// runs on can fill (`--memory-limit` stops a search long before). Under an
    /// address-space limit the arena gets less (`MappedMemory.reserve`).
    static let arenaReservation = 1 << 38
    /// Bytes reserved for the arena.
    let arenaBytes: Int
    /// States the reservations hold.
    let reservedStates: Int
    /// Shared-table search: each state's parent key (see `Partition.insert`), reserved
    /// like the records; nil until `enableKeys`.
    private(set) var keys: UnsafeMutablePointer<UInt64>?
    let stateBytes: Int
    let words: Int
    private(set) var count = 0
    private var capacity: Int
    private(set) var arena: UnsafeMutableRawPointer
    private(set) var parents: UnsafeMutablePointer<UInt32>
    private(set) var ordinals: UnsafeMutablePointer<UInt32>
    private(set) var depths: UnsafeMutablePointer<UInt32>
    /// States below this index have their arena and record pages faulted in already.
    private var populatedTo = 0
    /// States whose pages are faulted in per call: one call instead of a fault per page.
    static let populateChunk = 1 << 15

    // Hash table: fingerprint and id+1 (0 = empty) per slot.
    private var tableMask: Int
    private var fps: UnsafeMutablePointer<UInt64>
    private var ids: UnsafeMutablePointer<UInt32>

    static let maxStates = Int(UInt32.max - 1)

    init(stateBytes: Int) {
        self.stateBytes = stateBytes
        words = stateBytes / 8
        capacity = 1 << 12
        // The arena and three records per state, reserved together; under an
        // address-space limit, for fewer states (MappedMemory.reserve).
        let perState = max(8, stateBytes)
        var states = min(StateStore.maxStates + 1, StateStore.arenaReservation / perState)
        var regions: (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>)? = nil
        while regions == nil {
            if let (a, r) = MappedMemory.tryReserve(states &* perState, states &* 12) {
                regions = (a, r.assumingMemoryBound(to: UInt32.self), (r + states &* 4).assumingMemoryBound(to: UInt32.self),
                           (r + states &* 8).assumingMemoryBound(to: UInt32.self))
                break
            }
            states = MappedMemory.smallerReservation(states, perState: perState &+ 12)
        }
        let (a, p, o, d) = regions.unsafelyUnwrapped
        arena = a; parents = p; ordinals = o; depths = d
        reservedStates = states
        arenaBytes = states &* perState
        tableMask = (1 << 13) - 1
        fps = MappedMemory.allocate(UInt64.self, count: tableMask + 1)
        ids = MappedMemory.allocate(UInt32.self, count: tableMask + 1)
    }

    deinit {
        MappedMemory.free(arena, bytes: arenaBytes)
        MappedMemory.free(UnsafeMutableRawPointer(parents), bytes: reservedStates &* 12)
        if let k = keys { MappedMemory.free(k, count: reservedStates) }
        MappedMemory.free(fps, count: tableMask + 1)
        MappedMemory.free(ids, count: tableMask + 1)
    }

    /// Bytes held (arena, per-state records, table).
    var memoryBytes: Int { capacity * (stateBytes + 12) + (tableMask + 1) * 12 }

    /// Bytes that inserting about `k` (at most `most`) more states may add to the
    /// resident memory: their arena and record pages (faulted in up to `populateChunk`
    /// states ahead), and each doubled table the inserts could grow into (the old one
    /// is held while it is rehashed).
    func growthBytes(adding k: Int, atMost most: Int) -> Int {
        let perState = stateBytes + 12 + (keys == nil ? 0 : 8)
        var bytes = k * perState
        if count + k >= populatedTo { bytes += min(StateStore.populateChunk, max(0, capacity * 2 - populatedTo)) * perState }
        // The shared-table search (which keeps keys) stages states past this table.
        var mask = keys == nil ? tableMask : Int.max
        while (count + max(k, most)) * 2 > mask {
            mask = mask * 2 + 1
            bytes += (mask + 1) * 12
        }
        return bytes
    }

    @inline(__always) func state(_ id: Int) -> UnsafeRawPointer { UnsafeRawPointer(arena + id * stateBytes) }

    /// A fixed-seed 64-bit hash of a packed state (never Swift's per-process `Hasher`).
    @inline(__always)
    static func fingerprint(_ s: UnsafeRawPointer, words: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<words {
            let w = s.load(fromByteOffset: i &* 8, as: UInt64.self)
            let m = (w ^ 0xA076_1D64_78BD_642F).multipliedFullWidth(by: h ^ 0xE703_7ED1_A0B4_28DB)
            h = m.high ^ m.low ^ UInt64(truncatingIfNeeded: i)
        }
        let f = (h ^ (h >> 29)).multipliedFullWidth(by: 0xBF58_476D_1CE4_E5B9)
        return f.high ^ f.low
    }

    /// The id of `s` if it is known.
    func find(_ s: UnsafeRawPointer) -> Int? {
        let fp = StateStore.fingerprint(s, words: words)
        var i = Int(truncatingIfNeeded: fp) & tableMask
        while true {
            let id = ids[i]
            if id == 0 { return nil }
            if fps[i] == fp && equalStates(state(Int(id - 1)), s, bytes: stateBytes) { return Int(id - 1) }
            i = (i &+ 1) & tableMask
        }
    }

    /// Adds `s` unless present. Returns (id, isNew).
    /// - Complexity: expected O(1).
    @inline(__always)
    func insert(_ s: UnsafeRawPointer, parent: UInt32, ordinal: UInt32, depth: UInt32) -> (Int, Bool) {
        insert(s, fingerprint: StateStore.fingerprint(s, words: words), parent: parent, ordinal: ordinal, depth: depth)
    }

    /// Hints the cache that the table slot for `fp` is about to be probed.
    @inline(__always) func prefetch(_ fp: UInt64) {
        weave_prefetch(fps + (Int(truncatingIfNeeded: fp) & tableMask))
    }

    /// When the home slot of `fp` holds that fingerprint (a state seen before, most
    /// likely), hints the cache that the stored state is about to be compared: the
    /// second stage of a batched insert, after `prefetch` brought in the slots.
    @inline(__always) func prefetchStored(_ fp: UInt64) {
        let i = Int(truncatingIfNeeded: fp) & tableMask
        let id = Int(ids[i])
        guard fps[i] == fp && id != 0 else { return }
        let s = arena + (id &- 1) &* stateBytes
        weave_prefetch(s)
        weave_prefetch(s + (stateBytes &- 1))
    }

    /// `insert` with the state's fingerprint already computed.
    @inline(__always)
    func insert(_ s: UnsafeRawPointer, fingerprint fp: UInt64, parent: UInt32, ordinal: UInt32, depth: UInt32) -> (Int, Bool) {
        var i = Int(truncatingIfNeeded: fp) & tableMask
        while true {
            let id = ids[i]
            if id == 0 { break }
            if fps[i] == fp && equalStates(state(Int(id - 1)), s, bytes: stateBytes) { return (Int(id - 1), false) }
            i = (i &+ 1) & tableMask
        }
        let newID = write(s, parent: parent, ordinal: ordinal, depth: depth)
        count += 1
        fps[i] = fp
        ids[i] = UInt32(newID + 1)
        if count * 2 > tableMask { growTable() }
        return (newID, true)
    }

    /// Writes `s` and its records at id `count` (growing and faulting in the arena as
    /// needed) without counting it: what `insert` and `stage` both do before they count
    /// or publish the state. Returns the id.
    @inline(__always)
    private func write(_ s: UnsafeRawPointer, parent: UInt32, ordinal: UInt32, depth: UInt32) -> Int {
        if count == capacity { growArena() }
        if count == populatedTo { populateAhead() }
        let id = count
        (arena + id &* stateBytes).copyMemory(from: s, byteCount: stateBytes)
        parents[id] = parent
        ordinals[id] = ordinal
        depths[id] = depth
        return id
    }

    /// Faults in the pages of the next `populateChunk` states (arena and records), which
    /// the search is about to fill in order.
    private func populateAhead() {
        let to = min(capacity, populatedTo + StateStore.populateChunk)
        MappedMemory.populate(arena, from: populatedTo * stateBytes, to: to * stateBytes)
        MappedMemory.populate(parents, from: populatedTo, to: to)
        MappedMemory.populate(ordinals, from: populatedTo, to: to)
        MappedMemory.populate(depths, from: populatedTo, to: to)
        if let k = keys { MappedMemory.populate(k, from: populatedTo, to: to) }
        populatedTo = to
    }

    /// Nothing moves: the reservations cover `reservedStates`; only the count of states
    /// the memory figures charge for doubles.
    private func growArena() {
        let n = min(capacity * 2, reservedStates)
        if n == capacity { MappedMemory.outOfMemory(arenaBytes &* 2) }
        capacity = n
    }

    /// Shared-table search: keeps a parent key per state.
    func enableKeys() {
        if keys == nil { keys = MappedMemory.allocate(UInt64.self, count: reservedStates) }
    }

    /// Shared-table search: writes `s` and its records at id `count` without counting
    /// it, so that the id can be published in the shared table first (`commitStaged`).
    /// Staging again before a commit overwrites.
    @inline(__always)
    func stage(_ s: UnsafeRawPointer, parent: UInt32, ordinal: UInt32, depth: UInt32, key: UInt64) -> Int {
        let id = write(s, parent: parent, ordinal: ordinal, depth: depth)
        keys.unsafelyUnwrapped[id] = key
        return id
    }

    /// Counts the staged state.
    @inline(__always) func commitStaged() { count &+= 1 }

    private func growTable() {
        let n = (tableMask + 1) * 2
        // The rehash writes all over the new table: fault it in with one call.
        let nf = MappedMemory.allocate(UInt64.self, count: n, populated: true)
        let ni = MappedMemory.allocate(UInt32.self, count: n, populated: true)
        let mask = n - 1
        for j in 0...tableMask where ids[j] != 0 {
            var i = Int(truncatingIfNeeded: fps[j]) & mask
            while ni[i] != 0 { i = (i &+ 1) & mask }
            nf[i] = fps[j]
            ni[i] = ids[j]
        }
        MappedMemory.free(fps, count: tableMask + 1)
        MappedMemory.free(ids, count: tableMask + 1)
        fps = nf; ids = ni; tableMask = mask
    }
}


/// Compares two packed states word by word, inline.
@inline(__always)
func equalStates(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, bytes: Int) -> Bool {
    var i = 0
    while i < bytes {
        if a.load(fromByteOffset: i, as: UInt64.self) != b.load(fromByteOffset: i, as: UInt64.self) { return false }
        i &+= 8
    }
    return true
}
