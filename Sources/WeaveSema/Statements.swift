import WeaveSource
import WeaveSyntax
import WeaveIR

extension Elaborator {
    // MARK: macro expansion

    /// Expands macro calls in place, renaming macro labels `OUTER.INNER` after the
    /// label of the step the call sits in.
    func expand(_ stmts: [Stmt], current: inout String, depth: Int) -> [Stmt] {
        var out: [Stmt] = []
        for s in stmts {
            if let l = s.label { current = l.name.name }
            switch s.kind {
            case .call(let f, let args):
                guard case .macro(let params, let body, _) = symbols[f.name] else {
                    out.append(s)
                    continue
                }
                guard depth < 32 else {
                    diags.report(.macroTooDeep(name: f.name), at: s.range)
                    continue
                }
                guard countExpansion("macro '\(f.name)'", at: s.range) else { continue }
                guard params.count == args.count else {
                    diags.report(.macroArgumentCount(name: f.name, expected: params.count, found: args.count), at: s.range)
                    continue
                }
                var map: [String: AExpr] = [:]
                for (p, a) in zip(params, args) { map[p.name] = a }
                var labels = Set<String>()
                collectLabels(body) { labels.insert($0.name.name) }
                let sub = Substitution(map, prefix: current, labels: labels)
                var inner = tagged(expand(sub.stmts(body), current: &current, depth: depth + 1),
                                   ExpansionSite(macro: f.name, call: s.range))
                if let l = s.label {
                    if inner.first?.label != nil || inner.isEmpty {
                        var skip = Stmt(kind: .skip, range: s.range)
                        skip.label = l
                        inner.insert(skip, at: 0)
                    } else {
                        inner[0].label = l
                    }
                }
                out += inner
            case .conditional(let arms, let els):
                var arms2: [(AExpr, [Stmt])] = []
                for (c, b) in arms { arms2.append((c, expand(b, current: &current, depth: depth))) }
                let els2 = els.map { expand($0, current: &current, depth: depth) }
                out.append(rebuilt(Stmt(kind: .conditional(arms2, els2), range: s.range), from: s))
            case .loop(let c, let body):
                out.append(rebuilt(Stmt(kind: .loop(c, expand(body, current: &current, depth: depth)), range: s.range), from: s))
            case .either(let bs):
                var bs2: [[Stmt]] = []
                for b in bs { bs2.append(expand(b, current: &current, depth: depth)) }
                out.append(rebuilt(Stmt(kind: .either(bs2), range: s.range), from: s))
            case .choose(let v, let d, let body):
                out.append(rebuilt(Stmt(kind: .choose(v, d, expand(body, current: &current, depth: depth)), range: s.range), from: s))
            default:
                out.append(s)
            }
        }
        return out
    }

    private func relabel(_ s: Stmt, _ l: Label?) -> Stmt {
        var t = s
        t.label = l
        return t
    }

    /// A rebuilt statement keeps the label and the expansion chain of the one it replaces.
    private func rebuilt(_ t: Stmt, from s: Stmt) -> Stmt {
        var u = relabel(t, s.label)
        u.expansion = s.expansion
        return u
    }

    /// Statements (and their nested bodies) marked as expanded from one more macro call.
    func tagged(_ stmts: [Stmt], _ site: ExpansionSite) -> [Stmt] {
        stmts.map { s in
            var t: Stmt
            switch s.kind {
            case .conditional(let arms, let els):
                t = Stmt(kind: .conditional(arms.map { ($0.0, tagged($0.1, site)) }, els.map { tagged($0, site) }), range: s.range)
            case .loop(let c, let b): t = Stmt(kind: .loop(c, tagged(b, site)), range: s.range)
            case .either(let bs): t = Stmt(kind: .either(bs.map { tagged($0, site) }), range: s.range)
            case .choose(let v, let d, let b): t = Stmt(kind: .choose(v, d, tagged(b, site)), range: s.range)
            default: t = s
            }
            t.label = s.label
            t.expansion = s.expansion + [site]
            return t
        }
    }

    func collectLabels(_ stmts: [Stmt], _ f: (Label) -> Void) {
        for s in stmts {
            if let l = s.label { f(l) }
            switch s.kind {
            case .conditional(let arms, let els):
                for (_, b) in arms { collectLabels(b, f) }
                if let els { collectLabels(els, f) }
            case .loop(_, let b), .choose(_, _, let b): collectLabels(b, f)
            case .either(let bs): for b in bs { collectLabels(b, f) }
            default: break
            }
        }
    }
}

extension Elaborator {
    /// `value` elaborated as the new value of a scalar or a set of type `type` (an
    /// assignment's, or a record field's in a record assignment): of a compatible type,
    /// else `mismatch` (given the value's type) is reported, and, when a literal, one of
    /// the type's values. Nil once the error is reported.
    func assignedScalar(_ value: AExpr, _ s: Scope, to type: IRType, mismatch: (String) -> SemaDiagnostic) -> IExpr? {
        guard let x = expr(value, s, expected: type) else { return nil }
        guard compatible(x.type, type) else {
            diags.report(mismatch(x.type.description), at: value.range)
            return nil
        }
        if case .literal(let v) = x.op, type.isScalar, !type.contains(v) {
            diags.report(.notAValue(value: v, type: type.description), at: value.range)
            return nil
        }
        return x
    }
}

/// Builds one process's control-flow graph, backwards: each statement is compiled
/// knowing the node that follows it.
final class CFGBuilder {
    let el: Elaborator
    let pid: ProcessID
    var nodes: [Node?] = []
    var labelNode: [String: NodeID] = [:]
    var labels: [LabelInfo] = []
    let doneNode: NodeID
    var queueNames: [String] = []

    init(_ el: Elaborator, _ pid: ProcessID, labelList: [Label]) {
        self.el = el
        self.pid = pid
        doneNode = 0
        nodes.append(Node(.done, nil))
        for l in labelList {
            let id = reserve()
            labelNode[l.name.name] = id
            labels.append(LabelInfo(name: l.name.name, isEnd: l.isEnd, entry: id, range: l.name.range))
        }
    }

    func reserve() -> NodeID {
        nodes.append(nil)
        return nodes.count - 1
    }

    func emit(_ k: Node.Kind, _ r: SourceRange?) -> NodeID {
        nodes.append(Node(k, r))
        return nodes.count - 1
    }

    func compile(_ stmts: [Stmt], _ cont: NodeID, _ s: Scope) -> NodeID {
        var next = cont
        for st in stmts.reversed() { next = compile(st, next, s) }
        return next
    }

    func compile(_ st: Stmt, _ cont: NodeID, _ s: Scope) -> NodeID {
        let first = nodes.count
        let entry = body(st, cont, s)
        // The nodes this statement made carry its macro chain (nested statements set their own first).
        if !st.expansion.isEmpty {
            for i in first..<nodes.count where nodes[i]?.expansion.isEmpty == true { nodes[i]?.expansion = st.expansion }
        }
        if let l = st.label, let r = labelNode[l.name.name] {
            nodes[r] = Node(.jump(entry), l.name.range)
            return r
        }
        return entry
    }

    func cond(_ e: AExpr, _ s: Scope) -> IExpr? {
        guard let x = el.expr(e, s, expected: .bool) else { return nil }
        guard x.type == .bool else {
            el.diags.report(.expectedBoolCondition(found: x.type.description), at: e.range)
            return nil
        }
        return x
    }

    private func body(_ st: Stmt, _ cont: NodeID, _ s: Scope) -> NodeID {
        let r = st.range
        switch st.kind {
        case .skip:
            return cont
        case .done:
            return emit(.jump(doneNode), r)
        case .goto(let l):
            guard let target = labelNode[l.name] else {
                el.diags.report(.unknownLabel(name: l.name, suggestion: Spelling.suggestion(for: l.name, among: labels.map(\.name))), at: l.range)
                return cont
            }
            return emit(.jump(target), r)
        case .await(let e):
            guard let c = cond(e, s) else { return cont }
            if case .literal(1) = c.op { return cont }
            return emit(.await(c, next: cont), r)
        case .assert(let e, let msg):
            guard let c = cond(e, s) else { return cont }
            if !el.assertNames.contains(msg) { el.assertNames.append(msg) }
            return emit(.assert(c, message: msg, next: cont), r)
        case .conditional(let arms, let els):
            var next = els.map { compile($0, cont, s) } ?? cont
            for (c, b) in arms.reversed() {
                let then = compile(b, cont, s)
                guard let cx = cond(c, s) else { continue }
                if case .literal(let v) = cx.op { next = v != 0 ? then : next; continue }
                next = emit(.branch(cx, then: then, else: next), c.range)
            }
            return next
        case .loop(let c, let b):
            // A label on the loop or in its body ends the step at every iteration: say so,
            // since a reader of `while` expects one atomic loop (issue 20 item 7).
            var inner: Label? = nil
            el.collectLabels(b) { if inner == nil { inner = $0 } }
            if let l = st.label ?? inner {
                el.diags.report(.loopStepPerIteration(label: l.name.name, onLoop: st.label != nil), at: r)
            }
            let head = reserve()
            let back = st.label.flatMap { labelNode[$0.name.name] } ?? head
            let bodyEntry = compile(b, back, s)
            if let cx = cond(c, s) {
                if case .literal(0) = cx.op { nodes[head] = Node(.jump(cont), r) }
                else if case .literal(_) = cx.op { nodes[head] = Node(.jump(bodyEntry), r) }
                else { nodes[head] = Node(.branch(cx, then: bodyEntry, else: cont), c.range) }
            } else {
                nodes[head] = Node(.jump(cont), r)
            }
            return head
        case .either(let bs):
            return emit(.either(bs.map { compile($0, cont, s) }), r)
        case .choose(let v, .subsets(let d), let b):
            guard let dom = el.subsetDomain(d, s) else { return cont }
            let (inner, reg) = s.binding(v.name, .set(element: dom.elementType))
            el.noteRegisters(inner.nextRegister)
            let bodyEntry = compile(b, cont, inner)
            return emit(.chooseSubset(bound: reg, dom, next: bodyEntry), r)
        case .choose(let v, let d, let b):
            guard let dom = el.irDomain(d, s) else { return cont }
            let (inner, reg) = s.binding(v.name, dom.elementType)
            el.noteRegisters(inner.nextRegister)
            let bodyEntry = compile(b, cont, inner)
            return emit(.choose(bound: reg, dom, next: bodyEntry), r)
        case .call(let f, let args):
            switch f.name {
            case "push":
                guard args.count == 2 else {
                    el.diags.report(.pushArguments, at: r)
                    return cont
                }
                guard let q = el.queuePlace(args[0], s, "push"), case .queue(let et, _, _) = q.type,
                      let x = el.expr(args[1], s, expected: et) else { return cont }
                guard compatible(x.type, et) else {
                    el.diags.report(.cannotPush(value: x.type.description, queue: q.type.description), at: args[1].range)
                    return cont
                }
                let qn = Model.overflowProperty(rootName(q))
                if !el.overflowNames.contains(qn) { el.overflowNames.append(qn) }
                return emit(.push(q, x, queueName: qn, next: cont), r)
            case "pop":
                guard args.count == 1 else {
                    el.diags.report(.popArguments, at: r)
                    return cont
                }
                guard let q = el.queuePlace(args[0], s, "pop") else { return cont }
                return emit(.pop(q, into: nil, next: cont), r)
            default:
                if case .some(let sym) = el.symbols[f.name], case .macro = sym { return cont }
                let cands = ["push", "pop"] + el.symbols.compactMap { k, v -> String? in if case .macro = v { return k }; return nil }
                el.diags.report(.unknownStatement(name: f.name, suggestion: Spelling.suggestion(for: f.name, among: cands)), at: f.range)
                return cont
            }
        case .assign(let lhs, let rhs):
            if let entry = recordAssignment(lhs, rhs, r, cont, s) { return entry }
            guard let pl = el.place(lhs, s) else { return cont }
            if case .call(let f, let args) = rhs.kind, f.name == "pop" {
                guard args.count == 1, let q = el.queuePlace(args[0], s, "pop"), case .queue(let et, _, _) = q.type else {
                    return cont
                }
                guard compatible(et, pl.type) else {
                    el.diags.report(.cannotAssignElement(queue: q.type.description, place: pl.type.description), at: r)
                    return cont
                }
                return emit(.pop(q, into: pl, next: cont), r)
            }
            switch pl.type {
            case .bool, .range, .enumeration, .set:
                guard let x = el.assignedScalar(rhs, s, to: pl.type, mismatch: { .cannotAssign(value: $0, place: pl.type.description) })
                else { return cont }
                return emit(.assign(pl, x, next: cont), r)
            case .array, .queue:
                switch rhs.kind {
                case .name, .index, .member:
                    guard let src = el.place(rhs, s) else { return cont }
                    guard src.type == pl.type else {
                        el.diags.report(.cannotCopy(source: src.type.description, place: pl.type.description), at: rhs.range)
                        return cont
                    }
                    return emit(.copy(to: pl, from: src, next: cont), r)
                default:
                    guard let slots = el.constantSlots(rhs, for: pl.type, scope: s) else { return cont }
                    return emit(.fill(pl, slots, next: cont), r)
                }
            }
        }
    }

    func rootName(_ p: Place) -> String {
        switch p.root {
        case .global(let g): return el.globals[g.index].name
        case .local(let pid, _, let i): return "\(el.processDecls[pid.index].name.name).\(el.localNames[pid.index][i])"
        }
    }

    /// The finished node array; every reserved node has been filled.
    func finish() -> [Node] {
        nodes.map { $0 ?? Node(.jump(doneNode), nil) }
    }
}
