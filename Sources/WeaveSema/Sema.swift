import WeaveSource
import WeaveSyntax
import WeaveIR

/// The front end's entry points: from parsed files to a typed `Model`.
public enum Sema {
    /// Elaborates `source` for one setting of params and consts (`overrides`,
    /// as `--param`/`--const` give them). Returns the model and its warnings;
    /// throws every error found. `foldLog` receives every operation computed on constants.
    public static func elaborate(_ source: ModelSource, overrides: [String: String] = [:], lint: Bool = false,
                                 foldLog: FoldLog? = nil) throws(DiagnosticsError) -> (Model, [Diagnostic]) {
        let defaultName = source.root.file.path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? "model"
        let el = Elaborator(overrides: overrides, modelName: defaultName)
        el.lint = lint
        el.foldLog = foldLog
        let later = el.run(source)
        let procs = el.processes()
        var invariants: [StateProperty] = [], reachables: [StateProperty] = [], liveness: [LivenessProperty] = []
        var propNames = Set<String>()
        el.maxRegisters = 0
        for d in later {
            switch d {
            case .invariant(let n, let e), .reachable(let n, let e):
                if !propNames.insert(n.name).inserted {
                    el.diags.report(.duplicateProperty(name: n.name), at: n.range)
                }
                guard let x = el.cond(e) else { continue }
                if case .invariant = d { invariants.append(StateProperty(name: n.name, expr: x, range: n.range)) }
                else { reachables.append(StateProperty(name: n.name, expr: x, range: n.range)) }
            case .liveness(let n, let e):
                if !propNames.insert(n.name).inserted {
                    el.diags.report(.duplicateProperty(name: n.name), at: n.range)
                }
                if let l = el.liveness(n, e) { liveness.append(l) }
            default: break
            }
        }
        for name in el.assertNames where propNames.contains(name) {
            el.diags.report(.assertNamedLikeProperty(name: name), at: nil)
        }
        el.unusedWarnings()
        el.explainSymmetricTypeErrors()
        let errors = el.diags.items.filter { $0.severity == .error }
        if !errors.isEmpty {
            // The same error from every expansion of one macro is one error to the user.
            var seen = Set<String>()
            let unique = el.diags.items.filter { seen.insert($0.rendered()).inserted }
            // In source order (file, then position), as a reader goes through the model;
            // errors about settings (no position) first.
            var fileOrder: [ObjectIdentifier: Int] = [:]
            for d in unique {
                if let f = d.range?.file, fileOrder[ObjectIdentifier(f)] == nil { fileOrder[ObjectIdentifier(f)] = fileOrder.count }
            }
            func key(_ i: Int) -> (Int, Int, Int) {
                guard let r = unique[i].range else { return (-1, 0, i) }
                return (fileOrder[ObjectIdentifier(r.file)] ?? 0, r.start, i)
            }
            throw DiagnosticsError(unique.indices.sorted { key($0) < key($1) }.map { unique[$0] })
        }
        let model = Model(name: el.modelName, settings: el.settings, globals: el.globals, processes: procs,
                          invariants: invariants, reachables: reachables, liveness: liveness,
                          propertyBoundCount: el.maxRegisters, assertNames: el.assertNames,
                          overflowNames: el.overflowNames, symmetricTypes: el.symmetricTypes)
        return (model, el.diags.items + source.diagnostics)
    }

    /// The `expect` lines of the root file.
    public static func expectations(_ source: ModelSource) -> [Expectation] {
        var out: [Expectation] = []
        for d in source.root.decls {
            guard case .expect(let settings, let verdict, let range) = d else { continue }
            var runs: [[(String, String)]] = [[]]
            for s in settings {
                var next: [[(String, String)]] = []
                for r in runs {
                    for v in s.values { next.append(r + [(s.name.name, valueText(v))]) }
                }
                runs = next
            }
            let v: Expectation.Verdict
            switch verdict {
            case .holds(let ps): v = .holds(ps.map(propertyName))
            case .violated(let p): v = .violated(propertyName(p))
            case .proved(let ps): v = .proved(ps.map(propertyName))
            case .covered(let steps): v = .covered(steps)
            }
            out.append(Expectation(runs: runs, verdict: v, range: range))
        }
        return out
    }

    static func valueText(_ e: WeaveSyntax.Expr) -> String {
        switch e.kind {
        case .name(let n): return n
        case .integer(let v): return String(v)
        case .boolean(let b): return b ? "true" : "false"
        case .negate(let x): return "-" + valueText(x)
        default: return "?"
        }
    }

    static func propertyName(_ p: PropertyRef) -> String {
        switch p {
        case .name(let i): return i.name
        case .message(let s, _): return s
        case .overflow(let v): return Model.overflowProperty(v.name)
        case .deadlock: return Model.deadlockProperty
        }
    }
}

extension Elaborator {
    /// A boolean state predicate in property context (no current process).
    func cond(_ e: AExpr) -> IExpr? {
        guard let x = expr(e, Scope(), expected: .bool) else { return nil }
        guard x.type == .bool else {
            diags.report(.propertyNotBool(type: x.type.description), at: e.range)
            return nil
        }
        return x
    }

    func liveness(_ n: Ident, _ e: AExpr) -> LivenessProperty? {
        var scope = Scope()
        var quantified: [(bound: Int, type: IRType)] = []
        var body = e
        while case .quantifier(.forall, let v, let d, let inner) = body.kind {
            guard let dom = irDomain(d, scope), case .type(let t) = dom else {
                diags.report(.livenessQuantifierInfinite, at: body.range)
                return nil
            }
            let (s2, reg) = scope.binding(v.name, t)
            scope = s2
            noteRegisters(scope.nextRegister)
            quantified.append((reg, t))
            body = inner
        }
        func pred(_ x: AExpr) -> IExpr? {
            guard let p = expr(x, scope, expected: .bool) else { return nil }
            guard p.type == .bool else {
                diags.report(.expectedBool(found: p.type.description), at: x.range)
                return nil
            }
            return p
        }
        let form: LivenessProperty.Form
        switch body.kind {
        case .eventually(let p):
            guard let px = pred(p) else { return nil }
            form = .eventually(px)
        case .always(let inner):
            guard case .eventually(let p) = inner.kind else {
                diags.report(.alwaysWithoutEventually, at: body.range)
                return nil
            }
            guard let px = pred(p) else { return nil }
            form = .alwaysEventually(px)
        case .binary(.leadsto, let p, let q):
            guard let px = pred(p), let qx = pred(q) else { return nil }
            form = .leadsTo(px, qx)
        default:
            diags.report(.livenessShape, at: body.range)
            return nil
        }
        return LivenessProperty(name: n.name, quantified: quantified, form: form, boundCount: maxRegisters, range: n.range)
    }

    /// Resolves every process's index and locals, expands macros, then compiles bodies.
    func processes() -> [Process] {
        var expanded: [[Stmt]] = []
        var scopes: [Scope] = []
        var locals: [[Variable]] = []
        for (pi, p) in processDecls.enumerated() {
            var it: IRType? = nil
            if let (_, t) = p.index {
                it = resolveType(t)
                if let x = it, !x.isScalar || x.cardinality > 1024 {
                    diags.report(.processIndexTooLarge(type: x.description), at: t.range)
                    it = nil
                }
            }
            processIndexTypes.append(it)
            var scope = Scope()
            scope.process = ProcessID(pi)
            if let (v, _) = p.index, let it { scope.indexName = v.name; scope.indexType = it }
            var vars: [Variable] = []
            var types: [IRType?] = []
            var seen = Set<String>()
            var records: [String: RecordVar] = [:]
            for v in p.locals {
                if !seen.insert(v.name.name).inserted {
                    diags.report(.localDeclaredTwice(name: v.name.name), at: v.name.range)
                }
                if let lowered = recordVariable(v, scope: .constant) {
                    addRecordLocal(v, lowered, scope: &scope, vars: &vars, types: &types, records: &records)
                    continue
                }
                var x = variable(v, scope: .constant)
                x?.isGhost = v.isGhost
                x?.valueNames = valueNames(for: v.type)
                types.append(x?.type)
                if let x {
                    scope.locals[v.name.name] = (vars.count, x.type)
                    vars.append(x)
                } else {
                    vars.append(Variable(name: v.name.name, type: .bool, initial: [[0]], range: v.name.range))
                    poisoned.insert(v.name.name)
                }
            }
            localTypes.append(types)
            localNames.append(vars.map(\.name))
            recordLocals.append(records)
            locals.append(vars)
            scopes.append(scope)
            var current = ""
            let body = expand(p.body, current: &current, depth: 0)
            expanded.append(body)
            var names: [String] = []
            var labelSeen: [String: SourceRange] = [:]
            collectLabels(body) { l in
                if let prev = labelSeen[l.name.name] {
                    diags.report(.labelDeclaredTwice(label: l.name.name, process: p.name.name, first: prev.description), at: l.name.range)
                } else {
                    labelSeen[l.name.name] = l.name.range
                    names.append(l.name.name)
                }
            }
            if body.first?.label == nil {
                diags.report(.firstStatementNeedsLabel(process: p.name.name),
                            at: body.first?.range ?? p.name.range)
            }
            labelNames.append(names)
        }
        var out: [Process] = []
        for (pi, p) in processDecls.enumerated() {
            maxRegisters = 0
            var labelList: [Label] = []
            var seen = Set<String>()
            collectLabels(expanded[pi]) { if seen.insert($0.name.name).inserted { labelList.append($0) } }
            let b = CFGBuilder(self, ProcessID(pi), labelList: labelList)
            _ = b.compile(expanded[pi], b.doneNode, scopes[pi])   // entries are the label nodes
            let nodes = b.finish()
            let fair: FairnessKind = p.fairness == .weak ? .weak : p.fairness == .strong ? .strong : .unfair
            let proc = Process(name: p.name.name, indexType: processIndexTypes[pi], fairness: fair, locals: locals[pi],
                               labels: b.labels, nodes: nodes, boundCount: maxRegisters, range: p.name.range)
            // Params fold away branches, so a label can be unreachable for one design
            // only: report it when asked (weave parse), where the setting is explicit.
            if lint { warnUnreachableLabels(proc) }
            out.append(proc)
        }
        return out
    }

    func warnUnreachableLabels(_ p: Process) {
        let live = p.reachableLabels()
        for (i, l) in p.labels.enumerated() where !live.contains(i) {
            diags.report(.unreachableLabel(label: l.name, process: p.name), at: l.range)
        }
    }

    func unusedWarnings() {
        let fields = recordUnusedWarnings()
        for (i, g) in globals.enumerated() where !usedGlobals.contains(i) && !fields.contains(i) {
            diags.report(.unusedVariable(name: g.name), at: g.range)
        }
    }
}
