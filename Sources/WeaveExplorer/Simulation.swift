import Foundation
import WeaveIR

// Random simulation (`weave simulate`): seeded random walks from the initial states, each
// step chosen uniformly among the successor states of the current one, checking on every
// visited state the safety properties a search checks (invariants; asserts, overflows
// and run-time errors of every outcome of every enabled step; deadlock). It visits a
// sample of the reachable states, never all of them: finding nothing proves nothing.
//
// A walk keeps only its current state and the outcome ordinals it took, so memory does
// not grow with the walks. When a walk finds a violation, its path is inserted into the
// (otherwise empty) store of a depth-first `Explorer` as a chain of parent records, and
// the explorer's own trace rebuilding words the violation: the same messages, ranges and
// trace form as `weave check`. A state that the walk revisits is found in the store, so
// the recorded chain (and the trace) skips the loop between the two visits.

/// SplitMix64 (Steele, Lea and Flood): seeds the walks' generators. Deterministic on
/// every platform (Swift's own generators are not, or not seeded).
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman and Vigna): the generator of one walk.
public struct Xoshiro256: Sendable {
    var s0, s1, s2, s3: UInt64

    /// The generator of walk `walk` of a run seeded with `seed`: each walk has its own,
    /// so walk w of seed S is the same walk whatever `--walks` is.
    public init(seed: UInt64, walk: Int) {
        var sm = SplitMix64(seed: seed)
        let base = sm.next()
        var w = SplitMix64(seed: base ^ (UInt64(truncatingIfNeeded: walk) &* 0xD1B5_4A32_D192_ED03))
        s0 = w.next(); s1 = w.next(); s2 = w.next(); s3 = w.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// A uniform integer in 0 ..< n (n > 0), without modulo bias (Lemire's method).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }
}

/// What `weave simulate` runs.
public struct SimulationOptions: Sendable {
    public var seed: UInt64 = 0
    /// Random walks to run (each from an initial state chosen at random).
    public var walks = 1000
    /// Steps per walk at most (a walk also ends in a state with no successor).
    public var depth = 1000
    public var properties: PropertySelection = .all
    public var checkDeadlock = true
    public var timeLimit: Double? = nil
    public var maxStepInstructions = CheckOptions.defaultStepInstructionLimit
    /// Distinct states are counted by 64-bit fingerprint up to this many (then the count
    /// is a lower bound): 16-40 bytes each.
    public var distinctLimit = 4_000_000
    /// Called about every 2 s with the figures so far.
    public var progress: (@Sendable (SimulationStatistics) -> Void)? = nil
    /// Polled between steps; true stops the run as incomplete (SIGINT).
    public var shouldStop: (@Sendable () -> Bool)? = nil
    public init() {}
}

/// Figures of a simulation.
public struct SimulationStatistics: Sendable {
    /// Walks started (the last one may have been cut short by a violation or a limit).
    public var walks = 0
    /// Steps taken over all walks.
    public var steps = 0
    /// Distinct states visited (by fingerprint; a lower bound when `distinctCapped`).
    public var distinct = 0
    public var distinctCapped = false
    /// Walks that ended before the depth bound in a state with no successor (every
    /// process done or at an `end` label).
    public var terminated = 0
    public var longestWalk = 0
    public var elapsedSeconds: Double = 0
    public var walksPerSecond: Double { elapsedSeconds > 0 ? Double(walks) / elapsedSeconds : 0 }
    public var stepsPerSecond: Double { elapsedSeconds > 0 ? Double(steps) / elapsedSeconds : 0 }
}

/// The outcome of a simulation.
public enum SimulationOutcome: Sendable {
    /// Walk `walk` (0-based; reports number walks from 1) found `violation` after `walkSteps` steps; the violation's
    /// trace is that walk with any loops between revisits of a state cut out.
    case violated(Violation, walk: Int, walkSteps: Int)
    /// Every walk ran to its end and none showed a violation (a sample, not a proof).
    case noViolation
    /// A limit or an interrupt stopped the run before all walks ran; nothing found so far.
    case incomplete(reason: String)
}

public struct SimulationResult: Sendable {
    public let outcome: SimulationOutcome
    public let statistics: SimulationStatistics
    /// How many times each labelled step fired during the walks.
    public let coverage: Coverage
    /// The figures as a `CheckResult` with `verdict`, for the reports `weave check` prints
    /// (`generated` = steps taken, `depth` = the longest walk).
    public func checkResult(verdict: Verdict) -> CheckResult {
        var s = Statistics()
        s.generated = statistics.steps
        s.distinct = statistics.distinct
        s.depth = statistics.longestWalk
        s.elapsedSeconds = statistics.elapsedSeconds
        s.depthFirst = true   // a walk's trace is not a shortest one
        return CheckResult(verdict: verdict, statistics: s, coverage: coverage, livenessSeconds: nil)
    }
}

/// Seeded random walks over a model (see the top of this file).
public final class Simulator {
    public let model: Model
    public let options: SimulationOptions
    /// A depth-first explorer: its engine steps the walks, its store records the path of a
    /// walk that found a violation, and its trace rebuilder words the violation.
    let explorer: Explorer

    public init(model: Model, options: SimulationOptions) throws(EngineError) {
        self.model = model
        self.options = options
        var o = CheckOptions()
        o.properties = options.properties
        o.checkDeadlock = options.checkDeadlock
        o.checkLiveness = false
        o.depthFirst = true
        o.workers = 1
        o.symmetry = false   // walks step through real states, not representatives
        o.maxStepInstructions = options.maxStepInstructions
        explorer = try Explorer(model: model, options: o)
    }

    /// What failed in the current state of a walk.
    enum Found {
        case deadlock
        case step(Int)
        case invariant(Int)
        case invariantError(Int32)
    }

    /// Runs the walks to an outcome.
    public func run() -> SimulationResult {
        let start = Date()
        var stats = SimulationStatistics()
        let engine = explorer.engine, sink = explorer.sink
        let w0 = explorer.workers[0]
        let bytes = engine.stateBytes, words = engine.wordCount
        let inits = explorer.traces.initialStates()
        var seen = Set<UInt64>()
        var path: [Int32] = []
        path.reserveCapacity(min(options.depth, 1 << 16))
        let cur = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        defer { cur.deallocate() }
        var lastProgress = start
        let deadlockOn = explorer.checkDeadlockHere
        let invariants = explorer.invariantIndices

        func check(_ s: UnsafeRawPointer) -> Found? {
            for i in invariants {
                engine.failed = false
                let v = engine.eval(engine.invariantCode[i], s)
                if engine.failed { return .invariantError(engine.failSite) }
                if v == 0 { return .invariant(i) }
            }
            return nil
        }
        func note(_ s: UnsafeRawPointer) {
            guard !stats.distinctCapped else { return }
            if seen.count >= options.distinctLimit { stats.distinctCapped = true; return }
            seen.insert(StateStore.fingerprint(s, words: words))
        }
        func finish(_ o: SimulationOutcome) -> SimulationResult {
            stats.distinct = seen.count
            stats.elapsedSeconds = Date().timeIntervalSince(start)
            return SimulationResult(outcome: o, statistics: stats, coverage: explorer.coverage())
        }
        /// A limit that stops the run, or nil (and a progress line when due).
        func limit() -> String? {
            runLimitReason(start: start, timeLimit: options.timeLimit, shouldStop: options.shouldStop,
                           progress: options.progress, lastProgress: &lastProgress) { now in
                var s = stats
                s.distinct = seen.count
                s.elapsedSeconds = now.timeIntervalSince(start)
                return s
            }
        }

        if inits.isEmpty { return finish(.incomplete(reason: "the model has no initial state")) }
        if inits.count > 1 << 20 { return finish(.incomplete(reason: "more than 1,048,576 initial states")) }
        for w in 0..<options.walks {
            if let r = limit() { return finish(.incomplete(reason: r)) }
            var rng = Xoshiro256(seed: options.seed, walk: w)
            let k = inits.count == 1 ? 0 : rng.below(inits.count)
            guard engine.pack(inits[k], into: cur) else {
                return finish(.incomplete(reason: "an initial value is outside its type"))
            }
            stats.walks += 1
            path.removeAll(keepingCapacity: true)
            note(cur)
            var found = check(cur)
            var d = 0
            while found == nil && d < options.depth {
                if d & 1023 == 1023, let r = limit() { return finish(.incomplete(reason: r)) }
                engine.expand(cur, into: sink)
                let n = sink.count
                if n == 0 {
                    if deadlockOn && explorer.isDeadlock(cur) { found = .deadlock } else { stats.terminated += 1 }
                    break
                }
                // Every outcome of every enabled step is checked, as a search checks them.
                for o in 0..<n where sink.kinds[o] != .state { found = .step(o); break }
                if found != nil { break }
                let o = n == 1 ? 0 : rng.below(n)
                let inst = engine.instances[Int(sink.instances[o])]
                w0.coverage[explorer.coverageBase[inst.process] &+ Int(engine.load(cur, inst.pcSlot))] &+= 1
                cur.copyMemory(from: sink.state(o), byteCount: bytes)
                path.append(Int32(o))
                d += 1
                stats.steps += 1
                note(cur)
                found = check(cur)
            }
            stats.longestWalk = max(stats.longestWalk, d)
            if let f = found {
                let steps = d + (f.isStep ? 1 : 0)
                switch explorer.engineLimitVerdict(.violated(violation(initial: inits[k], ordinal: k, path: path, found: f))) {
                case .violated(let v): return finish(.violated(v, walk: w, walkSteps: steps))
                case .incomplete(let why): return finish(.incomplete(reason: why))
                case .holds: return finish(.incomplete(reason: "internal: a violation vanished"))
                }
            }
        }
        return finish(.noViolation)
    }

    /// Records the walk's path as parent records in the explorer's store and has the
    /// explorer word the violation found at its end.
    func violation(initial: [Int64], ordinal k: Int, path: [Int32], found: Found) -> Violation {
        let engine = explorer.engine, store = explorer.store
        let scratch = Sink(stateBytes: engine.stateBytes)
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        _ = engine.pack(initial, into: buf)
        var (id, _) = store.insert(buf, parent: UInt32.max, ordinal: UInt32(k), depth: 0)
        for (d, o) in path.enumerated() {
            engine.expand(store.state(id), into: scratch)
            guard Int(o) < scratch.count else { break }
            let r = store.insert(scratch.state(Int(o)), parent: UInt32(id), ordinal: UInt32(o), depth: UInt32(d + 1))
            id = r.0
        }
        let g = UInt32(id)
        let c: Candidate
        switch found {
        case .deadlock: c = Candidate(what: .deadlock, length: path.count, key: 0, parent: g, ordinal: 0, state: g)
        case .step(let o): c = Candidate(what: .step, length: path.count + 1, key: 0, parent: g, ordinal: UInt32(o), state: g)
        case .invariant(let i): c = Candidate(what: .invariant(i), length: path.count, key: 0, parent: g, ordinal: 0, state: g)
        case .invariantError(let site):
            c = Candidate(what: .invariantError(site: site), length: path.count, key: 0, parent: g, ordinal: 0, state: g)
        }
        return explorer.traces.violation(for: c)
    }
}

extension Simulator.Found {
    var isStep: Bool { if case .step = self { return true } else { return false } }
}
