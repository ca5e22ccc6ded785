import Foundation
import WeaveSource
import WeaveIR
import WeaveExplorer
import WeaveReport

/// What `weave simulate` was asked, as the command line gave it.
public struct SimulateRequest: Sendable {
    /// What `weave check` is asked too: the model, its properties, the output.
    public var search: SearchRequest
    public var seed: UInt64
    public var walks: Int
    public var depth: Int
    public init(search: SearchRequest = SearchRequest(), seed: UInt64 = 0, walks: Int = 1000, depth: Int = 1000) {
        self.search = search; self.seed = seed; self.walks = walks; self.depth = depth
    }
}

extension Driver {
    /// A found trace is shortened by a breadth-first search for the same property bounded
    /// by the walk's length, within these limits (past them the walk's trace is shown).
    public static let simulateShortenStates = 1_000_000
    public static let simulateShortenSeconds = 20.0
    /// Successor computations the minimisation of the shortened trace may spend (a tenth of
    /// `weave check`'s: a simulated model is one too large to search, and this search is
    /// over its states too).
    public static let simulateMinimizeBudget = 20_000

    /// The sentence of a run that found nothing: what was sampled, and that it proves nothing.
    public static func sampledText(walks: Int, depth: Int, seed: UInt64) -> String {
        "NO VIOLATION FOUND in \(walks) walk\(walks == 1 ? "" : "s") of at most \(depth) step\(depth == 1 ? "" : "s") (seed \(seed)): a random search, not a proof"
    }

    /// What random simulation never checks (said in every report).
    static let simulateNotChecked = "liveness and reachable properties are not checked by random simulation"

    /// `weave simulate`: seeded random walks checking the safety properties `weave check`
    /// checks. Exit 0: no violation in the walks (a sample: never "holds"); 11/12: a
    /// violation, confirmed by replaying its trace, printed as `weave check` prints one;
    /// 10: a limit or an interrupt stopped the walks early.
    public static func simulate(_ r: SimulateRequest, io: Output) throws(CheckRequest.UsageError) -> WeaveExit {
        let format = try r.search.validated()
        if r.walks < 1 { throw CheckRequest.UsageError("--walks must be at least 1") }
        if r.depth < 1 { throw CheckRequest.UsageError("--depth must be at least 1") }
        let loaded = load(r.search.model, overrides: r.search.overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else { return loaded.exit }
        for w in warnings { io.err(w.rendered() + "\n") }
        if let traceOut = r.search.traceOut, let why = outputClash([("--trace-out", traceOut)], inputs: source.paths) {
            io.err("weave: \(why)\n")
            return .usage
        }
        var o = SimulationOptions()
        o.seed = r.seed
        o.walks = r.walks
        o.depth = r.depth
        o.timeLimit = r.search.timeLimit
        o.checkDeadlock = !r.search.noDeadlock
        o.maxStepInstructions = r.search.maxStepInstructions
        if !r.search.properties.isEmpty {
            let known = model.propertyNames
            for u in Set(r.search.properties).subtracting(known).sorted() {
                let hint = Spelling.suggestion(for: u, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                io.err("weave: no property named '\(u)'\(hint)\n")
                io.err("the model's properties: \(known.joined(separator: ", "))\n")
                return .usage
            }
            let unsampled = Set(model.liveness.map(\.name) + model.reachables.map(\.name))
            if let p = r.search.properties.first(where: unsampled.contains) {
                io.err("weave: --property \(p): \(simulateNotChecked); use weave check\n")
                return .usage
            }
            if r.search.noDeadlock && r.search.properties.contains(Model.deadlockProperty) {
                io.err("weave: --property deadlock asks for deadlock and --no-deadlock turns it off: drop one of the two flags\n")
                return .usage
            }
            o.properties = .only(Set(r.search.properties))
        }
        if model.processes.isEmpty {
            io.err("weave: nothing to simulate: the model has no process (no step can ever be taken)\n")
            return .modelError
        }
        if let why = tooManyInitialStates(model) {
            io.err("weave: \(why)\n")
            return r.search.overrides.isEmpty ? .modelError : .usage
        }
        Interrupt.install(io: io)
        o.shouldStop = { Interrupt.requested }
        if !r.search.quiet {
            o.progress = { s in
                io.err("progress walks=\(s.walks) steps=\(s.steps) distinct=\(s.distinct) rate=\(Int(s.walksPerSecond)) walks/s\n")
            }
        }
        let simulator: Simulator
        do { simulator = try Simulator(model: model, options: o) } catch {
            io.err("weave: \(error.description)\n")
            return r.search.overrides.isEmpty ? .modelError : .usage
        }
        let result = simulator.run()
        let reporter = Reporter(model: model, branches: Driver.stepBranches(model))
        let head = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        let s = result.statistics
        let figures = "simulate: \(s.walks) walk\(s.walks == 1 ? "" : "s"), \(s.steps) steps, \(s.distinct)\(s.distinctCapped ? "+" : "") distinct states, "
            + "\(s.terminated) walk\(s.terminated == 1 ? "" : "s") ended with no step enabled; \(String(format: "%.2f", s.elapsedSeconds)) s "
            + "(\(Int(s.walksPerSecond)) walks/s, \(Int(s.stepsPerSecond)) steps/s); seed \(r.seed)\n"
            + "not checked: \(simulateNotChecked)\n"
        func sampledJSON(_ verdict: String, _ extra: [(String, JSON)]) -> JSON {
            .object([("model", .string(model.name)),
                     ("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) })),
                     ("engine", .string("simulate")), ("verdict", .string(verdict))] + extra + statisticsJSON(s, r))
        }
        switch result.outcome {
        case .noViolation:
            if format == .json {
                io.out(sampledJSON("sampled", []).serialized(pretty: true) + "\n")
            } else {
                io.out(head + sampledText(walks: s.walks, depth: r.depth, seed: r.seed) + "\n" + figures)
            }
            if let traceOut = r.search.traceOut { io.err("weave: no trace written to '\(traceOut)': the walks found no violation\n") }
            return .holds
        case .incomplete(let why):
            if format == .json {
                io.out(sampledJSON("incomplete", [("reason", .string(why))]).serialized(pretty: true) + "\n")
            } else {
                io.out(head + "INCOMPLETE: \(why); no violation found in the \(s.walks) walk\(s.walks == 1 ? "" : "s") run\n" + figures)
            }
            if let traceOut = r.search.traceOut { io.err("weave: no trace written to '\(traceOut)': the walks found no violation\n") }
            return .incomplete
        case .violated(let found, let walk, let walkSteps):
            let shown: Shortened
            switch confirmAndShorten(found, model: model, properties: o.properties, minimize: !r.search.noMinimize) {
            case .failure(let why):
                // Never report what does not replay.
                io.err("weave: internal error: walk \(walk) (seed \(r.seed)) found \(found.property), but its trace does not replay: \(why)\n")
                return .internalError
            case .success(let x): shown = x
            }
            let v = shown.violation
            guard let t = v.trace else { return .internalError }
            let origin = "found by random walk \(walk + 1) of seed \(r.seed) after \(walkSteps) step\(walkSteps == 1 ? "" : "s")"
                + (shown.shortest ? "; shortened by a breadth-first search for \(v.property) bounded by that length" : "")
            switch format {
            case .text:
                var out = head + "VIOLATED: \(v.message)\n"
                if let at = v.locationText { out += "  at \(at)\n" }
                let kind = shown.shortest ? "shortest trace" : "trace"
                out += "\n\(kind) (\(t.steps.count) step\(t.steps.count == 1 ? "" : "s"); \(origin)):\n"
                out += reporter.traceText(t, failedInsideStep: v.failedInsideStep)
                if v.kind == .deadlock {
                    out += "\n" + DeadlockExplanation.lines(model: model, trace: t).joined(separator: "\n") + "\n"
                }
                if let m = shown.note { out += m.text + "\n" }
                io.out(out + "\n" + figures)
            case .json:
                guard case .object(var kv) = reporter.json(result.checkResult(verdict: .violated(v))) else { return .internalError }
                // The explorer's figures mean other things here: the walks' replace them.
                let drop: Set<String> = ["states", "distinct", "queued", "depth", "elapsedSeconds", "statesPerSecond", "memoryBytes",
                                         "peakMemoryBytes", "visitedBytes", "stateBytes", "workers", "fingerprintOnly", "search"]
                kv = kv.filter { !drop.contains($0.0) }
                kv.insert(("engine", .string("simulate")), at: 2)
                kv += [("walk", .int(Int64(walk + 1))), ("walkSteps", .int(Int64(walkSteps))), ("shortest", .bool(shown.shortest))]
                kv += statisticsJSON(s, r)
                io.out(JSON.object(kv).serialized(pretty: true) + "\n")
            case .kernel, .mermaid:
                io.out(report(result.checkResult(verdict: .violated(v)), format: format, model: model, minimized: nil))
            }
            if let traceOut = r.search.traceOut,
               let failed = writeTrace(t, of: v, reporter: reporter, to: traceOut, format: format, io: io) {
                return failed
            }
            return exitCode(.violated(v))
        }
    }

    static func statisticsJSON(_ s: SimulationStatistics, _ r: SimulateRequest) -> [(String, JSON)] {
        [("seed", .string(String(r.seed))), ("walks", .int(Int64(s.walks))), ("depthBound", .int(Int64(r.depth))),
         ("steps", .int(Int64(s.steps))), ("distinct", .int(Int64(s.distinct))), ("distinctCapped", .bool(s.distinctCapped)),
         ("terminatedWalks", .int(Int64(s.terminated))), ("longestWalk", .int(Int64(s.longestWalk))),
         ("elapsedSeconds", .double(s.elapsedSeconds)), ("walksPerSecond", .double(s.walksPerSecond)),
         ("notChecked", .array([.string("liveness"), .string("reachable")]))]
    }

    /// A walk's violation as shown: the walk's own trace, or a shortest one of the same
    /// property found by a bounded breadth-first search (then minimised as `weave check`
    /// minimises its traces).
    public struct Shortened: Sendable {
        public let violation: Violation
        public let shortest: Bool
        public let note: MinimizeNote?
    }

    /// Replays the walk's trace through `StateSpace` (the trace tools' check: every step an
    /// outcome of the one before, ending in the violation); then, when `minimize`, looks for
    /// a shortest trace of the same property with a breadth-first search bounded by the
    /// walk's length (within `simulateShortenStates` and `simulateShortenSeconds`), which
    /// is replayed too. A failure means the walk's trace did not replay: never reported.
    public static func confirmAndShorten(_ v: Violation, model: Model, properties: PropertySelection,
                                         minimize: Bool) -> Result<Shortened, ReplayFailureMessage> {
        guard let t = v.trace else { return .failure(ReplayFailureMessage("the violation has no trace")) }
        let space: StateSpace
        do { space = try StateSpace(model: model, properties: properties) } catch {
            return .failure(ReplayFailureMessage(error.description))
        }
        let tools = TraceTools(space: space)
        let goal = TraceGoal(v, model: model)
        if let m = tools.check(t, goal: goal) { return .failure(ReplayFailureMessage(m.description)) }
        let walkOnly = Shortened(violation: v, shortest: false, note: nil)
        guard minimize else { return .success(walkOnly) }
        var o = CheckOptions()
        // A runtime error can come from any step or invariant: search with the run's selection.
        o.properties = v.kind == .runtimeError ? properties : .only([v.property])
        o.checkDeadlock = v.kind == .deadlock
        o.checkLiveness = false
        o.workers = 1
        o.maxDepth = t.steps.count + 1
        o.maxStates = simulateShortenStates
        o.timeLimit = simulateShortenSeconds
        o.shouldStop = { Interrupt.requested }
        guard let ex = try? Explorer(model: model, options: o) else { return .success(walkOnly) }
        var bfs = ex.run()
        guard case .violated(let b) = bfs.verdict, let bt = b.trace, b.kind == v.kind, b.property == v.property,
              v.kind != .runtimeError || b.message == v.message, bt.steps.count <= t.steps.count,
              tools.check(bt, goal: TraceGoal(b, model: model)) == nil else { return .success(walkOnly) }
        let note = minimizeTrace(&bfs, model: model, options: o, budget: simulateMinimizeBudget)
        guard case .violated(let m) = bfs.verdict, let mt = m.trace, tools.check(mt, goal: TraceGoal(m, model: model)) == nil else {
            return .success(Shortened(violation: b, shortest: true, note: nil))
        }
        return .success(Shortened(violation: m, shortest: true, note: note))
    }

    public struct ReplayFailureMessage: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}
