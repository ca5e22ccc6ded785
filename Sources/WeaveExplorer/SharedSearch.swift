import CWeaveSupport

// The shared-table search: exact breadth-first search by two or more workers with
// one visited set that every worker inserts into with compare-and-swap.
//
// The partitioned search (PartitionedSearch.swift) sends every successor to the worker
// that owns its fingerprint: a copy out, a copy in, across cores. Here the worker that
// generates a successor looks it up and inserts it itself. Each worker keeps its own
// arena of states (`StateStore`, ids `local * workers + worker` as before); a slot of
// the shared table holds 32 bits of the fingerprint and the global id. To insert, a
// worker writes the state and its records at its arena's next id without counting it
// (`stage`), then swaps the id into an empty slot; the release of the swap publishes
// the state, so whoever finds the slot can compare states at once. Losing the swap to
// a slot that turns out to hold the same state makes it a duplicate; the staged copy
// is overwritten by the next insert.
//
// Determinism is kept the way the partitioned search keeps it: a state of the next
// level found from several parents takes the one with the smallest (parent key,
// ordinal), compared and written under a striped spin lock (the records never move),
// and a reported violation is the one with the smallest key. State ids depend on
// timing, as they do with claimed expansion.
//
// The table grows only between rounds (worker 0, while the others wait at the
// barrier), to keep it at most half full for the round ahead. Used when the search is
// exact, breadth-first, with more than one worker, and neither writes nor resumes
// checkpoints (those keep the partitioned layout).

/// The shared visited set: open addressing with linear probing over 64-bit slots.
///
/// A slot is 0 (empty) or `tag << 32 | (global id + 1)`, `tag` being the fingerprint's
/// high 32 bits. A slot's home index is the tag's top `bits` bits, so the table can be
/// rehashed from the slots alone.
final class SharedTable: @unchecked Sendable {
    private(set) var slots: UnsafeMutablePointer<UInt64>
    private(set) var bits: Int
    var slotCount: Int { 1 << bits }
    /// Striped locks for the parent records of states of the next level.
    let locks: UnsafeMutablePointer<UInt32>
    static let lockCount = 4096

    init(bits: Int = 16) {
        self.bits = bits
        slots = MappedMemory.allocate(UInt64.self, count: 1 << bits)
        locks = .allocate(capacity: SharedTable.lockCount)
        locks.initialize(repeating: 0, count: SharedTable.lockCount)
    }

    deinit {
        MappedMemory.free(slots, count: slotCount)
        locks.deallocate()
    }

    var memoryBytes: Int { slotCount * 8 + SharedTable.lockCount * 4 }

    /// The table's size in bits once it holds `states` at most half full.
    func bits(for states: Int) -> Int {
        var b = bits
        while (1 << b) < states &* 2 && b < 32 { b += 1 }
        return b
    }

    /// Bytes `reserve(states)` would allocate (the old table is held while it is rehashed).
    func growthBytes(reserving states: Int) -> Int {
        let b = bits(for: states)
        return b > bits ? (1 << b) * 8 : 0
    }

    /// Grows the table (if needed) so that `states` fill at most half of it. Only while
    /// no worker inserts.
    func reserve(_ states: Int) {
        let b = bits(for: states)
        guard b > bits else { return }
        let n = 1 << b
        let fresh = MappedMemory.allocate(UInt64.self, count: n, populated: true)
        let shift = UInt64(32 - b)
        for j in 0..<slotCount {
            let v = slots[j]
            if v == 0 { continue }
            var i = Int(truncatingIfNeeded: (v >> 32) >> shift)
            while fresh[i] != 0 { i = (i &+ 1) & (n &- 1) }
            fresh[i] = v
        }
        MappedMemory.free(slots, count: slotCount)
        slots = fresh
        bits = b
    }
}

/// Raw views of every partition's arena and records, for the insert loop (none of them
/// ever moves; see `StateStore`).
struct PartitionViews {
    let arenas: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let parents: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>>
    let ordinals: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>>
    let depths: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>>
    let keys: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>

    init(_ stores: [StateStore]) {
        let n = stores.count
        arenas = .allocate(capacity: n)
        parents = .allocate(capacity: n)
        ordinals = .allocate(capacity: n)
        depths = .allocate(capacity: n)
        keys = .allocate(capacity: n)
        for (i, s) in stores.enumerated() {
            s.enableKeys()
            arenas[i] = s.arena
            parents[i] = s.parents
            ordinals[i] = s.ordinals
            depths[i] = s.depths
            keys[i] = s.keys.unsafelyUnwrapped
        }
    }

    func deallocate() {
        arenas.deallocate(); parents.deallocate(); ordinals.deallocate(); depths.deallocate(); keys.deallocate()
    }
}

extension Explorer {
    /// Inserts the successors batched in `box` (found expanding level `depth`) into the
    /// shared table, staging new ones in `w`'s arena; empties `box`. Successors whose
    /// probe runs past 4,096 slots (the table filled up within a round) go to
    /// `overflow`, for worker 0 to insert after growing the table.
    func insertShared(_ w: SearchWorker, _ box: Outbox, overflow: Outbox, depth: Int) {
        let table = sharedTable.unsafelyUnwrapped
        let views = partitionViews.unsafelyUnwrapped
        let slots = table.slots
        let mask = table.slotCount &- 1
        let shift = UInt64(32 &- table.bits)
        let part = w.partition
        let store = part.exact.unsafelyUnwrapped
        let nw = workers.count, me = w.index
        let bytes = engine.stateBytes
        let d = UInt32(truncatingIfNeeded: depth &+ 1)
        let n = box.count
        let probeLimit = min(mask >> 2, 4096)
        // Bring in the home slots, then the states a duplicate will be compared with.
        for k in 0..<n {
            let tag = box.fps[k] >> 32
            weave_prefetch(slots + Int(truncatingIfNeeded: tag >> shift))
        }
        for k in 0..<n {
            let tag = box.fps[k] >> 32
            let v = weave_load_acquire(slots + Int(truncatingIfNeeded: tag >> shift))
            if v >> 32 == tag && v != 0 {
                let g = Int(truncatingIfNeeded: v & 0xFFFF_FFFF) &- 1
                let s = views.arenas[g % nw] + (g / nw) &* bytes
                weave_prefetch(s)
                weave_prefetch(s + (bytes &- 1))
            }
        }
        for k in 0..<n {
            let s = box.state(k)
            let tag = box.fps[k] >> 32
            var i = Int(truncatingIfNeeded: tag >> shift)
            var staged = -1
            var probes = 0
            while true {
                var v = weave_load_acquire(slots + i)
                if v == 0 {
                    if staged < 0 {
                        staged = store.stage(s, parent: box.parents[k], ordinal: box.ordinals[k], depth: d, key: box.parentKeys[k])
                    }
                    let g = UInt64(truncatingIfNeeded: staged &* nw &+ me)
                    v = weave_cas(slots + i, 0, tag << 32 | (g &+ 1))
                    if v == 0 {
                        part.commitStaged()
                        checkNew(w, store.state(staged), id: UInt32(truncatingIfNeeded: g), key: box.fps[k], length: depth &+ 1)
                        break
                    }
                }
                if v >> 32 == tag {
                    let g = Int(truncatingIfNeeded: v & 0xFFFF_FFFF) &- 1
                    let p = g % nw, local = g / nw
                    if equalStates(UnsafeRawPointer(views.arenas[p] + local &* bytes), s, bytes: bytes) {
                        // Found again: a state of the next level keeps its smallest parent key.
                        if views.depths[p][local] == d {
                            let key = box.parentKeys[k], ord = box.ordinals[k]
                            let lock = table.locks + (g & (SharedTable.lockCount &- 1))
                            weave_lock(lock)
                            if (key, ord) < (views.keys[p][local], views.ordinals[p][local]) {
                                views.keys[p][local] = key
                                views.parents[p][local] = box.parents[k]
                                views.ordinals[p][local] = ord
                            }
                            weave_unlock(lock)
                        }
                        break
                    }
                }
                i = (i &+ 1) & mask
                probes &+= 1
                if probes > probeLimit {
                    overflow.append(s, fp: box.fps[k], parent: box.parents[k], parentKey: box.parentKeys[k],
                                    ordinal: box.ordinals[k], stepper: box.steppers[k])
                    break
                }
            }
        }
        box.removeAll()
    }

    /// Between rounds (worker 0, the others waiting): grows the shared table for the
    /// next round, whose inserts are about `workers x roundChunk x` the most successors
    /// a state has had (counted as at most 64: a rare state with more only fills the
    /// table further, and what does not fit overflows), and inserts what overflowed in
    /// the last round.
    func prepareSharedRound(depth: Int) {
        guard let table = sharedTable else { return }
        let stored = workers.reduce(0) { $0 + $1.partition.count }
        let most = min(64, workers.reduce(8) { max($0, $1.mostSuccessors) })
        table.reserve(stored + workers.count * roundChunk * most)
        for w in workers where w.outboxes[1].count > 0 {
            // The table is larger now: insert the overflow (found at `depth`).
            let spill = w.outboxes[1]
            let scratch = Outbox(stateBytes: engine.stateBytes)
            for k in 0..<spill.count {
                scratch.append(spill.state(k), fp: spill.fps[k], parent: spill.parents[k], parentKey: spill.parentKeys[k],
                               ordinal: spill.ordinals[k], stepper: spill.steppers[k])
            }
            spill.removeAll()
            table.reserve(stored + 2 * scratch.count)
            insertShared(w, scratch, overflow: spill, depth: depth)
        }
    }
}
