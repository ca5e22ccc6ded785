import Foundation
import WeaveIR

// Breadth-first search over several processes (MPI ranks), each with one partition of
// the visited set: rank r owns the states whose fingerprint maps to r, by the same rule
// that maps a state to a worker's partition (`((fp & 0xFFFF_FFFF) * K) >> 32`). A
// state's global id is `local * K + rank`, as a worker's is `local * workers + worker`.
//
// Level by level, in rounds: each rank expands up to a round's chunk of its frontier,
// files every successor (state, fingerprint, parent id, parent key, outcome ordinal) by
// owner, and all ranks exchange the batches (an all-to-all of the counts, then of the
// bytes). Each rank inserts what it received, in rank order, checking invariants on the
// new states, and one all-reduce per round sums the figures (frontier left, states,
// stop requests). A level ends when no rank has frontier left; then the ranks gather
// their best `Candidate` and all pick the same one by its key: the violation a
// one-process search reports (the keys depend neither on timing nor on the partition).
// Each state also keeps its parent by key (`Partition.insert`, exact states or
// fingerprints), so the trace is the one-process run's too; the trace is rebuilt by
// walking parent records back, one all-reduce per step (the owner of each id
// contributes its record), then replaying the ordinals forward on every rank. Every rank reaches every collective in the same order:
// each decision is taken on collective results only.

/// What the distributed search needs from the message layer (WeaveMPI implements it
/// with Open MPI). Calls are collective: every rank makes the same calls in the same order.
public protocol DistributedTransport: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise reduction over the ranks.
    func allreduce(_ values: [Int64], _ op: DistributedReduction) -> [Int64]
    /// Every rank's `bytes` (all the same length), in rank order.
    func allgather(_ bytes: [UInt8]) -> [UInt8]
    /// Sends `counts[r]` bytes of `send` (consecutive, in rank order) to rank r; the bytes
    /// received go, in rank order, to `receive(n)`, a buffer of at least n bytes; returns n.
    func alltoallv(_ send: UnsafeRawPointer, counts: [Int32], receive: (Int) -> UnsafeMutableRawPointer) -> Int
    /// The search's figures at its end (the same on every rank).
    func finished(_ figures: DistributedFigures)
}

public enum DistributedReduction: Sendable { case sum, max, min }

/// A distributed search's communication figures, over all ranks.
public struct DistributedFigures: Sendable {
    public var ranks = 1
    /// Successor records sent between ranks (to itself included: they pass through the
    /// same exchange), and their bytes.
    public var recordsExchanged = 0
    public var bytesExchanged = 0
    /// Seconds spent in collective calls (exchanges, reductions), summed over the ranks,
    /// and the largest rank's share: waiting for a slower rank counts as communication.
    public var communicationSeconds = 0.0
    public var maxCommunicationSeconds = 0.0
    public var rounds = 0
    /// Distinct states per rank: the fewest and the most.
    public var fewestStates = 0
    public var mostStates = 0
    public var elapsedSeconds = 0.0
    public init() {}
}

extension Explorer {
    /// The distributed search (see the top of this file); `options.transport` is set.
    func distributedSearch(_ t: any DistributedTransport) -> Verdict {
        let run = DistributedRun(transport: t)
        defer { run.report(self) }
        return distributedLevels(run)
    }

    private func distributedLevels(_ run: DistributedRun) -> Verdict {
        let k = run.size, me = run.rank
        let w = workers[0], p = w.partition
        let words = engine.wordCount
        var depth = 0
        if let d = resumeDepth {
            // Every rank resumed its own checkpoint (the driver names each rank's directory);
            // they must all be of one level.
            let lo = run.allreduce([Int64(d)], .min)[0], hi = run.allreduce([Int64(d)], .max)[0]
            guard lo == hi else {
                return .incomplete(reason: "cannot resume: the ranks' checkpoints are of levels \(lo) to \(hi) (a run stopped "
                    + "while writing them); start the search again without --resume")
            }
            depth = d
        } else {
            if let v = forEachInitialState({ i, buf in
                let fp = StateStore.fingerprint(buf, words: words)
                guard run.owner(fp) == me else { return nil }
                let r = p.insert(buf, fp: fp, parent: UInt32.max, parentKey: 0, ordinal: UInt32(i), depth: 0)
                if r.isNew { checkNew(w, r.stored, id: run.globalID(r.id), key: fp, length: 0) }
                return nil
            }) { return v }
            if let c = globalBestCandidate(run) { return .violated(distributedViolation(c, run)) }
            p.advanceLevel()
            if let m = options.maxDepth, m <= 0 { return .incomplete(reason: "--max-depth \(m) reached") }
        }
        stats.depth = depth
        var lastCheckpoint = Date()
        let boxes = (0..<k).map { _ in RecordBuffer(record: engine.stateBytes + DistributedRun.recordExtra) }
        while true {
            var next = 0
            while true {
                // A round: a chunk of the frontier, sized so a round's batch stays near 8 MiB.
                let record = engine.stateBytes + DistributedRun.recordExtra
                let chunk = max(16, min(1 << 16, (8 << 20) / (record * max(8, w.mostSuccessors))))
                let end = min(p.frontierCount, next + chunk)
                expandForRanks(w, from: next, to: end, depth: depth, boxes: boxes, run: run)
                next = end
                distributedExpanded = next
                if !exchangeAndInsert(w, boxes: boxes, depth: depth, run: run) {
                    return .incomplete(reason: "a round's successors exceed 2 GiB on one rank")
                }
                let local = roundFlags(frontierLeft: p.frontierCount - next, run: run)
                let sum = run.allreduce(local, .sum)
                stats.distinct = Int(sum[1])
                if let reason = stopReason(sum, ranks: k) {
                    if let c = globalBestCandidate(run) { return .violated(distributedViolation(c, run)) }
                    return .incomplete(reason: reason)
                }
                distributedProgress(run, distinct: Int(sum[1]), generated: Int(sum[7]), queued: Int(sum[8]))
                if sum[0] == 0 { break }
            }
            if let c = globalBestCandidate(run) { return .violated(distributedViolation(c, run)) }
            p.advanceLevel()
            distributedExpanded = 0
            let left = run.allreduce([Int64(p.frontierCount)], .sum)[0]
            if left == 0 {
                let found = run.allreduce(w.reachableFound.map { $0 ? 1 : 0 }, .max)
                for i in found.indices where found[i] != 0 { w.reachableFound[i] = true }
                return reachablesVerdict()
            }
            depth += 1
            stats.depth = depth
            if let dir = options.checkpointDirectory {
                // Each rank saves its partition in its own directory, when any rank's interval is over.
                let due = Date().timeIntervalSince(lastCheckpoint) >= options.checkpointInterval
                if run.allreduce([due ? 1 : 0], .max)[0] != 0 {
                    var why: String? = nil
                    do { try writeCheckpoint(directory: dir, depth: depth) } catch { why = error.description }
                    let failed = run.allreduce([why == nil ? 0 : 1], .sum)[0]
                    if failed > 0 {
                        return .incomplete(reason: "cannot write a checkpoint on \(failed) of \(k) ranks" + (why.map { ": \($0)" } ?? ""))
                    }
                    checkpointsWritten += 1
                    lastCheckpoint = Date()
                }
            }
            if let m = options.maxDepth, depth >= m { return .incomplete(reason: "--max-depth \(m) reached") }
        }
    }

    /// Expands frontier states `from ..< to` into one record buffer per owning rank (as
    /// `expandRange` does into one outbox per partition).
    private func expandForRanks(_ w: SearchWorker, from: Int, to end: Int, depth: Int, boxes: [RecordBuffer], run: DistributedRun) {
        let p = w.partition
        let engine = w.engine
        let bytes = engine.stateBytes
        let base = p.frontierBase
        var filer = RankFiler(boxes: boxes, run: run, bytes: bytes)
        coverageBase.withUnsafeBufferPointer { cb in
        engine.instances.withUnsafeBufferPointer { instances in
            let x = StateExpansion(engine: engine, sink: w.sink, words: engine.wordCount, deadlockOn: checkDeadlockHere,
                                   graph: false, coverage: w.coverage, coverageBase: cb, instances: instances)
            var i = from
            while i < end {
                let s = UnsafeRawPointer(base + i &* bytes)
                let g = run.globalID(p.levelStart &+ i)
                i &+= 1
                _ = expandState(w, s, id: g, depth: depth, x, into: &filer)
            }
        }
        }
    }

    /// Sends every rank its records and inserts what arrives, in rank order. False if a
    /// batch is too large for MPI's 32-bit counts.
    private func exchangeAndInsert(_ w: SearchWorker, boxes: [RecordBuffer], depth: Int, run: DistributedRun) -> Bool {
        let bytes = engine.stateBytes
        let record = bytes + DistributedRun.recordExtra
        let total = boxes.reduce(0) { $0 + $1.used }
        // Every rank takes part in the exchange even when one cannot send: it sends nothing
        // and the round's flags stop the run.
        let tooLarge = total > Int(Int32.max)
        let send = run.sendBuffer(tooLarge ? 0 : total)
        var counts = [Int32](repeating: 0, count: run.size)
        if !tooLarge {
            var at = 0
            for (d, box) in boxes.enumerated() where box.used > 0 {
                (send + at).copyMemory(from: box.base, byteCount: box.used)
                at += box.used
                counts[d] = Int32(box.used)
            }
        }
        for box in boxes { box.used = 0 }
        run.sentRecords += total / record
        run.sentBytes += tooLarge ? 0 : total
        let n = run.alltoallv(send, counts: counts) / record
        if tooLarge { run.tooLarge = true; return true }
        let base = UnsafeRawPointer(run.receiveBase)
        let p = w.partition
        let d = UInt32(truncatingIfNeeded: depth + 1)
        let batch = 32
        var b = 0
        while b < n {
            let e = min(b + batch, n)
            for k in b..<e { p.prefetch(base.loadUnaligned(fromByteOffset: k * record + bytes, as: UInt64.self)) }
            for k in b..<e {
                let r = base + k * record
                let fp = r.loadUnaligned(fromByteOffset: bytes, as: UInt64.self)
                let res = p.insert(r, fp: fp, parent: r.loadUnaligned(fromByteOffset: bytes + 16, as: UInt32.self),
                                   parentKey: r.loadUnaligned(fromByteOffset: bytes + 8, as: UInt64.self),
                                   ordinal: r.loadUnaligned(fromByteOffset: bytes + 20, as: UInt32.self), depth: d)
                if res.isNew { checkNew(w, res.stored, id: run.globalID(res.id), key: fp, length: depth + 1) }
            }
            b = e
        }
        return true
    }

    /// This rank's figures for the round's all-reduce: [frontier left, distinct, memory
    /// limit, time limit, interrupted, store full, batch too large, generated, queued].
    private func roundFlags(frontierLeft: Int, run: DistributedRun) -> [Int64] {
        let w = workers[0]
        let memory = w.memoryBytes
        let growth = options.countResidentMemory ? searchGrowthBytes() : 0
        let memoryHit = memoryLimitReason(estimate: memory, growth: growth) != nil
        stats.peakMemoryBytes = max(stats.peakMemoryBytes, memory)
        let timeHit = options.timeLimit.map { Date().timeIntervalSince(start) > $0 } ?? false
        let stop = options.shouldStop?() == true
        let full = w.partition.count >= StateStore.maxStates / run.size
        return [Int64(frontierLeft), Int64(w.partition.count), memoryHit ? 1 : 0, timeHit ? 1 : 0, stop ? 1 : 0,
                full ? 1 : 0, run.tooLarge ? 1 : 0, Int64(w.generated),
                Int64(w.partition.count - w.partition.levelStart - distributedExpanded)]
    }

    /// Why the ranks stop after a round (in the one-process search's order of limits), if they do.
    private func stopReason(_ sum: [Int64], ranks: Int) -> String? {
        if let m = options.maxStates, sum[1] > m { return "--max-states \(m) reached" }
        if sum[5] > 0 { return "the state store is full (2^32 states over all ranks)" }
        if sum[6] > 0 { return "a round's successors exceed 2 GiB on one rank" }
        if sum[2] > 0, let limit = options.memoryLimitBytes {
            return "memory limit on \(sum[2]) of \(ranks) ranks (the limit, \(Explorer.size(limit)), is per rank)"
        }
        if sum[3] > 0, let t = options.timeLimit { return "--time-limit \(t) s reached" }
        if sum[4] > 0 { return "interrupted" }
        return nil
    }

    /// Progress about every 2 s, from rank 0, with the figures of every rank.
    private func distributedProgress(_ run: DistributedRun, distinct: Int, generated: Int, queued: Int) {
        guard run.rank == 0, let report = options.progress else { return }
        let now = Date()
        guard now.timeIntervalSince(lastProgress) >= 2 else { return }
        lastProgress = now
        var s = stats
        s.distinct = distinct
        s.generated = generated + initialGenerated
        s.queued = queued
        s.elapsedSeconds = now.timeIntervalSince(start)
        report(s)
    }

    /// The violation every rank's candidates agree is first: the same on every rank.
    private func globalBestCandidate(_ run: DistributedRun) -> Candidate? {
        var mine = [Int64](repeating: 0, count: 9)
        if let c = workers[0].candidate {
            let (kind, arg): (Int64, Int64) = switch c.what {
            case .deadlock: (0, 0)
            case .step: (1, 0)
            case .invariant(let i): (2, Int64(i))
            case .invariantError(let site): (3, Int64(site))
            }
            mine = [1, Int64(c.length), Int64(c.rank), Int64(bitPattern: c.key), Int64(c.ordinal), kind, arg,
                    Int64(c.parent), Int64(c.state)]
        }
        let all = run.allgather(mine.withUnsafeBytes { Array($0) })
        var best: Candidate? = nil
        all.withUnsafeBytes { raw in
            for r in 0..<run.size {
                let v = (0..<9).map { raw.loadUnaligned(fromByteOffset: (r * 9 + $0) * 8, as: Int64.self) }
                guard v[0] == 1 else { continue }
                let what: Candidate.What = switch v[5] {
                case 0: .deadlock
                case 1: .step
                case 2: .invariant(Int(v[6]))
                default: .invariantError(site: Int32(truncatingIfNeeded: v[6]))
                }
                let c = Candidate(what: what, length: Int(v[1]), key: UInt64(bitPattern: v[3]),
                                  parent: UInt32(truncatingIfNeeded: v[7]), ordinal: UInt32(truncatingIfNeeded: v[4]),
                                  state: UInt32(truncatingIfNeeded: v[8]), rank: Int32(truncatingIfNeeded: v[2]))
                // Equal keys would be the same state or step, owned by one rank: rank order breaks no real tie.
                if best.map({ c.precedes($0) }) ?? true { best = c }
            }
        }
        return best
    }

    /// The violation for `c`, its trace's parent records fetched from their owners.
    private func distributedViolation(_ c: Candidate, _ run: DistributedRun) -> Violation {
        var known: [UInt32: (parent: UInt32, ordinal: UInt32)] = [:]
        var g: UInt32
        if case .step = c.what { g = c.parent } else { g = c.state }
        let p = workers[0].partition
        while true {
            let k = UInt32(run.size)
            var mine: [Int64] = [0, 0]
            if Int(g % k) == run.rank {
                let r = p.record(Int(g / k))
                mine = [Int64(r.parent), Int64(r.ordinal)]
            }
            let r = run.allreduce(mine, .sum)
            let rec = (parent: UInt32(truncatingIfNeeded: r[0]), ordinal: UInt32(truncatingIfNeeded: r[1]))
            known[g] = rec
            if rec.parent == UInt32.max || known[rec.parent] != nil { break }
            g = rec.parent
        }
        var rebuilder = traces
        rebuilder.knownRecords = known
        return rebuilder.violation(for: c)
    }

    /// After `finish`: the figures summed over the ranks, the coverage too (every rank).
    func finishDistributed(_ t: any DistributedTransport) {
        let w = workers[0]
        let queued = w.partition.count - w.partition.levelStart - distributedExpanded
        let local: [Int64] = [Int64(w.generated), Int64(w.partition.count), Int64(queued), Int64(stats.memoryBytes),
                              Int64(stats.peakMemoryBytes), Int64(stats.visitedBytes)]
        let cov = (0..<w.coverageCount).map { Int64(w.coverage[$0]) }
        let sum = t.allreduce(local + cov, .sum)
        for i in 0..<w.coverageCount { w.coverage[i] = Int(sum[6 + i]) }
        stats.generated = initialGenerated + Int(sum[0])
        stats.distinct = Int(sum[1])
        stats.queued = Int(sum[2])
        stats.memoryBytes = Int(sum[3])
        stats.peakMemoryBytes = Int(sum[4])
        stats.visitedBytes = Int(sum[5])
        stats.elapsedSeconds = Double(t.allreduce([Int64(stats.elapsedSeconds * 1e6)], .max)[0]) / 1e6
        if fingerprintOnly { stats.collisionProbability = FingerprintSet.collisionProbability(states: stats.distinct) }
    }
}

/// One distributed search's transport, rank arithmetic and communication tallies.
final class DistributedRun {
    let transport: any DistributedTransport
    let rank: Int
    let size: Int
    /// Bytes a successor record carries besides the state: fingerprint, parent key, parent, ordinal.
    static let recordExtra = 24
    var sentRecords = 0
    var sentBytes = 0
    var seconds = 0.0
    var rounds = 0
    var tooLarge = false
    let started = Date()
    private(set) var receiveBase = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 8)
    private var receiveCapacity = 1 << 16
    private var sendBase = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 8)
    private var sendCapacity = 1 << 16

    deinit { receiveBase.deallocate(); sendBase.deallocate() }

    init(transport: any DistributedTransport) {
        self.transport = transport
        rank = transport.rank
        size = transport.size
    }

    @inline(__always) func owner(_ fp: UInt64) -> Int {
        Int(truncatingIfNeeded: ((fp & 0xFFFF_FFFF) &* UInt64(size)) >> 32)
    }

    @inline(__always) func globalID(_ local: Int) -> UInt32 { UInt32(truncatingIfNeeded: local &* size &+ rank) }

    func allreduce(_ v: [Int64], _ op: DistributedReduction) -> [Int64] {
        let t0 = Date()
        defer { seconds += Date().timeIntervalSince(t0) }
        return transport.allreduce(v, op)
    }

    func allgather(_ b: [UInt8]) -> [UInt8] {
        let t0 = Date()
        defer { seconds += Date().timeIntervalSince(t0) }
        return transport.allgather(b)
    }

    /// Sends, receives into `receiveBase`; the bytes received.
    func alltoallv(_ send: UnsafeRawPointer, counts: [Int32]) -> Int {
        let t0 = Date()
        defer { seconds += Date().timeIntervalSince(t0); rounds += 1 }
        return transport.alltoallv(send, counts: counts) { n in
            if n > receiveCapacity {
                receiveBase.deallocate()
                receiveCapacity = max(n, receiveCapacity * 2)
                receiveBase = .allocate(byteCount: receiveCapacity, alignment: 8)
            }
            return receiveBase
        }
    }

    /// A send buffer of at least `n` bytes, reused between rounds.
    func sendBuffer(_ n: Int) -> UnsafeMutableRawPointer {
        if n > sendCapacity {
            sendBase.deallocate()
            sendCapacity = max(n, sendCapacity * 2)
            sendBase = .allocate(byteCount: sendCapacity, alignment: 8)
        }
        return sendBase
    }

    /// Sums the tallies over the ranks and hands them to the transport (collective).
    func report(_ ex: Explorer) {
        let sum = transport.allreduce([Int64(sentRecords), Int64(sentBytes), Int64(seconds * 1e6)], .sum)
        let mx = transport.allreduce([Int64(seconds * 1e6), Int64(ex.workers[0].partition.count),
                                      Int64(Date().timeIntervalSince(started) * 1e6)], .max)
        let mn = transport.allreduce([Int64(ex.workers[0].partition.count)], .min)
        var f = DistributedFigures()
        f.ranks = size
        f.recordsExchanged = Int(sum[0])
        f.bytesExchanged = Int(sum[1])
        f.communicationSeconds = Double(sum[2]) / 1e6
        f.maxCommunicationSeconds = Double(mx[0]) / 1e6
        f.rounds = rounds
        f.mostStates = Int(mx[1])
        f.fewestStates = Int(mn[0])
        f.elapsedSeconds = Double(mx[2]) / 1e6
        transport.finished(f)
    }
}

/// Successor records bound for one rank, packed as they are sent: the state, then its
/// fingerprint, parent key, parent id and outcome ordinal (`DistributedRun.recordExtra`).
/// The distributed search's filer: the record buffer of the rank that owns the
/// fingerprint (the search records no graph, so the stepper is not sent).
struct RankFiler: SuccessorFiler {
    let boxes: [RecordBuffer]
    let run: DistributedRun
    let bytes: Int

    @inline(__always)
    mutating func file(_ t: UnsafeRawPointer, fp: UInt64, parent: UInt32, parentKey: UInt64, ordinal: UInt32, stepper: Int32) {
        boxes[run.owner(fp)].append(t, bytes: bytes, fp: fp, parentKey: parentKey, parent: parent, ordinal: ordinal)
    }
}

final class RecordBuffer {
    let record: Int
    var used = 0
    private var capacity: Int
    private(set) var base: UnsafeMutableRawPointer

    init(record: Int) {
        self.record = record
        capacity = record * 256
        base = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ s: UnsafeRawPointer, bytes: Int, fp: UInt64, parentKey: UInt64, parent: UInt32, ordinal: UInt32) {
        if used &+ record > capacity { grow() }
        let r = base + used
        r.copyMemory(from: s, byteCount: bytes)
        r.storeBytes(of: fp, toByteOffset: bytes, as: UInt64.self)
        r.storeBytes(of: parentKey, toByteOffset: bytes &+ 8, as: UInt64.self)
        r.storeBytes(of: parent, toByteOffset: bytes &+ 16, as: UInt32.self)
        r.storeBytes(of: ordinal, toByteOffset: bytes &+ 20, as: UInt32.self)
        used &+= record
    }

    private func grow() {
        let n = capacity * 2
        let b = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
        b.copyMemory(from: base, byteCount: used)
        base.deallocate()
        base = b
        capacity = n
    }
}
