import WeaveIR
import WeaveSource

/// Rebuilds traces from a search's records and words its violations: the path to a
/// stored state (parents back to an initial state, outcome ordinals replayed forward),
/// the violation a `Candidate` stands for, and under symmetry a real run in place of a
/// path between representatives. Used once a search (any strategy) or the liveness pass
/// has found something; it holds references to the explorer's objects, not copies.
struct TraceRebuilder {
    let model: Model
    /// Worker 0's engine (rebuilding runs on the calling thread, after the search).
    let engine: Engine
    let symmetry: Symmetry?
    /// Every worker's partition: global id `g` is local id `g / count` of partition `g % count`.
    let partitions: [Partition]
    /// `CheckOptions.maxStepInstructions`, named in an engine-limit violation.
    let maxStepInstructions: Int
    /// Records fetched from other processes (DistributedSearch.swift), looked up first.
    var knownRecords: [UInt32: (parent: UInt32, ordinal: UInt32)] = [:]

    /// The (parent, ordinal) record of a global id.
    func record(_ g: UInt32) -> (parent: UInt32, ordinal: UInt32) {
        if let r = knownRecords[g] { return r }
        let n = UInt32(partitions.count)
        return partitions[Int(g % n)].record(Int(g / n))
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
            return Violation(kind: .deadlock, property: Model.deadlockProperty,
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
            return Violation(kind: .runtimeError, property: Model.runtimeErrorProperty, message: "run-time error: \(e.message)",
                             range: e.range, trace: t, failedInsideStep: false)
        case .step:
            var (t, s) = replayTrace(to: c.parent)
            defer { s.deallocate() }
            let scratch = Sink(stateBytes: engine.stateBytes)
            let o = Int(c.ordinal)
            guard let step = stepRecord(from: s, ordinal: o, scratch: scratch) else {
                return Violation(kind: .runtimeError, property: Model.runtimeErrorProperty, message: "internal: lost step",
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
                        ? "ran \(maxStepInstructions) instructions without reaching a label (a loop inside the step "
                            + "that never ends, or needs more); --max-step-instructions raises the limit"
                        : "forks more than 64 levels deep (either/choose inside one step), the engine's fixed limit"
                    return Violation(kind: .runtimeError, property: Explorer.engineLimitProperty, message: what,
                                     range: nil, trace: t, failedInsideStep: true)
                }
                let e = engine.sites[Int(site)]
                var v = Violation(kind: .runtimeError, property: Model.runtimeErrorProperty, message: "run-time error: \(e.message)",
                                  range: e.range, trace: t, failedInsideStep: true)
                v.expansion = e.expansion
                return v
            default:
                let name = engine.stepProperties[Int(scratch.details[o])]
                let isOverflow = Model.isOverflowProperty(name)
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

    /// "nfsd(0) waits at flush, worker waits at run".
    func blockedSummary(_ s: UnsafeRawPointer) -> String {
        var parts: [String] = []
        for (i, inst) in engine.instances.enumerated() {
            let pc = engine.load(s, inst.pcSlot)
            if pc == inst.doneLabel { continue }
            let l = model.processes[inst.process].labels[Int(pc)]
            if l.isEnd { continue }
            parts.append("\(engine.instanceNames[i]) is blocked at \(l.name)")
        }
        return parts.joined(separator: ", ")
    }

    /// Where a run that no fair process can continue ends: "p is blocked at s" for an
    /// instance with no enabled step, "q can move at t but is not fair" for one that is
    /// enabled but never has to move (it is not blocked).
    func stuckSummary(_ s: UnsafeRawPointer) -> String {
        let scratch = Sink(stateBytes: engine.stateBytes)
        engine.expand(s, into: scratch)
        var enabled = Set<Int>()
        for o in 0..<scratch.count { enabled.insert(Int(scratch.instances[o])) }
        var parts: [String] = []
        for (i, inst) in engine.instances.enumerated() {
            let pc = engine.load(s, inst.pcSlot)
            if pc == inst.doneLabel { continue }
            let l = model.processes[inst.process].labels[Int(pc)]
            if enabled.contains(i) {
                parts.append("\(engine.instanceNames[i]) can move at \(l.name) but is not fair")
            } else if !l.isEnd {
                parts.append("\(engine.instanceNames[i]) is blocked at \(l.name)")
            }
        }
        return parts.joined(separator: ", ")
    }

    // MARK: traces

    /// The path from an initial state to global id `id` (a store id in a one-worker exact search).
    func trace(to id: Int) -> Trace {
        let (t, s) = replayTrace(to: UInt32(id))
        s.deallocate()
        return t
    }

    /// Appends the step `ordinal` of stored state `from` (re-expanded) to a trace (a one-worker exact search).
    func appendStep(_ t: inout Trace, from: Int, ordinal: Int) {
        let scratch = Sink(stateBytes: engine.stateBytes)
        guard let step = stepRecord(from: partitions[0].exact.unsafelyUnwrapped.state(from), ordinal: ordinal, scratch: scratch)
        else { return }
        t.steps.append(step)
        t.states.append(engine.unpack(scratch.state(ordinal)))
    }

    /// The values of every initial state (at most 2^20 and one, then the search stops).
    func initialStates() -> [[Int64]] {
        let perSlot = model.initialSlotChoices()
        var out: [[Int64]] = [[]]
        for choices in perSlot {
            if choices.count == 1 {
                for i in out.indices { out[i].append(choices[0]) }
            } else {
                out = out.flatMap { prefix in choices.map { prefix + [$0] } }
            }
            if out.count > 1 << 20 { break }
        }
        return out
    }

    /// Under symmetry the store holds representatives, and a path between them is not an
    /// execution (each step lands in the orbit of a successor, not on it). This rebuilds a
    /// real one: from an initial state in the first state's orbit, each step takes the
    /// successor of the real state whose representative is the recorded one; a failing
    /// last step is the step of the real state that fails the same way. Properties are
    /// symmetric, so every message is recomputed for the real states.
    func realVerdict(_ verdict: Verdict) -> Verdict {
        guard let symmetry, case .violated(let v) = verdict, let t = v.trace, let first = t.states.first else { return verdict }
        let bytes = engine.stateBytes
        let buf = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        defer { buf.deallocate() }
        let parent = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        defer { parent.deallocate() }
        func rep(_ values: [Int64]) -> [UInt64]? {
            guard engine.pack(values, into: buf) else { return nil }
            return symmetry.representative(buf)
        }
        // A real initial state in the orbit of the trace's first state.
        guard let target0 = rep(first),
              let real0 = initialStates().first(where: { rep($0) == target0 }) else { return verdict }
        var real = Trace(states: [real0], steps: [])
        let scratch = Sink(stateBytes: bytes)
        let reachedCount = v.failedInsideStep ? t.states.count - 1 : t.states.count
        var failedInstance: Int? = nil

        func stepName(_ o: Int, _ s: UnsafeRawPointer) -> TraceStep {
            traceStep(instance: Int(scratch.instances[o]), from: s)
        }
        for k in 0..<max(0, t.states.count - 1) {
            guard let last = real.states.last, engine.pack(last, into: parent) else { return verdict }
            engine.expand(parent, into: scratch)
            let isFailing = k + 1 >= reachedCount
            var found = false
            if isFailing {
                for o in 0..<scratch.count {
                    let matches: Bool
                    switch scratch.kinds[o] {
                    case .state: matches = false
                    case .violation: matches = engine.stepProperties[Int(scratch.details[o])] == v.property
                    case .error:
                        let site = engine.sites[Int(scratch.details[o])]
                        matches = v.kind == .runtimeError && v.message == "run-time error: \(site.message)"
                    }
                    guard matches else { continue }
                    real.steps.append(stepName(o, parent))
                    real.states.append(engine.unpack(scratch.state(o)))
                    failedInstance = Int(scratch.instances[o])
                    found = true
                    break
                }
            } else {
                guard let target = rep(t.states[k + 1]) else { return verdict }
                for o in 0..<scratch.count where scratch.kinds[o] == .state {
                    let succ = scratch.state(o)
                    if symmetry.representative(succ) == target {
                        real.steps.append(stepName(o, parent))
                        real.states.append(engine.unpack(succ))
                        found = true
                        break
                    }
                }
            }
            guard found else { return verdict }
        }
        real.loopStart = t.loopStart
        var message = v.message
        switch v.kind {
        case .assertion, .overflow:
            if let i = failedInstance, let canon = t.steps.last.flatMap({ instanceIndex($0) }) {
                let (c, r) = (engine.instanceNames[canon], engine.instanceNames[i])
                message = message.replacingOccurrences(of: " fails in \(c)", with: " fails in \(r)")
                    .replacingOccurrences(of: ": \(c) pushes", with: ": \(r) pushes")
            }
        case .deadlock:
            if let last = real.states.last, engine.pack(last, into: buf) {
                message = "deadlock: no step is enabled, and " + blockedSummary(buf)
            }
        default: break
        }
        var shown = Violation(kind: v.kind, property: v.property, message: message, range: v.range,
                              trace: real, failedInsideStep: v.failedInsideStep)
        shown.expansion = v.expansion
        return .violated(shown)
    }

    /// The engine's instance index of a trace step's process instance.
    func instanceIndex(_ s: TraceStep) -> Int? {
        engine.instances.firstIndex { $0.process == s.process.index && $0.k == s.instance }
    }
}
