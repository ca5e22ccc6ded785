import CWeaveSupport
import Foundation
import Synchronization
import WeaveIR
import WeaveSource

// Breadth-first search with one or more workers, level by level. (An exact search
// with several workers inserts into one shared table instead of partitions: see
// SharedSearch.swift; it shares the rounds, the claims and the keys described here.)
//
// The visited set is split into one partition per worker by fingerprint, so no two
// threads ever touch the same table. A level is searched in rounds, and each worker
// has two sets of outboxes that alternate between rounds. In round r every worker
// first drains the outboxes of round r-1 addressed to it, in a fixed order, inserting
// into its own table (in batches, with the table slots prefetched first), checking
// invariants on the new states and appending them to its next frontier; then it
// expands states of the level and files each successor (state, fingerprint, parent,
// outcome) in its round-r outbox addressed to the partition that owns it. The states a
// round expands (`LevelClaims`: the level's frontiers of all partitions, one after the
// other, up to the round's end) are claimed 64 at a time with an atomic counter, so a
// worker whose inserts finished early expands more, from any partition (a partition's
// arena never moves, see `StateStore`), and both reach the barrier together. A barrier
// ends the round, worker 0 looks at it (a violation, a limit, the end of the level) and
// a second barrier starts the next. A level ends with a round that only drains. States
// of level d+1 are found only while level d is expanded, so the trace to any state is a
// shortest one. Which worker expands which state depends on timing, and so do the ids
// of new states; nothing else does: a state's BFS parent and the violation reported
// are chosen by keys (see `Candidate`, `Partition.insert`).
//
// A state's global id is `local * workers + partition`; parents are global ids, so a
// trace is rebuilt by following parents to an initial state and replaying the recorded
// outcome ordinals forward.

/// Successors bound for one partition: a struct of arrays, reused every round.
final class Outbox {
    let stateBytes: Int
    private(set) var count = 0
    /// Small at first: a search has 2 * workers^2 outboxes, most of which never fill.
    private var capacity = 16
    private(set) var states: UnsafeMutableRawPointer
    private(set) var fps: UnsafeMutablePointer<UInt64>
    private(set) var parents: UnsafeMutablePointer<UInt32>
    private(set) var ordinals: UnsafeMutablePointer<UInt32>
    private(set) var steppers: UnsafeMutablePointer<Int32>
    /// The parent's fingerprint: the key that picks a state's BFS parent.
    private(set) var parentKeys: UnsafeMutablePointer<UInt64>

    init(stateBytes: Int) {
        self.stateBytes = stateBytes
        states = .allocate(byteCount: stateBytes * capacity, alignment: 8)
        fps = .allocate(capacity: capacity)
        parents = .allocate(capacity: capacity)
        ordinals = .allocate(capacity: capacity)
        steppers = .allocate(capacity: capacity)
        parentKeys = .allocate(capacity: capacity)
    }

    deinit {
        states.deallocate(); fps.deallocate(); parents.deallocate(); ordinals.deallocate(); steppers.deallocate()
        parentKeys.deallocate()
    }

    var memoryBytes: Int { capacity * (stateBytes + 28) }

    @inline(__always) func state(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(states + i &* stateBytes) }

    @inline(__always)
    func append(_ s: UnsafeRawPointer, fp: UInt64, parent: UInt32, parentKey: UInt64, ordinal: UInt32, stepper: Int32) {
        if count == capacity { grow() }
        parentKeys[count] = parentKey
        (states + count &* stateBytes).copyMemory(from: s, byteCount: stateBytes)
        fps[count] = fp
        parents[count] = parent
        ordinals[count] = ordinal
        steppers[count] = stepper
        count &+= 1
    }

    func removeAll() { count = 0 }

    private func grow() {
        let n = capacity * 2
        let s = UnsafeMutableRawPointer.allocate(byteCount: stateBytes * n, alignment: 8)
        s.copyMemory(from: states, byteCount: stateBytes * count)
        states.deallocate(); states = s
        func move<T>(_ p: inout UnsafeMutablePointer<T>) {
            let q = UnsafeMutablePointer<T>.allocate(capacity: n)
            q.moveInitialize(from: p, count: count)
            p.deallocate(); p = q
        }
        move(&fps); move(&parents); move(&ordinals); move(&steppers); move(&parentKeys)
        capacity = n
    }
}

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
    /// Exact mode: the parent key of every state of the next level (by local id minus
    /// `nextStart`), so that a state reached from several parents of one level keeps the
    /// one with the smallest (key, ordinal), whatever order the workers found them in.
    private var nextKeys: [UInt64] = []
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
        guard fingerprintsRef.unsafelyUnwrapped._withUnsafeGuaranteedRef({ $0.insert(fp) }) else { return (-1, false, s) }
        logRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.append(parent: parent, ordinal: ordinal) }
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
        swapLevels()
    }

    /// (parent, ordinal) of a local id.
    func record(_ id: Int) -> (parent: UInt32, ordinal: UInt32) {
        if let e = exact { return (e.parents[id], e.ordinals[id]) }
        return log.unsafelyUnwrapped.record(id)
    }
}

/// A violation found during a level, before its trace is built. Of all the violations
/// a level shows, the search reports the one with the smallest key: the shortest trace,
/// then the property (`rank`), then the fingerprint of the state it is about. No key
/// depends on thread timing or on the number of workers, so neither does the verdict;
/// and the property reported does not depend on how states are stored either (with or
/// without symmetry reduction the same properties fail first, on other states).
struct Candidate {
    enum What {
        /// No step is enabled in `state`.
        case deadlock
        /// Outcome `ordinal` of `parent` is an assert/overflow violation or a run-time error.
        case step
        /// The new state `state` violates invariant `index`.
        case invariant(Int)
        /// Evaluating an invariant on the new state `state` failed at `site`.
        case invariantError(site: Int32)
    }
    let what: What
    /// Steps in the trace.
    let length: Int
    let key: UInt64
    let parent: UInt32
    let ordinal: UInt32
    let state: UInt32
    /// Which property fails: invariants in declaration order, then the asserts and
    /// overflows (`Engine.stepProperties` order), then run-time errors, then deadlock.
    var rank: Int32 = 0

    @inline(__always)
    func precedes(_ o: Candidate) -> Bool {
        (length, rank, key, ordinal) < (o.length, o.rank, o.key, o.ordinal)
    }
}

/// A search thread's engine, partition, outboxes and tallies.
final class SearchWorker {
    let index: Int
    let engine: Engine
    let sink: Sink
    let partition: Partition
    /// Two sets (alternate rounds) of one outbox per owning partition: set k's outbox
    /// for partition p is `outboxes[k * workers + p]`.
    let outboxes: [Outbox]
    /// The same, as unmanaged references (the array keeps them alive), so the hot loop
    /// reaches them without reference counting.
    let outboxBase: UnsafeMutablePointer<Unmanaged<Outbox>>
    let coverage: UnsafeMutablePointer<Int>
    let coverageCount: Int
    var generated = 0
    var reachableFound: [Bool]
    /// Symmetry reduction's scratch is per thread: each worker has its own.
    var symmetry: Symmetry?
    var candidate: Candidate?
    /// The most successors one state has had (sizes the shared table's rounds).
    var mostSuccessors = 0

    init(index: Int, engine: Engine, partition: Partition, workers: Int, coverageCount: Int, reachables: Int) {
        self.index = index
        self.engine = engine
        sink = Sink(stateBytes: engine.stateBytes)
        self.partition = partition
        outboxes = (0..<2 * workers).map { _ in Outbox(stateBytes: engine.stateBytes) }
        outboxBase = .allocate(capacity: 2 * workers)
        outboxBase.initialize(from: outboxes.map { Unmanaged.passUnretained($0) }, count: 2 * workers)
        self.coverageCount = max(1, coverageCount)
        coverage = .allocate(capacity: self.coverageCount)
        coverage.initialize(repeating: 0, count: self.coverageCount)
        reachableFound = [Bool](repeating: false, count: reachables)
    }

    deinit { coverage.deallocate(); outboxBase.deallocate() }

    @inline(__always) func note(_ c: Candidate) {
        if let old = candidate, !c.precedes(old) { return }
        candidate = c
    }

    var memoryBytes: Int { partition.memoryBytes + outboxes.reduce(0) { $0 + $1.memoryBytes } }
}

/// Lets the search hand its (thread-confined, barrier-synchronised) objects to threads.
private struct Shared<T>: @unchecked Sendable { let value: T }

/// The states of the level being expanded, shared by the workers: partition p's
/// frontier is `start[p] ..< start[p + 1]` of one sequence, and a round expands the
/// sequence up to `roundEnd`, claiming it `grain` states at a time. Only `next` changes
/// during a round; the rest is set by worker 0 between the barriers.
final class LevelClaims: @unchecked Sendable {
    let next = Atomic<Int>(0)
    var start: [Int] = [0]
    var roundEnd = 0
    var total: Int { start[start.count - 1] }
    static let grain = 64

    /// A new level: the partitions' frontiers, none claimed.
    func begin(_ frontiers: [Int]) {
        start = [0]
        for n in frontiers { start.append(start[start.count - 1] + n) }
        next.store(0, ordering: .relaxed)
        roundEnd = 0
    }

    /// Claims the next states of this round: a range of the sequence, or nil when the
    /// round's states are all claimed.
    @inline(__always)
    func claim() -> Range<Int>? {
        let end = roundEnd
        var c = next.load(ordering: .relaxed)
        while c < end {
            let to = min(c &+ LevelClaims.grain, end)
            let (done, seen) = next.compareExchange(expected: c, desired: to, ordering: .relaxed)
            if done { return c..<to }
            c = seen
        }
        return nil
    }

    /// Whether every state of the level has been claimed (and, after the round that
    /// claimed them, expanded).
    var allClaimed: Bool { next.load(ordering: .relaxed) >= total }
}

/// A reusable barrier for the search threads that spins before it sleeps.
///
/// A round is a few milliseconds and has two barriers. With pthread's barrier the
/// waiting thread sleeps in the kernel, its virtual CPU halts, and waking it costs the
/// hypervisor an interrupt and a VM entry: measured here (flush_race THREADS=5, two
/// workers) both workers waited 1.3-2.6 s of a 4.5-5.7 s run, ~300 us per barrier,
/// while the work was 3.1 s each. Spinning for up to ~0.3 ms (with the CPU's pause
/// hint) keeps the partner's wake-up at cache-line latency; past that the waiter
/// yields the CPU on every check, so more workers than cores still make progress.
private final class Barrier: @unchecked Sendable {
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    let parties: Int
    static let spins = 10_000
    init(_ parties: Int) { self.parties = parties }

    func wait() {
        guard parties > 1 else { return }
        let g = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(g &+ 1, ordering: .releasing)
            return
        }
        var n = 0
        while generation.load(ordering: .acquiring) == g {
            if n < Barrier.spins { n &+= 1; weave_cpu_relax() } else { sched_yield() }
        }
    }
}

extension Explorer {
    /// States a round expands, per worker: small enough that the outboxes stay in cache
    /// and limits are checked often, large enough that barriers cost nothing.
    var roundChunk: Int { workers.count == 1 ? 512 : 2048 }

    @inline(__always) func globalID(_ local: Int, _ w: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: local &* workers.count &+ w)
    }

    @inline(__always) func owner(_ fp: UInt64) -> Int {
        workers.count == 1 ? 0 : Int(truncatingIfNeeded: ((fp & 0xFFFF_FFFF) &* UInt64(workers.count)) >> 32)
    }

    /// Expands states of the level, claimed from `claims` until the round's are all
    /// claimed, into the worker's outboxes of set `set`.
    func expandChunk(_ w: SearchWorker, depth: Int, set: Int) {
        let claims = self.claims
        while let r = claims.claim() {
            var v = r.lowerBound
            while v < r.upperBound {
                var pi = 0
                while claims.start[pi &+ 1] <= v { pi &+= 1 }
                let hi = min(r.upperBound, claims.start[pi &+ 1])
                expandRange(w, partition: pi, from: v &- claims.start[pi], to: hi &- claims.start[pi], depth: depth, set: set)
                v = hi
            }
        }
    }

    /// Expands frontier states `from ..< to` of partition `pi` into `w`'s outboxes.
    /// Everything the loop touches is hoisted into locals first: reading a class or
    /// array property per transition costs a retain/release pair.
    func expandRange(_ w: SearchWorker, partition pi: Int, from: Int, to end: Int, depth: Int, set: Int) {
        let p = workers[pi].partition
        let engine = w.engine, sink = w.sink
        let words = engine.wordCount, bytes = engine.stateBytes
        let deadlockOn = checkDeadlockHere, graph = recordGraph
        let base = p.frontierBase
        let nw = workers.count
        let coverage = w.coverage
        // The shared-table search inserts as it goes: its batch is outbox 0, its
        // overflow outbox 1.
        let shared = sharedTable != nil
        let route = shared ? 1 : nw
        let boxes = w.outboxBase + (shared ? 0 : set &* nw)
        defer { if shared { insertShared(w, w.outboxes[0], overflow: w.outboxes[1], depth: depth) } }
        coverageBase.withUnsafeBufferPointer { cb in
        engine.instances.withUnsafeBufferPointer { instances in
            var i = from
            while i < end {
                let s = UnsafeRawPointer(base + i &* bytes)
                let g = UInt32(truncatingIfNeeded: (p.levelStart &+ i) &* nw &+ pi)
                i &+= 1
                let key = StateStore.fingerprint(s, words: words)
                engine.expand(s, into: sink)
                let n = sink.count
                if n == 0 && deadlockOn && isDeadlock(s) {
                    w.note(Candidate(what: .deadlock, length: depth, key: key, parent: g, ordinal: 0, state: g,
                                     rank: deadlockRank))
                }
                var en: UInt64 = 0
                var edges = 0
                for o in 0..<n {
                    if sink.kinds[o] != .state {
                        w.note(Candidate(what: .step, length: depth + 1, key: key, parent: g, ordinal: UInt32(o), state: g,
                                         rank: stepRank(sink.kinds[o], sink.details[o])))
                        continue
                    }
                    let who = sink.instances[o]
                    let inst = instances[Int(who)]
                    let pc = Int(engine.load(s, inst.pcSlot))
                    coverage[cb[inst.process] &+ pc] &+= 1
                    // Under symmetry a recorded edge also keeps the permutation applied
                    // (above the stepper's 8 bits).
                    var stepper = who
                    if let sym = w.symmetry {
                        sym.canonicalize(sink.mutableState(o))
                        if graph { stepper |= Int32(truncatingIfNeeded: sym.lastPermutation &+ 1) << 8 }
                    }
                    let t = sink.state(o)
                    let fp = StateStore.fingerprint(t, words: words)
                    let to = route == 1 ? 0 : Int(truncatingIfNeeded: ((fp & 0xFFFF_FFFF) &* UInt64(route)) >> 32)
                    boxes[to]._withUnsafeGuaranteedRef {
                        $0.append(t, fp: fp, parent: g, parentKey: key, ordinal: UInt32(truncatingIfNeeded: o), stepper: stepper)
                    }
                    if graph { en |= 1 << UInt64(who) }
                    edges &+= 1
                }
                w.generated &+= edges
                if n > w.mostSuccessors { w.mostSuccessors = n }
                if graph {
                    enabledMasks.append(en)
                    edgeOffsets.append(edgeOffsets[edgeOffsets.count - 1] + edges)
                }
                if shared && boxes[0]._withUnsafeGuaranteedRef({ $0.count >= 32 }) {
                    insertShared(w, w.outboxes[0], overflow: w.outboxes[1], depth: depth)
                }
            }
        }
        }
    }

    /// Inserts every successor that the outboxes of set `set` address to this worker's
    /// partition (found while expanding level `depth`), and empties those outboxes.
    func insertRound(_ w: SearchWorker, depth: Int, set: Int) {
        let p = w.partition
        let nw = workers.count
        let graph = recordGraph, symmetric = symmetry != nil
        let d = UInt32(truncatingIfNeeded: depth + 1)
        for src in 0..<nw {
            workers[src].outboxBase[set &* nw &+ w.index]._withUnsafeGuaranteedRef { box in
                let n = box.count
                // Three passes over each batch: bring in the table slots, then (exact
                // mode) the stored states that a duplicate will be compared with, then
                // insert; so a batch waits for memory twice, not once per successor.
                let batch = 32
                let exact = p.exact != nil
                var b = 0
                while b < n {
                    let e = min(b &+ batch, n)
                    for k in b..<e { p.prefetch(box.fps[k]) }
                    if exact { for k in b..<e { p.prefetchStored(box.fps[k]) } }
                    for k in b..<e {
                        let r = p.insert(box.state(k), fp: box.fps[k], parent: box.parents[k], parentKey: box.parentKeys[k],
                                         ordinal: box.ordinals[k], depth: d)
                        if graph {
                            edgeTargets.append(UInt32(truncatingIfNeeded: r.id &* nw &+ w.index))
                            edgeStepper.append(UInt8(truncatingIfNeeded: box.steppers[k] & 0xFF))
                            if symmetric { edgePerm.append(UInt16(truncatingIfNeeded: box.steppers[k] >> 8)) }
                        }
                        if r.isNew {
                            checkNew(w, r.stored, id: UInt32(truncatingIfNeeded: r.id &* nw &+ w.index), key: box.fps[k], length: depth + 1)
                        }
                    }
                    b = e
                }
                box.removeAll()
            }
        }
    }

    /// Invariants and `reachable` predicates on a newly found state.
    @inline(__always)
    func checkNew(_ w: SearchWorker, _ s: UnsafeRawPointer, id: UInt32, key: UInt64, length: Int) {
        let engine = w.engine
        for i in invariantIndices {
            engine.failed = false
            let v = engine.eval(engine.invariantCode[i], s)
            if engine.failed {
                w.note(Candidate(what: .invariantError(site: engine.failSite), length: length, key: key, parent: id, ordinal: 0,
                                 state: id, rank: runtimeErrorRank))
                return
            }
            if v == 0 {
                w.note(Candidate(what: .invariant(i), length: length, key: key, parent: id, ordinal: 0, state: id,
                                 rank: invariantRank(i)))
                return
            }
        }
        for i in reachableIndices where !w.reachableFound[i] {
            engine.failed = false
            if engine.eval(engine.reachableCode[i], s) != 0 && !engine.failed { w.reachableFound[i] = true }
        }
    }

    /// Figures summed over the workers.
    func gatherStatistics() {
        var generated = initialGenerated, distinct = 0, queued = 0, memory = 0, visited = 0
        for w in workers {
            generated &+= w.generated
            distinct &+= w.partition.count
            queued &+= w.partition.count - w.partition.levelStart
            memory &+= w.memoryBytes
            visited &+= w.partition.visitedBytes
        }
        queued &-= claims.next.load(ordering: .relaxed)
        if let t = sharedTable {
            memory &+= t.memoryBytes
            visited &+= t.memoryBytes
        }
        if recordGraph { memory &+= graphBytes }
        stats.generated = generated
        stats.distinct = distinct
        stats.queued = queued
        stats.memoryBytes = memory
        stats.peakMemoryBytes = max(stats.peakMemoryBytes, memory)
        stats.visitedBytes = visited
        stats.elapsedSeconds = Date().timeIntervalSince(start) + resumedSeconds
    }

    /// Breadth-first search by `workers.count` threads (the calling thread is worker 0).
    func levelSynchronousBFS() -> Verdict {
        var depth = 0
        if let d = resumeDepth {
            depth = d
        } else if let v = seedInitialStates() {
            return v
        }
        return searchLevels(from: depth)
    }

    /// Inserts the initial states; a verdict if that already decides the run.
    func seedInitialStates() -> Verdict? {
        if let v = forEachInitialState({ k, buf in
            let fp = StateStore.fingerprint(buf, words: engine.wordCount)
            if sharedTable != nil {
                let w = workers[0]
                w.outboxes[0].append(buf, fp: fp, parent: UInt32.max, parentKey: 0, ordinal: UInt32(k), stepper: 0)
                insertShared(w, w.outboxes[0], overflow: w.outboxes[1], depth: -1)
                return nil
            }
            let w = workers[owner(fp)]
            let r = w.partition.insert(buf, fp: fp, parent: UInt32.max, parentKey: 0, ordinal: UInt32(k), depth: 0)
            if r.isNew { checkNew(w, r.stored, id: globalID(r.id, w.index), key: fp, length: 0) }
            return nil
        }) { return v }
        prepareSharedRound(depth: -1)
        if let c = bestCandidate {
            gatherStatistics()
            return .violated(violation(for: c))
        }
        for w in workers { w.partition.advanceLevel() }
        if let m = options.maxDepth, m <= 0 {
            gatherStatistics()
            return .incomplete(reason: "--max-depth \(m) reached")
        }
        return nil
    }

    /// Searches level by level from the frontier at `depth`.
    func searchLevels(from startDepth: Int) -> Verdict {
        let barrier = Barrier(workers.count)
        var depth = startDepth
        var outcome: Verdict? = nil
        var lastCheckpoint = Date()
        let me = Shared(value: self)
        let depthBox = UnsafeMutablePointer<Int>.allocate(capacity: 3)   // [depth, stop, set]
        defer { depthBox.deallocate() }
        depthBox[0] = 0; depthBox[1] = 0; depthBox[2] = 0
        let box = Shared(value: depthBox)
        let done = DispatchGroup()
        for wi in 1..<workers.count {
            done.enter()
            let t = Thread {
                let ex = me.value, w = ex.workers[wi], flags = box.value
                while true {
                    barrier.wait()
                    if flags[1] != 0 { break }
                    if ex.sharedTable == nil { ex.insertRound(w, depth: flags[0], set: flags[2] ^ 1) }
                    ex.expandChunk(w, depth: flags[0], set: flags[2])
                    barrier.wait()
                }
                done.leave()
            }
            t.stackSize = 1 << 22
            t.start()
        }
        let w0 = workers[0]
        stats.depth = depth
        claims.begin(workers.map { $0.partition.frontierCount })
        // The outboxes of the last round are empty: true at a level boundary.
        var drained = true
        var set = 0
        while outcome == nil {
            // Before each round: the level may be over. A violation found in it is
            // reported once the whole level is done (its key must be the smallest).
            if drained && claims.allClaimed {
                if let c = bestCandidate {
                    outcome = .violated(violation(for: c))
                    break
                }
                for w in workers { w.partition.advanceLevel() }
                claims.begin(workers.map { $0.partition.frontierCount })
                if workers.allSatisfy({ $0.partition.frontierCount == 0 }) {
                    outcome = reachablesVerdict()
                    break
                }
                depth += 1
                stats.depth = depth
                if let dir = options.checkpointDirectory, Date().timeIntervalSince(lastCheckpoint) >= options.checkpointInterval {
                    do {
                        try writeCheckpoint(directory: dir, depth: depth)
                        checkpointsWritten += 1
                    } catch {
                        gatherStatistics()
                        outcome = .incomplete(reason: "cannot write a checkpoint: \(error.description)")
                        break
                    }
                    lastCheckpoint = Date()
                }
                if let m = options.maxDepth, depth >= m {
                    gatherStatistics()
                    outcome = .incomplete(reason: "--max-depth \(m) reached")
                    break
                }
            }
            // A round in which nobody has states left to expand only drains the outboxes.
            drained = claims.allClaimed
            claims.roundEnd = min(claims.total, claims.roundEnd + workers.count * roundChunk)
            depthBox[0] = depth
            depthBox[2] = set
            barrier.wait()
            if sharedTable == nil { insertRound(w0, depth: depth, set: set ^ 1) }
            expandChunk(w0, depth: depth, set: set)
            barrier.wait()
            prepareSharedRound(depth: depth)
            set ^= 1
            gatherStatistics()
            if let r = limitReason(distinct: stats.distinct, memory: stats.memoryBytes,
                                   growth: options.countResidentMemory ? searchGrowthBytes() : 0) {
                // A violation already seen is real: report it rather than the limit.
                if let c = bestCandidate {
                    outcome = .violated(violation(for: c))
                } else {
                    outcome = .incomplete(reason: r)
                }
            }
        }
        depthBox[1] = 1
        barrier.wait()
        done.wait()
        return outcome ?? .holds
    }
}

extension Explorer {
    // `Candidate.rank` of each kind of violation: invariants in declaration order, then
    // the asserts and overflows, then run-time errors, then deadlock.
    func invariantRank(_ i: Int) -> Int32 { Int32(truncatingIfNeeded: i) }
    /// A failing step's outcome: a step property (`detail` is its index) or a run-time error.
    func stepRank(_ kind: Engine.OutcomeKind, _ detail: Int32) -> Int32 {
        kind == .error ? runtimeErrorRank : Int32(truncatingIfNeeded: model.invariants.count) &+ detail
    }
    var runtimeErrorRank: Int32 { Int32(truncatingIfNeeded: model.invariants.count &+ engine.stepProperties.count) }
    var deadlockRank: Int32 { runtimeErrorRank &+ 1 }

    /// The violation every worker's candidates agree is first (see `Candidate`).
    var bestCandidate: Candidate? { workers.compactMap({ $0.candidate }).min(by: { $0.precedes($1) }) }

    /// The (parent, ordinal) record of a global id.
    func record(_ g: UInt32) -> (parent: UInt32, ordinal: UInt32) {
        let n = UInt32(workers.count)
        return workers[Int(g % n)].partition.record(Int(g / n))
    }

    /// The path from an initial state to global id `g`: parents are followed back to an
    /// initial state, whose recorded ordinal is its index among the initial states, and
    /// the recorded outcome ordinals are replayed forward from it.
    func replayTrace(to g: UInt32) -> (trace: Trace, last: UnsafeMutableRawPointer) {
        var ordinals: [UInt32] = []
        var cur = g
        while true {
            let r = record(cur)
            ordinals.append(r.ordinal)
            if r.parent == UInt32.max { break }
            cur = r.parent
        }
        ordinals.reverse()
        let s = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        let inits = initialStates()
        let first = Int(ordinals[0]) < inits.count ? inits[Int(ordinals[0])] : inits[0]
        _ = engine.pack(first, into: s)
        // Under symmetry the search stored representatives and recorded ordinals of their
        // successors: replay through representatives too (`realVerdict` then finds a real run).
        symmetry?.canonicalize(s)
        var t = Trace(states: [engine.unpack(s)], steps: [])
        let scratch = Sink(stateBytes: engine.stateBytes)
        for o in ordinals.dropFirst() {
            guard let step = stepRecord(from: s, ordinal: Int(o), scratch: scratch) else { break }
            s.copyMemory(from: scratch.state(Int(o)), byteCount: engine.stateBytes)
            symmetry?.canonicalize(s)
            t.steps.append(step)
            t.states.append(engine.unpack(s))
        }
        return (t, s)
    }

    /// Expands `s` into `scratch` and names outcome `ordinal`'s step.
    func stepRecord(from s: UnsafeRawPointer, ordinal: Int, scratch: Sink) -> TraceStep? {
        engine.expand(s, into: scratch)
        guard ordinal < scratch.count else { return nil }
        return traceStep(instance: Int(scratch.instances[ordinal]), from: s)
    }

    /// The step instance `i` takes from packed state `s`, named after its label there.
    func traceStep(instance i: Int, from s: UnsafeRawPointer) -> TraceStep {
        let inst = engine.instances[i]
        let pc = Int(engine.load(s, inst.pcSlot))
        let p = model.processes[inst.process]
        return TraceStep(process: ProcessID(inst.process), instance: inst.k, label: LabelID(pc),
                         name: "\(engine.instanceNames[i]).\(p.labelName(LabelID(pc)))")
    }

    /// The source range of the assert or push that failed in outcome `o` (two asserts may
    /// share a message: the node, not the message, says which one failed).
    func failRange(_ sink: Sink, _ o: Int) -> SourceRange? { failNode(sink, o)?.range }

    /// The IR node of the assert or push that failed in outcome `o`.
    func failNode(_ sink: Sink, _ o: Int) -> Node? {
        let node = Int(sink.failNodes[o])
        let p = model.processes[engine.instances[Int(sink.instances[o])].process]
        return node >= 0 && node < p.nodes.count ? p.nodes[node] : nil
    }

    /// The violation a search candidate stands for, with its trace.
    func violation(for c: Candidate) -> Violation {
        switch c.what {
        case .deadlock:
            let (t, s) = replayTrace(to: c.state)
            defer { s.deallocate() }
            return Violation(kind: .deadlock, property: "deadlock",
                             message: "deadlock: no step is enabled, and " + blockedSummary(s),
                             range: nil, trace: t, failedInsideStep: false)
        case .invariant(let i):
            let inv = model.invariants[i]
            let (t, s) = replayTrace(to: c.state)
            s.deallocate()
            return Violation(kind: .invariant, property: inv.name, message: "invariant \(inv.name) is violated",
                             range: inv.range, trace: t, failedInsideStep: false)
        case .invariantError(let site):
            let (t, s) = replayTrace(to: c.state)
            s.deallocate()
            let e = engine.sites[Int(site)]
            return Violation(kind: .runtimeError, property: "runtime error", message: "run-time error: \(e.message)",
                             range: e.range, trace: t, failedInsideStep: false)
        case .step:
            var (t, s) = replayTrace(to: c.parent)
            defer { s.deallocate() }
            let scratch = Sink(stateBytes: engine.stateBytes)
            let o = Int(c.ordinal)
            guard let step = stepRecord(from: s, ordinal: o, scratch: scratch) else {
                return Violation(kind: .runtimeError, property: "runtime error", message: "internal: lost step",
                                 range: nil, trace: t, failedInsideStep: false)
            }
            t.steps.append(step)
            t.states.append(engine.unpack(scratch.state(o)))
            let instName = engine.instanceNames[Int(scratch.instances[o])]
            switch scratch.kinds[o] {
            case .error:
                let site = scratch.details[o]
                if site == Compiler.nonTerminatingSite || site == Compiler.forkDepthSite {
                    let what = site == Compiler.nonTerminatingSite
                        ? "ran \(options.maxStepInstructions) instructions without reaching a label (a loop inside the step "
                            + "that never ends, or needs more); --max-step-instructions raises the limit"
                        : "forks more than 64 levels deep (either/choose inside one step), the engine's fixed limit"
                    return Violation(kind: .runtimeError, property: Explorer.engineLimitProperty, message: what,
                                     range: nil, trace: t, failedInsideStep: true)
                }
                let e = engine.sites[Int(site)]
                var v = Violation(kind: .runtimeError, property: "runtime error", message: "run-time error: \(e.message)",
                                  range: e.range, trace: t, failedInsideStep: true)
                v.expansion = e.expansion
                return v
            default:
                let name = engine.stepProperties[Int(scratch.details[o])]
                let isOverflow = name.hasPrefix("overflow(")
                var v = Violation(kind: isOverflow ? .overflow : .assertion, property: name,
                                 message: isOverflow ? "\(name): \(instName) pushes onto a full \(name.dropFirst(9).dropLast())"
                                                     : "assertion \"\(name)\" fails in \(instName)",
                                 range: failRange(scratch, o) ?? model.siteRange(forViolation: name), trace: t,
                                 failedInsideStep: true)
                v.expansion = failNode(scratch, o)?.expansion ?? []
                return v
            }
        }
    }
}
