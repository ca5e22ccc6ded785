/// One worker's share of the visited set and of every BFS level.
///
/// Exact mode keeps every state (the arena of a `StateStore`, whose suffix is the
/// frontier); fingerprint mode keeps 64-bit fingerprints, the current and next levels'
/// states, and the trace records in a `RecordLog`.
final class Partition {
    let exact: StateStore?
    let fingerprints: FingerprintSet?
    private(set) var current: StateBuffer?
    private(set) var next: StateBuffer?
    let log: RecordLog?
    /// The parent key of every state of the next level (by local id minus `nextStart`),
    /// so that a state reached from several parents of one level keeps the one with the
    /// smallest (key, ordinal), whatever order the workers (or ranks) found them in. In
    /// both modes, so exact and fingerprint runs, with any number of workers or ranks,
    /// report the same trace.
    private var nextKeys: [UInt64] = []
    /// Fingerprint mode: the next level's (parent, ordinal) records, which may still
    /// change; they go to the `log` when the level ends (`advanceLevel`).
    private var nextRecords: [UInt64] = []
    /// Fingerprint mode: the next level's fingerprints (0 stored as 1) to their index in
    /// `nextKeys`, so that a state found again can be told to be of the next level.
    private let nextIndex = NextLevelIndex()
    var nextStart: Int { levelStart + frontierCount }
    /// Local ids of the frontier: `levelStart ..< levelStart + frontierCount`.
    private(set) var levelStart = 0
    private(set) var frontierCount = 0
    private(set) var count = 0

    // Unretained views of the above for the hot loop (the properties keep them alive).
    private let exactRef: Unmanaged<StateStore>?
    private let fingerprintsRef: Unmanaged<FingerprintSet>?
    private let logRef: Unmanaged<RecordLog>?
    private var nextRef: Unmanaged<StateBuffer>?

    init(stateBytes: Int, fingerprintOnly: Bool, store: StateStore? = nil) {
        if fingerprintOnly {
            exact = nil
            fingerprints = FingerprintSet()
            current = StateBuffer(stateBytes: stateBytes)
            next = StateBuffer(stateBytes: stateBytes)
            log = RecordLog()
        } else {
            exact = store ?? StateStore(stateBytes: stateBytes)
            fingerprints = nil; current = nil; next = nil; log = nil
        }
        exactRef = exact.map { Unmanaged.passUnretained($0) }
        fingerprintsRef = fingerprints.map { Unmanaged.passUnretained($0) }
        logRef = log.map { Unmanaged.passUnretained($0) }
        nextRef = next.map { Unmanaged.passUnretained($0) }
    }

    /// The visited set alone: exact, the arena, records and table; fingerprints, the table.
    var visitedBytes: Int { exact?.memoryBytes ?? fingerprints?.memoryBytes ?? 0 }

    var memoryBytes: Int {
        if let e = exact { return e.memoryBytes }
        return (fingerprints?.memoryBytes ?? 0) + (current?.memoryBytes ?? 0) + (next?.memoryBytes ?? 0)
            + nextIndex.memoryBytes + nextKeys.capacity * 16
    }

    /// The frontier's first state; the others follow it. Valid until the next insert.
    var frontierBase: UnsafeMutableRawPointer {
        if let e = exact { return e.arena + levelStart * e.stateBytes }
        return current.unsafelyUnwrapped.base
    }

    @inline(__always) func prefetch(_ fp: UInt64) {
        if let e = exactRef { e._withUnsafeGuaranteedRef { $0.prefetch(fp) } }
        else { fingerprintsRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.prefetch(fp) } }
    }

    /// Exact mode: after `prefetch`, the stored state a probe will compare against.
    @inline(__always) func prefetchStored(_ fp: UInt64) {
        if let e = exactRef { e._withUnsafeGuaranteedRef { $0.prefetchStored(fp) } }
    }

    /// Inserts a state; returns its local id and whether it is new, and for a new
    /// state a pointer to its stored copy (valid until the next insert).
    @inline(__always)
    func insert(_ s: UnsafeRawPointer, fp: UInt64, parent: UInt32, parentKey: UInt64, ordinal: UInt32, depth: UInt32)
        -> (id: Int, isNew: Bool, stored: UnsafeRawPointer)
    {
        if let ref = exactRef {
          return ref._withUnsafeGuaranteedRef { e in
            let (id, isNew) = e.insert(s, fingerprint: fp, parent: parent, ordinal: ordinal, depth: depth)
            count = e.count
            let k = id &- nextStart
            if isNew {
                if k >= 0 { nextKeys.append(parentKey) }
            } else if k >= 0 && (parentKey, ordinal) < (nextKeys[k], e.ordinals[id]) {
                nextKeys[k] = parentKey
                e.parents[id] = parent
                e.ordinals[id] = ordinal
            }
            return (id, isNew, e.state(id))
          }
        }
        let record = UInt64(parent) << 32 | UInt64(ordinal)
        guard fingerprintsRef.unsafelyUnwrapped._withUnsafeGuaranteedRef({ $0.insert(fp) }) else {
            // Found again: a state of the next level keeps its smallest (parent key, ordinal).
            let k = nextIndex.find(fp)
            if k >= 0 && (parentKey, ordinal) < (nextKeys[k], UInt32(truncatingIfNeeded: nextRecords[k])) {
                nextKeys[k] = parentKey
                nextRecords[k] = record
            }
            return (-1, false, s)
        }
        nextIndex.add(fp, nextKeys.count)
        nextKeys.append(parentKey)
        nextRecords.append(record)
        count &+= 1
        return nextRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { n in
            n.append(s)
            return (count &- 1, true, n.state(n.count &- 1))
        }
    }

    /// Shared-table search: the state staged in the exact store is now stored.
    @inline(__always) func commitStaged() {
        exactRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.commitStaged() }
        count &+= 1
    }

    /// The states found since the last call become the frontier.
    func advanceLevel() {
        nextKeys.removeAll(keepingCapacity: true)
        if let log {
            for r in nextRecords { log.append(parent: UInt32(truncatingIfNeeded: r >> 32), ordinal: UInt32(truncatingIfNeeded: r)) }
            nextRecords.removeAll(keepingCapacity: true)
            nextIndex.removeAll()
        }
        if let e = exact {
            levelStart += frontierCount
            frontierCount = e.count - levelStart
            return
        }
        guard let c = current, let n = next else { return }
        levelStart = count - n.count
        frontierCount = n.count
        c.removeAll()
        c.shrink()
        swapLevels()
    }

    /// Fingerprint mode: the next level's buffer becomes the frontier, and the old
    /// frontier's buffer takes the level after.
    private func swapLevels() {
        guard let c = current, let n = next else { return }
        current = n
        next = c
        nextRef = Unmanaged.passUnretained(c)
    }

    /// Fingerprint mode, restoring a checkpoint: a frontier state.
    func appendNext(_ s: UnsafeRawPointer) { next?.append(s) }

    /// Restoring a checkpoint: the partition's figures at a level boundary (the states
    /// are in place: in the store, or appended with `appendNext`).
    func restoreLevel(count: Int, levelStart: Int, frontierCount: Int) {
        self.count = count
        self.levelStart = levelStart
        self.frontierCount = frontierCount
        nextKeys.removeAll()
        nextRecords.removeAll()
        nextIndex.removeAll()
        swapLevels()
    }

    /// (parent, ordinal) of a local id.
    func record(_ id: Int) -> (parent: UInt32, ordinal: UInt32) {
        if let e = exact { return (e.parents[id], e.ordinals[id]) }
        let log = log.unsafelyUnwrapped
        // A state of the next level (a violation found on it ends the search before the
        // level does): its record is not in the log yet.
        if id >= log.count && id - log.count < nextRecords.count {
            let r = nextRecords[id - log.count]
            return (UInt32(truncatingIfNeeded: r >> 32), UInt32(truncatingIfNeeded: r))
        }
        return log.record(id)
    }
}

/// Fingerprint mode: the next level's fingerprints to their index in the level, an
/// open-addressing table (fingerprint 0 stored as 1, as `FingerprintSet` does) kept at
/// most half full and emptied when the level ends.
final class NextLevelIndex {
    private var fps: [UInt64] = Array(repeating: 0, count: 1 << 10)
    private var ids: [Int32] = Array(repeating: 0, count: 1 << 10)
    private var used = 0
    private var mask = (1 << 10) - 1

    var memoryBytes: Int { fps.count * 12 }

    @inline(__always) private func home(_ f: UInt64) -> Int {
        Int(truncatingIfNeeded: (f &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    /// The index of `fp` in the level, or -1.
    @inline(__always) func find(_ fp: UInt64) -> Int {
        let f = fp == 0 ? 1 : fp
        var i = home(f)
        while true {
            let v = fps[i]
            if v == f { return Int(ids[i]) }
            if v == 0 { return -1 }
            i = (i &+ 1) & mask
        }
    }

    @inline(__always) func add(_ fp: UInt64, _ id: Int) {
        if (used &+ 1) &* 2 > fps.count { grow() }
        let f = fp == 0 ? 1 : fp
        var i = home(f)
        while fps[i] != 0 { i = (i &+ 1) & mask }
        fps[i] = f
        ids[i] = Int32(truncatingIfNeeded: id)
        used &+= 1
    }

    private func grow() {
        let oldF = fps, oldI = ids
        fps = Array(repeating: 0, count: oldF.count * 2)
        ids = Array(repeating: 0, count: oldF.count * 2)
        mask = fps.count - 1
        for j in 0..<oldF.count where oldF[j] != 0 {
            var i = home(oldF[j])
            while fps[i] != 0 { i = (i &+ 1) & mask }
            fps[i] = oldF[j]
            ids[i] = oldI[j]
        }
    }

    func removeAll() {
        guard used > 0 else { return }
        for i in fps.indices { fps[i] = 0 }
        used = 0
    }
}
