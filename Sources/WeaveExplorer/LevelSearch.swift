import Foundation
import WeaveIR

// Breadth-first search with one or more workers, level by level: the rounds, the
// expansion of claimed states and the checks on new states, shared by both breadth-first
// layouts of `SearchPlan`. Where successors go differs: the partitioned layout files them
// in outboxes for the partition that owns them (PartitionedSearch.swift; described
// below), the shared-table layout inserts them at once into one table (SharedSearch.swift).
// `LevelClaims`, `Barrier`, `Outbox`, `Partition`, `SearchWorker` and `Candidate` have
// files of their own.
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

/// Lets the search hand its (thread-confined, barrier-synchronised) objects to threads.
private struct Shared<T>: @unchecked Sendable { let value: T }

extension Explorer {
    /// States a round expands, per worker: small enough that the outboxes stay in cache
    /// and limits are checked often, large enough that barriers cost nothing.
    var roundChunk: Int { workers.count == 1 ? 512 : 2048 }

    @inline(__always) func globalID(_ local: Int, _ w: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: local &* workers.count &+ w)
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
        let deadlockOn = checkDeadlockHere, graph = recordGraph, recorded = self.recorded
        let base = p.frontierBase
        let nw = workers.count
        let coverage = w.coverage
        // The shared-table search inserts as it goes: its batch is outbox 0, its
        // overflow outbox 1.
        let shared = sharedTable != nil
        let boxes = w.outboxBase + (shared ? 0 : set &* nw)
        var filer = OutboxFiler(boxes: boxes, route: shared ? 1 : nw)
        defer { if shared { insertShared(w, w.outboxes[0], overflow: w.outboxes[1], depth: depth) } }
        coverageBase.withUnsafeBufferPointer { cb in
        engine.instances.withUnsafeBufferPointer { instances in
            let x = StateExpansion(engine: engine, sink: sink, words: words, deadlockOn: deadlockOn, graph: graph,
                                   coverage: coverage, coverageBase: cb, instances: instances)
            var i = from
            while i < end {
                let s = UnsafeRawPointer(base + i &* bytes)
                let g = UInt32(truncatingIfNeeded: (p.levelStart &+ i) &* nw &+ pi)
                i &+= 1
                let (edges, en) = expandState(w, s, id: g, depth: depth, x, into: &filer)
                if graph {
                    recorded.enabled.append(en)
                    recorded.offsets.append(recorded.offsets[recorded.offsets.count - 1] + edges)
                }
                if shared && boxes[0]._withUnsafeGuaranteedRef({ $0.count >= 32 }) {
                    insertShared(w, w.outboxes[0], overflow: w.outboxes[1], depth: depth)
                }
            }
        }
        }
    }

    /// Expands state `s` (global id `g`, at `depth`): notes a deadlock or failing-step
    /// candidate, counts coverage, canonicalises each successor under symmetry and hands
    /// it with its fingerprint to `filer`; adds to the worker's tallies. Returns the
    /// successors filed and, when recording the graph, the instances that stepped
    /// (bit per instance). The breadth-first searches' (`expandRange`) and the
    /// distributed search's (`expandForRanks`) inner loop: inlined and specialised for the
    /// filer, so there is no call, closure or existential per transition.
    @inline(__always)
    func expandState<F: SuccessorFiler>(_ w: SearchWorker, _ s: UnsafeRawPointer, id g: UInt32, depth: Int,
                                   _ x: StateExpansion, into filer: inout F) -> (edges: Int, enabled: UInt64) {
        let engine = x.engine, sink = x.sink, coverage = x.coverage, cb = x.coverageBase, instances = x.instances
        let key = StateStore.fingerprint(s, words: x.words)
        engine.expand(s, into: sink)
        let n = sink.count
        if n == 0 && x.deadlockOn && isDeadlock(s) {
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
                if x.graph { stepper |= Int32(truncatingIfNeeded: sym.lastPermutation &+ 1) << 8 }
            }
            let t = sink.state(o)
            let fp = StateStore.fingerprint(t, words: x.words)
            filer.file(t, fp: fp, parent: g, parentKey: key, ordinal: UInt32(truncatingIfNeeded: o), stepper: stepper)
            if x.graph { en |= 1 << UInt64(who) }
            edges &+= 1
        }
        w.generated &+= edges
        if n > w.mostSuccessors { w.mostSuccessors = n }
        return (edges, en)
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
        if recordGraph { memory &+= recorded.bytes }
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
            return .violated(traces.violation(for: c))
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
                    outcome = .violated(traces.violation(for: c))
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
                    outcome = .violated(traces.violation(for: c))
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

/// What `Explorer.expandState` reads for every state, hoisted out of the search loop (reading
/// a class or array property per transition costs a retain/release pair).
/// `graph`: the explored graph is recorded (steppers keep the symmetry permutation, and
/// the enabled instances are collected).
struct StateExpansion {
    let engine: Engine, sink: Sink, words: Int, deadlockOn: Bool, graph: Bool
    let coverage: UnsafeMutablePointer<Int>, coverageBase: UnsafeBufferPointer<Int>
    let instances: UnsafeBufferPointer<Engine.Instance>
}

/// Where `Explorer.expandState` puts each successor. A concrete type per search, so the
/// expansion is specialised for it (no existential in the inner loop).
protocol SuccessorFiler {
    /// Files successor `t` (canonical, fingerprint `fp`) of state `parent` (fingerprint
    /// `parentKey`), reached by outcome `ordinal` of instance `stepper`.
    mutating func file(_ t: UnsafeRawPointer, fp: UInt64, parent: UInt32, parentKey: UInt64, ordinal: UInt32, stepper: Int32)
}

/// The breadth-first searches' filer: the outbox of the partition that owns the
/// fingerprint (`route` partitions), or outbox 0 when `route` is 1.
struct OutboxFiler: SuccessorFiler {
    let boxes: UnsafeMutablePointer<Unmanaged<Outbox>>
    let route: Int

    @inline(__always)
    mutating func file(_ t: UnsafeRawPointer, fp: UInt64, parent: UInt32, parentKey: UInt64, ordinal: UInt32, stepper: Int32) {
        let to = route == 1 ? 0 : Int(truncatingIfNeeded: ((fp & 0xFFFF_FFFF) &* UInt64(route)) >> 32)
        boxes[to]._withUnsafeGuaranteedRef {
            $0.append(t, fp: fp, parent: parent, parentKey: parentKey, ordinal: ordinal, stepper: stepper)
        }
    }
}
