import WeaveIR

/// A deadlock explained as lockdep explains one: for each blocked process, the condition
/// it waits on, the variables that condition reads and who set each last (the holder
/// of the lock, the worker it waits for), and the cycle of waits when there is one.
public enum DeadlockExplanation {
    /// One blocked process instance.
    public struct Wait: Sendable {
        public let instance: String
        public let label: String
        /// The `await` conditions of the step it is blocked at, as the model's expressions.
        public let conditions: [String]
        /// (variable, value now, who set it last: "nfsd(0) at step 3", or nil if never).
        public let setters: [(variable: String, value: String, by: String?, step: Int?)]
        /// The instances it waits for (the last writers of what its conditions read).
        public let waitsFor: [String]
    }

    /// The waits of the trace's last state and a cycle among them, if any.
    public static func explain(model: Model, trace t: Trace) -> (waits: [Wait], cycle: [String]) {
        guard let last = t.states.last else { return ([], []) }
        let view = StateView(model: model)
        let layout = view.layout
        var waits: [Wait] = []
        for (pi, p) in model.processes.enumerated() {
            for k in 0..<p.instanceCount {
                let base = layout.instanceBase[pi][k]
                guard base < last.count else { continue }
                let pc = Int(last[base])
                guard pc < p.labels.count, !p.labels[pc].isEnd else { continue }
                let inst = p.instanceName(k)
                let awaits = awaitsOfStep(p, LabelID(pc))
                var reads: [ExprText.Read] = []
                for a in awaits {
                    for r in ExprText.reads(a, model: model, process: pi, instance: k)
                    where !reads.contains(where: { $0.name == r.name && $0.indexKey == r.indexKey }) { reads.append(r) }
                }
                var setters: [(String, String, String?, Int?)] = []
                var waitsFor: [String] = []
                let entries = Dictionary(layout.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                // What the step writes before it waits: an index read from one of these has
                // another value at the await than in the state shown.
                let written = writtenInStep(p, LabelID(pc), model: model, instance: k)
                var places: [(Int, Int, String, IRType, ValueNames?)] = []
                for r in reads {
                    guard let e = entries[r.name] else { continue }
                    // One element of an array when its index is known here (the lock
                    // i_rwsem[0], not the whole array); every element that the trace set
                    // when the index is not known; else the whole variable.
                    if let ix = r.index, case .array(let it, let el) = e.type {
                        let ixReads = Set(ExprText.reads(ix, model: model, process: pi, instance: k).map(\.name))
                        if ixReads.isDisjoint(with: written),
                           let v = ExprText.simpleValue(ix, process: pi, instance: k, state: last, layout: layout, model: model), it.contains(v) {
                            places.append((e.offset + Int(v - it.lowerBound) * el.slotCount, el.slotCount, "\(r.name)[\(it.format(v))]", el, e.valueNames))
                            continue
                        }
                        let first = t.states.first ?? last
                        for j in 0..<Int(it.cardinality) {
                            let lo = e.offset + j * el.slotCount
                            guard lo + el.slotCount <= last.count, lo + el.slotCount <= first.count,
                                  first[lo..<(lo + el.slotCount)] != last[lo..<(lo + el.slotCount)] else { continue }
                            places.append((lo, el.slotCount, "\(r.name)[\(it.format(it.lowerBound + Int64(j)))]", el, e.valueNames))
                        }
                        continue
                    }
                    // A variable the step sets before it waits has another value there than here.
                    if written.contains(r.name) { continue }
                    places.append((e.offset, e.type.slotCount, r.name, e.type, e.valueNames))
                }
                for (lo, n, shown, type, names) in places {
                    var by: String? = nil
                    var at: Int? = nil
                    for i in stride(from: t.steps.count - 1, through: 0, by: -1) where i + 1 < t.states.count {
                        let a = t.states[i], b = t.states[i + 1]
                        if lo + n <= a.count, lo + n <= b.count, a[lo..<(lo + n)] != b[lo..<(lo + n)] {
                            let s = t.steps[i]
                            by = model.processes[s.process.index].instanceName(s.instance)
                            at = i + 1
                            break
                        }
                    }
                    let value = lo + n <= last.count ? type.format(slots: last[lo..<(lo + n)], names: names) : "?"
                    setters.append((shown, value, by, at))
                    if let by, by != inst, !waitsFor.contains(by) { waitsFor.append(by) }
                }
                waits.append(Wait(instance: inst, label: p.labels[pc].name,
                                  conditions: awaits.map { "await " + ExprText.text($0, model: model, process: pi) },
                                  setters: setters, waitsFor: waitsFor))
            }
        }
        return (waits, cycle(waits))
    }

    /// The variables (as the trace names them) a step assigns anywhere along its paths.
    static func writtenInStep(_ p: Process, _ label: LabelID, model: Model, instance: Int) -> Set<String> {
        guard let pi = model.processes.firstIndex(where: { $0.name == p.name }) else { return [] }
        var out = Set<String>()
        func place(_ pl: Place) {
            let e = Expr(.read(Place(root: pl.root, path: [], type: pl.type)), pl.type, nil)
            for r in ExprText.reads(e, model: model, process: pi, instance: instance) { out.insert(r.name) }
        }
        for n in nodesOfStep(p, label) {
            switch p.nodes[n].kind {
            case .assign(let pl, _, _), .fill(let pl, _, _), .push(let pl, _, _, _): place(pl)
            case .copy(let to, _, _): place(to)
            case .pop(let q, let into, _): place(q); if let into { place(into) }
            default: break
            }
        }
        return out
    }

    /// The nodes on the paths of the step that starts at `label` (up to the next labels).
    static func nodesOfStep(_ p: Process, _ label: LabelID) -> [NodeID] {
        var out: [NodeID] = []
        var seen = Set<NodeID>()
        var stack = [p.labels[label.index].entry]
        while let n = stack.popLast() {
            guard n < p.nodes.count, seen.insert(n).inserted else { continue }
            out.append(n)
            for s in p.successors(n) where s < p.nodes.count && p.labelAt[s] == nil { stack.append(s) }
        }
        return out
    }

    /// The `await` conditions on the paths of the step that starts at `label`.
    static func awaitsOfStep(_ p: Process, _ label: LabelID) -> [Expr] {
        nodesOfStep(p, label).compactMap { n in
            if case .await(let e, _) = p.nodes[n].kind { return e }
            return nil
        }
    }

    /// A cycle of waits among blocked instances (first found, in instance order).
    static func cycle(_ waits: [Wait]) -> [String] {
        let edges = Dictionary(waits.map { ($0.instance, $0.waitsFor) }, uniquingKeysWith: { a, _ in a })
        for start in waits.map(\.instance) {
            var path = [start]
            var cur = start
            var visited = Set([start])
            while let next = edges[cur]?.first(where: { edges[$0] != nil }) {
                if next == start { return path + [start] }
                if !visited.insert(next).inserted { break }
                path.append(next)
                cur = next
            }
        }
        return []
    }

    /// The explanation as report lines (indented by two spaces, within 80 columns where the
    /// names allow).
    public static func lines(model: Model, trace t: Trace) -> [String] {
        let (waits, cycle) = explain(model: model, trace: t)
        guard !waits.isEmpty else { return [] }
        var out = ["who waits for whom:"]
        for w in waits {
            let cond = w.conditions.isEmpty ? "" : ": " + w.conditions.joined(separator: " or ")
            out.append("  \(w.instance) is blocked at \(w.label)\(cond)")
            for s in w.setters {
                let who = s.by.map { " (set by \($0) at step \(s.step ?? 0))" } ?? " (initial value)"
                out.append("    \(s.variable) = \(s.value)\(who)")
            }
        }
        if cycle.count > 2 {
            out.append("  cycle: " + cycle.joined(separator: " -> "))
        }
        return out
    }
}

/// Model expressions printed as the language writes them, with the model's names.
enum ExprText {
    static func text(_ e: Expr, model: Model, process: Int) -> String {
        func place(_ p: Place) -> String {
            var s: String
            switch p.root {
            case .global(let g): s = model.globals[g.index].name
            case .local(let pid, let inst, let i):
                let name = model.processes[pid.index].locals[i].name
                s = inst.map { "\(model.processes[pid.index].name)(\(text($0, model: model, process: process))).\(name)" } ?? name
            }
            for ix in p.path { s += "[\(text(ix, model: model, process: process))]" }
            return s
        }
        func sub(_ x: Expr) -> String {
            switch x.op {
            case .binary, .conditional: return "(" + text(x, model: model, process: process) + ")"
            default: return text(x, model: model, process: process)
            }
        }
        switch e.op {
        case .literal(let v): return e.type.format(v)
        case .read(let p): return place(p)
        case .selfIndex: return "self"
        case .bound(let i): return "v\(i)"
        case .unary(let op, let a):
            switch op {
            case .not: return "!" + sub(a)
            case .negate: return "-" + sub(a)
            case .size: return "size(\(text(a, model: model, process: process)))"
            }
        case .binary(let op, let a, let b):
            let sym: String
            switch op {
            case .union: sym = "+"
            case .intersect: sym = "&"
            case .difference: sym = "-"
            case .subset: sym = "<="
            default: sym = op.rawValue
            }
            return "\(sub(a)) \(sym) \(sub(b))"
        case .conditional(let c, let a, let b): return "if \(sub(c)) then \(sub(a)) else \(sub(b))"
        case .setOf(let xs, _): return "{" + xs.map { text($0, model: model, process: process) }.joined(separator: ", ") + "}"
        case .length(let p): return "len(\(place(p)))"
        case .head(let p): return "head(\(place(p)))"
        case .elementOf(let x, let p): return "\(sub(x)) in \(place(p))"
        case .quantifier(let q, let i, _, let body): return "\(q.rawValue) v\(i): \(text(body, model: model, process: process))"
        case .at(let pid, let inst, let l):
            let p = model.processes[pid.index]
            let who = inst.map { "\(p.name)(\(text($0, model: model, process: process)))" } ?? p.name
            return "at(\(who), \(p.labelName(l)))"
        }
    }

    /// A variable an expression reads (as the trace names it), and the index of the
    /// element it reads when it is an array indexed once.
    struct Read {
        let name: String
        let index: Expr?
        /// The index expression's structure, to tell two reads apart.
        var indexKey: String { index.map { String(describing: $0.op) } ?? "" }
    }

    /// The value of an index expression that is a literal, a scalar global or a scalar
    /// local of the instance itself, in `state`; nil for anything else.
    static func simpleValue(_ e: Expr, process: Int, instance: Int, state: [Int64], layout: Layout,
                            model: Model? = nil) -> Int64? {
        func sub(_ x: Expr) -> Int64? { simpleValue(x, process: process, instance: instance, state: state, layout: layout, model: model) }
        switch e.op {
        case .literal(let v): return v
        case .selfIndex:
            guard let t = model?.processes[process].indexType else { return nil }
            return t.lowerBound + Int64(instance)
        case .binary(let op, let a, let b) where op == .add || op == .sub || op == .mul:
            guard let x = sub(a), let y = sub(b) else { return nil }
            let (r, o) = op == .add ? x.addingReportingOverflow(y) : op == .sub ? x.subtractingReportingOverflow(y) : x.multipliedReportingOverflow(by: y)
            return o ? nil : r
        case .read(let p) where p.path.isEmpty && p.type.slotCount == 1:
            let offset: Int
            switch p.root {
            case .global(let g): offset = layout.globalOffsets[g.index]
            case .local(let pid, nil, let i) where pid.index == process:
                offset = layout.instanceBase[process][instance] + layout.localOffsets[process][i]
            default: return nil
            }
            return offset < state.count ? state[offset] : nil
        default: return nil
        }
    }

    /// The variables an expression of instance `instance` of process `process` reads:
    /// globals by name, its own locals as `inst.name`, another process's locals for every
    /// instance.
    static func reads(_ e: Expr, model: Model, process: Int, instance: Int) -> [Read] {
        var out: [Read] = []
        func add(_ s: String, _ index: Expr? = nil) { out.append(Read(name: s, index: index)) }
        func place(_ p: Place) {
            let index = p.path.count == 1 ? p.path[0] : nil
            switch p.root {
            case .global(let g): add(model.globals[g.index].name, index)
            case .local(let pid, let inst, let i):
                let proc = model.processes[pid.index]
                if inst == nil && pid.index == process {
                    add("\(proc.instanceName(instance)).\(proc.locals[i].name)", index)
                } else {
                    for k in 0..<proc.instanceCount { add("\(proc.instanceName(k)).\(proc.locals[i].name)", index) }
                }
                if let inst { walk(inst) }
            }
            for ix in p.path { walk(ix) }
        }
        func walk(_ x: Expr) {
            switch x.op {
            case .literal, .selfIndex, .bound: break
            case .read(let p), .length(let p), .head(let p): place(p)
            case .unary(_, let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .conditional(let c, let a, let b): walk(c); walk(a); walk(b)
            case .setOf(let xs, _): xs.forEach(walk)
            case .elementOf(let a, let p): walk(a); place(p)
            case .quantifier(_, _, let d, let body):
                if case .set(let s, _) = d { walk(s) }
                walk(body)
            case .at(let pid, let inst, _):
                let proc = model.processes[pid.index]
                if let inst { walk(inst); for k in 0..<proc.instanceCount { add("\(proc.instanceName(k)).pc") } }
                else { add("\(proc.instanceName(0)).pc") }
            }
        }
        walk(e)
        return out
    }
}

/// What a step read where the read decides: the variables its `await` and branch
/// conditions read, with their values before the step. Shown for a step that changes
/// nothing but its pc (`llist_del_all()` finding the list empty would otherwise show
/// nothing at all).
public enum StepReads {
    /// What the step that starts at `label` reads, in path order: its conditions (awaits
    /// and branches) and the values it assigns or copies from.
    static func conditions(_ p: Process, _ label: LabelID) -> [Expr] {
        DeadlockExplanation.nodesOfStep(p, label).compactMap { n in
            switch p.nodes[n].kind {
            case .await(let e, _), .branch(let e, _, _), .assign(_, let e, _), .push(_, let e, _, _): return e
            case .copy(_, let from, _): return Expr(.read(from), from.type, nil)
            default: return nil
            }
        }
    }

    /// `x = v` for each variable (or array element, when its index is known) that step
    /// `i` of `t` read in a condition, valued in the state before the step.
    public static func reads(_ view: StateView, trace t: Trace, step i: Int, local: String? = nil) -> [String] {
        let model = view.model
        guard i < t.steps.count, i < t.states.count else { return [] }
        let s = t.steps[i]
        let pi = s.process.index, k = s.instance
        let p = model.processes[pi]
        guard s.label.index < p.labels.count else { return [] }
        let layout = view.layout
        let before = t.states[i]
        let entries = Dictionary(layout.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = []
        // What the step itself sets is its result, not what decided it: left out when the
        // step read anything else.
        let written = DeadlockExplanation.writtenInStep(p, s.label, model: model, instance: k)
        var readNames: [ExprText.Read] = []
        for c in conditions(p, s.label) {
            for r in ExprText.reads(c, model: model, process: pi, instance: k) where !readNames.contains(where: { $0.name == r.name && $0.indexKey == r.indexKey }) {
                readNames.append(r)
            }
        }
        let unwritten = readNames.filter { !written.contains($0.name) }
        for r in unwritten.isEmpty ? readNames : unwritten {
            do {
                guard let e = entries[r.name], e.pcOf == nil else { continue }
                var text: String
                if let ix = r.index, case .array(let it, let el) = e.type,
                   let v = ExprText.simpleValue(ix, process: pi, instance: k, state: before, layout: layout, model: model), it.contains(v) {
                    let lo = e.offset + Int(v - it.lowerBound) * el.slotCount
                    guard lo + el.slotCount <= before.count else { continue }
                    text = "\(r.name)[\(it.format(v))] = \(el.format(slots: before[lo..<(lo + el.slotCount)], names: e.valueNames))"
                } else {
                    text = "\(r.name) = \(view.format(e, before))"
                }
                if let local, text.hasPrefix(local + ".") { text = String(text.dropFirst(local.count + 1)) }
                if !out.contains(text) { out.append(text) }
            }
        }
        return out
    }
}
