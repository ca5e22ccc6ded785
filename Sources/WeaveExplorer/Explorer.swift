import Foundation
import WeaveIR
import WeaveSource

/// Explicit-state model checking of a `Model`: breadth-first (shortest
/// counterexamples) or depth-first search over every reachable state.
public final class Explorer {
    public let model: Model
    let engine: Engine
    let options: CheckOptions
    let store: StateStore
    let sink: Sink
    var stats = Statistics()
    let start = Date()
    var lastProgress = Date()
    /// Steps fired per (process, label): flat, `coverageBase[p] + label`.
    let coverageBase: [Int]
    var invariantIndices: [Int] = []
    var reachableIndices: [Int] = []
    /// The search strategy and its layout, chosen once in `init` (see `SearchPlan.choose`).
    var plan: SearchPlan
    /// The labelled state graph, recorded during BFS when liveness will need it
    /// (BFS expands states in id order, so edges arrive in CSR order).
    var recordGraph: Bool { plan.recordGraph }
    /// The recorded graph's arrays (ExploredGraph.swift); empty unless `recordGraph`.
    let recorded = RecordedGraph()
    /// Symmetry reduction, when the model declares symmetric types (see Symmetry.swift;
    /// for liveness, SymmetricLiveness.swift).
    let symmetry: Symmetry?
    let symmetryUse: SymmetryUse
    /// Trace rebuilding and violation wording over this search's records (TraceRebuild.swift).
    let traces: TraceRebuilder
    /// --max-states, checked on every expansion (the other limits every 1024).
    var stateLimit: Int { options.maxStates ?? Int.max }
    /// The breadth-first search's workers (worker 0's exact partition is `store`).
    var workers: [SearchWorker] = []
    /// The states of the level being expanded, claimed by the workers in turn.
    let claims = LevelClaims()
    /// The shared-table search's visited set and raw views of the partitions
    /// (SharedSearch.swift); nil when the search is partitioned or has one worker.
    var sharedTable: SharedTable? = nil
    var partitionViews: PartitionViews? = nil
    /// Initial states generated (they count as generated, as in TLC and SPIN).
    var initialGenerated = 0
    let checkDeadlockHere: Bool
    /// Only fingerprints are kept (breadth-first safety search).
    var fingerprintOnly: Bool { plan.fingerprintOnly }
    /// Set by `resume(from:)`: the depth of the restored frontier.
    var resumeDepth: Int? = nil
    /// A distributed search: frontier states this rank expanded in the level it stopped in.
    var distributedExpanded = 0
    /// Search time before the checkpoint this run resumed.
    var resumedSeconds: Double = 0
    /// Checkpoints written by this run.
    public internal(set) var checkpointsWritten = 0

    /// Whether the expressions run as machine code (`NativeCode`), and if not though
    /// asked for, why: nil when not asked for.
    public private(set) var nativeStatus: String?

    /// Compiles the model. Throws if it cannot be explored (a state too large).
    /// `nativeCode`: compile the model's expressions to machine code with the system's C
    /// compiler (`NativeCode`; interpreted where that fails); nil: when the environment
    /// variable `WEAVE_NATIVE` is `1`.
    public init(model: Model, options: CheckOptions = CheckOptions(), nativeCode: Bool? = nil) throws(EngineError) {
        self.model = model
        self.options = options
        engine = try Engine(model: model)
        store = StateStore(stateBytes: engine.stateBytes)
        sink = Sink(stateBytes: engine.stateBytes)
        var bases: [Int] = []
        var total = 0
        for p in model.processes { bases.append(total); total += p.labels.count }
        coverageBase = bases
        for (i, name) in engine.stepProperties.enumerated() {
            engine.stepEnabled[i] = options.properties.includes(name)
        }
        engine.stepInstructionLimit = options.maxStepInstructions
        invariantIndices = model.invariants.indices.filter { options.properties.includes(model.invariants[$0].name) }
        reachableIndices = model.reachables.indices.filter { options.properties.includes(model.reachables[$0].name) }
        stats.stateBytes = engine.stateBytes
        checkDeadlockHere = options.checkDeadlock && options.properties.includes(Model.deadlockProperty)
        let livenessRuns = options.checkLiveness && model.liveness.contains { options.properties.includes($0.name) }
        let plan = SearchPlan.choose(options, livenessRuns: livenessRuns, instances: engine.instances.count)
        self.plan = plan
        let count = plan.workers
        var ws: [SearchWorker] = []
        for w in 0..<count {
            let e: Engine
            if w == 0 {
                e = engine
            } else {
                e = try Engine(model: model)
                for i in engine.stepProperties.indices { e.stepEnabled[i] = engine.stepEnabled[i] }
                e.stepInstructionLimit = options.maxStepInstructions
            }
            let part = Partition(stateBytes: engine.stateBytes, fingerprintOnly: plan.fingerprintOnly,
                                 store: w == 0 && !plan.fingerprintOnly ? store : nil)
            ws.append(SearchWorker(index: w, engine: e, partition: part, workers: count,
                                   coverageCount: total, reachables: model.reachables.count))
        }
        (symmetry, symmetryUse) = Symmetry.choose(engine: engine, model: model, options: options)
        if let sym = symmetry {
            for w in ws { w.symmetry = w.index == 0 ? sym : Symmetry(engine: w.engine) }
        }
        workers = ws
        let asked = nativeCode ?? options.nativeCode
        if asked ?? (ProcessInfo.processInfo.environment["WEAVE_NATIVE"] == "1") {
            let (code, why) = NativeCode.compile(engine)
            if let code {
                for w in ws { w.engine.native = code }
                nativeStatus = "native: \(code.compiled) of \(code.entries) expressions and \(code.stepsCompiled) of \(code.instances) process steps compiled"
            } else {
                nativeStatus = "native: off (\(why ?? "unknown")); interpreted"
                // Asked for through the environment: the caller has no other way to learn it.
                if asked == nil, let s = nativeStatus {
                    FileHandle.standardError.write(Data("weave: WEAVE_NATIVE=1: \(s)\n".utf8))
                }
            }
        }
        traces = TraceRebuilder(model: model, engine: engine, symmetry: symmetry, partitions: ws.map(\.partition),
                                maxStepInstructions: options.maxStepInstructions)
        if plan.usesSharedTable {
            sharedTable = SharedTable()
            partitionViews = PartitionViews(ws.compactMap { $0.partition.exact })
        }
        stats.workers = count
        stats.fingerprintOnly = plan.fingerprintOnly
        stats.depthFirst = plan.isDepthFirst
    }

    deinit { partitionViews?.deallocate() }

    /// Bytes one packed state takes.
    public var stateBytes: Int { engine.stateBytes }

    /// Runs the search to a verdict.
    public func run() -> CheckResult {
        let verdict = engineLimitVerdict(traces.realVerdict(search()))
        var live: Double? = nil
        var finalVerdict = verdict
        if case .holds = verdict, options.checkLiveness, options.transport == nil {
            let lv = model.liveness.filter { options.properties.includes($0.name) }
            if !lv.isEmpty {
                let t0 = Date()
                finalVerdict = LivenessChecker(graph: exploredGraph, properties: lv, fairness: options.fairness,
                                               stopReason: { self.livenessStopReason(graphBytes: $0) }).run()
                live = Date().timeIntervalSince(t0)
            }
        }
        finish()
        if let t = options.transport { finishDistributed(t) }
        return CheckResult(verdict: finalVerdict, statistics: stats, coverage: coverage(), livenessSeconds: live,
                           symmetry: symmetryUse)
    }

    /// The property name of a step that hit an engine limit (instructions per step, fork
    /// depth): what the search stopped on, not a property of the model.
    static let engineLimitProperty = PropertyID.engineLimit.name

    /// A step that hit an engine limit says nothing about the model's properties: the run
    /// is incomplete (exit 10), with the step, the limit and how to raise it.
    func engineLimitVerdict(_ v: Verdict) -> Verdict {
        guard case .violated(let x) = v, x.propertyID == .engineLimit else { return v }
        let step = x.trace?.steps.last?.name ?? "a step"
        let depth = max(0, (x.trace?.steps.count ?? 1) - 1)
        return .incomplete(reason: "engine limit: step \(step), from a state at depth \(depth), \(x.message)")
    }

    func finish() {
        if plan.isDepthFirst {
            stats.generated = initialGenerated + stats.generated
            stats.distinct = store.count
            stats.memoryBytes = store.memoryBytes
            stats.peakMemoryBytes = store.memoryBytes
            stats.visitedBytes = store.memoryBytes
        } else {
            gatherStatistics()
        }
        stats.elapsedSeconds = Date().timeIntervalSince(start) + resumedSeconds
        if fingerprintOnly { stats.collisionProbability = FingerprintSet.collisionProbability(states: stats.distinct) }
    }

    func coverage() -> Coverage {
        var out: [Coverage.Entry] = []
        for (pi, p) in model.processes.enumerated() {
            // Labels that this setting's params made unreachable in the code (another
            // design's steps) are not "never fired": they cannot fire.
            let live = p.reachableLabels()
            for (li, l) in p.labels.enumerated() where live.contains(li) {
                let k = coverageBase[pi] + li
                let n = workers.reduce(0) { $0 + $1.coverage[k] }
                out.append(Coverage.Entry(process: p.name, label: l.name, count: n, range: l.range))
            }
        }
        return Coverage(entries: out)
    }

    // MARK: search

    /// The search the plan chose (both breadth-first layouts share the level loop).
    func search() -> Verdict {
        if let t = options.transport { return distributedSearch(t) }
        switch plan {
        case .depthFirst: return depthFirstSearch()
        case .partitioned, .sharedTable: return levelSynchronousBFS()
        }
    }

    /// Packs (and under symmetry canonicalises) each initial state in turn; `body` gets
    /// its index among the initial states and may end the run with a verdict.
    func forEachInitialState(_ body: (Int, UnsafeMutableRawPointer) -> Verdict?) -> Verdict? {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        let inits = traces.initialStates()
        if inits.count > 1 << 20 {
            return .incomplete(reason: "more than 1,048,576 initial states")
        }
        for (k, values) in inits.enumerated() {
            guard engine.pack(values, into: buf) else {
                return .incomplete(reason: "an initial value is outside its type")
            }
            symmetry?.canonicalize(buf)
            initialGenerated += 1   // as TLC and SPIN count: initial states are generated too
            if let v = body(k, buf) { return v }
        }
        return nil
    }

    /// `memory`: the stores' figure; `growth`: what they may allocate before the next
    /// check (see `memoryLimitReason`).
    func limitReason(distinct: Int, memory: Int, growth: Int = 0) -> String? {
        if let m = options.maxStates, distinct > m { return "--max-states \(m) reached" }
        if distinct >= StateStore.maxStates { return "the state store is full (2^32 states)" }
        if let r = memoryLimitReason(estimate: memory, growth: growth) { return r }
        return runLimitReason(start: start, timeLimit: options.timeLimit, shouldStop: options.shouldStop,
                              progress: options.progress, lastProgress: &lastProgress) { now in
            var s = stats
            s.distinct = distinct
            s.elapsedSeconds = now.timeIntervalSince(start)
            s.memoryBytes = memory
            return s
        }
    }

    /// An unreached `reachable` property (found by no worker), or holds.
    func reachablesVerdict() -> Verdict {
        for i in reachableIndices where !workers.contains(where: { $0.reachableFound[i] }) {
            let r = model.reachables[i]
            return .violated(Violation(kind: .unreachable, property: r.name,
                                       message: "no reachable state satisfies reachable \(r.name)",
                                       range: r.range, trace: nil, failedInsideStep: false))
        }
        return .holds
    }

    func isDeadlock(_ s: UnsafeRawPointer) -> Bool {
        for inst in engine.instances {
            let pc = engine.load(s, inst.pcSlot)
            if pc == inst.doneLabel { continue }
            if model.processes[inst.process].labels[Int(pc)].isEnd { continue }
            return true
        }
        return false
    }
}

/// The stops a search (`Explorer.limitReason`, between rounds) and a simulation (between
/// walks) share: `--time-limit`, counted from `start`, and an interrupt (`shouldStop`).
/// When neither stops the run and 2 s have passed since `lastProgress`, reports progress
/// with the figures `figures(now)` makes. Returns the reason to stop, or nil.
func runLimitReason<Figures>(start: Date, timeLimit: Double?, shouldStop: (@Sendable () -> Bool)?,
                             progress: (@Sendable (Figures) -> Void)?, lastProgress: inout Date,
                             figures: (Date) -> Figures) -> String? {
    let now = Date()
    if let t = timeLimit, now.timeIntervalSince(start) > t { return "--time-limit \(t) s reached" }
    if shouldStop?() == true { return "interrupted" }
    if let p = progress, now.timeIntervalSince(lastProgress) >= 2 {
        lastProgress = now
        p(figures(now))
    }
    return nil
}
