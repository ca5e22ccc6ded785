import WeaveIR
import WeaveSource

/// A model compiled for exploration: packed state layout, bytecode for every
/// expression, and one specialised node table per process instance.
///
/// Not thread-safe: its scratch buffers (operand stack, registers, fork
/// buffers) belong to one search thread; `copy()` makes another for a worker.
final class Engine {
    let model: Model
    let layout: Layout
    let stateBytes: Int
    let wordCount: Int

    // Slot tables (raw value = value - bias; width in bytes).
    let slotOffset: UnsafeMutablePointer<Int32>
    let slotWidth: UnsafeMutablePointer<UInt8>
    let slotBias: UnsafeMutablePointer<Int64>
    let slotMaxRaw: UnsafeMutablePointer<UInt64>
    let slotTypes: [IRType]

    // Code.
    let code: UnsafeMutablePointer<Instr>
    let codeCount: Int
    let fillValues: UnsafeMutablePointer<Int64>
    let instTable: UnsafeMutablePointer<Int32>
    let eitherTargets: UnsafeMutablePointer<Int32>
    let sites: [Site]

    /// One process instance's code. Trivially copyable (pointers into buffers the
    /// engine owns), so the hot loop copies it without reference counting.
    struct Instance {
        let process: Int
        let k: Int
        let pcSlot: Int
        let nodes: UnsafeMutablePointer<CNode>
        let labelEntry: UnsafeMutablePointer<Int32>
        /// node -> label id, or -1.
        let labelAt: UnsafeMutablePointer<Int32>
        let doneLabel: Int64
    }
    let instances: [Instance]
    /// `nfsd(1)`, per instance (kept apart from the hot `Instance` records).
    let instanceNames: [String]

    /// Step properties (assert messages, then overflow names) and whether each is checked.
    let stepProperties: [String]
    /// Indexed like `stepProperties`.
    let stepEnabled: UnsafeMutablePointer<Bool>
    let invariantCode: [Int32]
    let reachableCode: [Int32]
    /// Per liveness property: the code of P and (for leadsto) Q.
    let livenessCode: [(p: Int32, q: Int32)]
    let registerCount: Int

    // Scratch (per search thread).
    let stack: UnsafeMutablePointer<Int64>
    let regs: UnsafeMutablePointer<Int64>
    static let maxForkDepth = 64
    let forkBuffers: UnsafeMutableRawPointer
    /// `[failed, failSite]`: written by `eval` on a run-time error. Behind a pointer so
    /// the hot loop pays no dynamic exclusivity check per access.
    let errorState: UnsafeMutablePointer<Int32>
    var failed: Bool {
        get { errorState[0] != 0 }
        set { errorState[0] = newValue ? 1 : 0 }
    }
    var failSite: Int32 {
        get { errorState[1] }
        set { errorState[1] = newValue }
    }

    /// Instructions one step may run before the engine gives up on it (an engine limit,
    /// `--max-step-instructions`; exceeding it makes the run incomplete, never a violation).
    var stepInstructionLimit = CheckOptions.defaultStepInstructionLimit
    /// For trace tools only (never in a search): record, per outcome, which branch of
    /// each `either` the step took, as (node, branch) pairs in `Sink.choices`.
    var recordChoices = false
    private var choiceTrail: [Int32] = []
    /// The expressions as machine code (`NativeCode`), shared by the workers' engines;
    /// nil: every expression is interpreted.
    var native: NativeCode? {
        didSet { nativeTable = native?.table; nativeCount = native?.count ?? 0; nativeSteps = native?.steps }
    }
    private var nativeTable: UnsafeMutablePointer<NativeCode.Function?>?
    private var nativeCount = 0
    /// Per instance: its whole step as machine code (`NativeCode.steps`), or nil.
    private var nativeSteps: UnsafeMutablePointer<NativeCode.Step?>?

    init(model: Model) throws(EngineError) {
        self.model = model
        let layout = Layout(model)
        self.layout = layout
        let types = layout.slotTypes(model)
        self.slotTypes = types
        let n = max(1, types.count)
        slotOffset = .allocate(capacity: n)
        slotWidth = .allocate(capacity: n)
        slotBias = .allocate(capacity: n)
        slotMaxRaw = .allocate(capacity: n)
        var offset = 0
        for (i, t) in types.enumerated() {
            let maxRaw: UInt64
            if case .set(let e) = t {
                maxRaw = e.cardinality >= 64 ? UInt64.max : (UInt64(1) << UInt64(e.cardinality)) - 1
                slotBias[i] = 0
            } else {
                maxRaw = UInt64(t.cardinality - 1)
                slotBias[i] = t.lowerBound
            }
            let w: UInt8 = maxRaw <= 0xFF ? 1 : maxRaw <= 0xFFFF ? 2 : maxRaw <= 0xFFFF_FFFF ? 4 : 8
            slotOffset[i] = Int32(offset)
            slotWidth[i] = w
            slotMaxRaw[i] = maxRaw
            offset += Int(w)
        }
        let words = max(1, (offset + 7) / 8)
        wordCount = words
        stateBytes = words * 8
        if stateBytes > 1 << 16 {
            throw EngineError("a state would take \(stateBytes) bytes; the limit is 65536 (reduce array sizes or consts)")
        }

        var c = Compiler(model: model, layout: layout)
        var insts: [Instance] = []
        var names: [String] = []
        for (pi, p) in model.processes.enumerated() {
            for k in 0..<p.instanceCount {
                let nodes = try c.compileProcess(pi, k)
                let np = UnsafeMutablePointer<CNode>.allocate(capacity: max(1, nodes.count))
                np.initialize(from: nodes, count: nodes.count)
                let at = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, p.nodes.count))
                at.initialize(repeating: -1, count: max(1, p.nodes.count))
                for (li, l) in p.labels.enumerated() { at[l.entry] = Int32(li) }
                let entry = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, p.labels.count))
                for (li, l) in p.labels.enumerated() { entry[li] = Int32(l.entry) }
                insts.append(Instance(process: pi, k: k, pcSlot: layout.instanceBase[pi][k], nodes: np,
                                      labelEntry: entry, labelAt: at, doneLabel: Int64(p.labels.count)))
                names.append(p.instanceName(k))
            }
        }
        instances = insts
        instanceNames = names
        invariantCode = try model.invariants.map { inv throws(EngineError) in try c.compileProperty(inv.expr) }
        reachableCode = try model.reachables.map { r throws(EngineError) in try c.compileProperty(r.expr) }
        var live: [(p: Int32, q: Int32)] = []
        for l in model.liveness {
            switch l.form {
            case .eventually(let p), .alwaysEventually(let p):
                live.append((try c.compileProperty(p), -1))
            case .leadsTo(let p, let q):
                live.append((try c.compileProperty(p), try c.compileProperty(q)))
            }
        }
        livenessCode = live
        stepProperties = c.stepProperties
        stepEnabled = .allocate(capacity: max(1, c.stepProperties.count))
        stepEnabled.initialize(repeating: true, count: max(1, c.stepProperties.count))
        codeCount = c.code.count
        code = .allocate(capacity: max(1, c.code.count))
        code.initialize(from: c.code, count: c.code.count)
        fillValues = .allocate(capacity: max(1, c.fillValues.count))
        fillValues.initialize(from: c.fillValues, count: c.fillValues.count)
        instTable = .allocate(capacity: max(1, c.instTable.count))
        instTable.initialize(from: c.instTable, count: c.instTable.count)
        eitherTargets = .allocate(capacity: max(1, c.eitherTargets.count))
        eitherTargets.initialize(from: c.eitherTargets, count: c.eitherTargets.count)
        sites = c.sites
        registerCount = c.registerCount
        stack = .allocate(capacity: 512)
        regs = .allocate(capacity: max(1, registerCount))
        regs.initialize(repeating: 0, count: max(1, registerCount))
        forkBuffers = .allocate(byteCount: stateBytes * (Engine.maxForkDepth + 1), alignment: 8)
        errorState = .allocate(capacity: 2)
        errorState.initialize(repeating: 0, count: 2)
    }

    deinit {
        slotOffset.deallocate(); slotWidth.deallocate(); slotBias.deallocate(); slotMaxRaw.deallocate()
        code.deallocate(); instTable.deallocate(); stack.deallocate(); regs.deallocate(); forkBuffers.deallocate()
        stepEnabled.deallocate(); fillValues.deallocate(); eitherTargets.deallocate(); errorState.deallocate()
        for i in instances { i.nodes.deallocate(); i.labelAt.deallocate(); i.labelEntry.deallocate() }
    }

    // MARK: slots

    @inline(__always)
    func loadRaw(_ s: UnsafeRawPointer, _ slot: Int) -> UInt64 {
        let off = Int(slotOffset[slot])
        switch slotWidth[slot] {
        case 1: return UInt64(s.load(fromByteOffset: off, as: UInt8.self))
        case 2: return UInt64(s.loadUnaligned(fromByteOffset: off, as: UInt16.self))
        case 4: return UInt64(s.loadUnaligned(fromByteOffset: off, as: UInt32.self))
        default: return s.loadUnaligned(fromByteOffset: off, as: UInt64.self)
        }
    }

    @inline(__always)
    func storeRaw(_ s: UnsafeMutableRawPointer, _ slot: Int, _ raw: UInt64) {
        let off = Int(slotOffset[slot])
        switch slotWidth[slot] {
        case 1: s.storeBytes(of: UInt8(truncatingIfNeeded: raw), toByteOffset: off, as: UInt8.self)
        case 2: s.storeBytes(of: UInt16(truncatingIfNeeded: raw), toByteOffset: off, as: UInt16.self)
        case 4: s.storeBytes(of: UInt32(truncatingIfNeeded: raw), toByteOffset: off, as: UInt32.self)
        default: s.storeBytes(of: raw, toByteOffset: off, as: UInt64.self)
        }
    }

    @inline(__always)
    func load(_ s: UnsafeRawPointer, _ slot: Int) -> Int64 {
        Int64(bitPattern: loadRaw(s, slot)) &+ slotBias[slot]
    }

    /// Stores a value; false if it is outside the slot's type.
    @inline(__always)
    func store(_ s: UnsafeMutableRawPointer, _ slot: Int, _ v: Int64) -> Bool {
        let raw = UInt64(bitPattern: v &- slotBias[slot])
        if raw > slotMaxRaw[slot] || (slotBias[slot] > 0 && v < slotBias[slot]) || (slotBias[slot] < 0 && v &- slotBias[slot] < 0) { return false }
        storeRaw(s, slot, raw)
        return true
    }

    /// The flattened slot values of a packed state.
    func unpack(_ s: UnsafeRawPointer) -> [Int64] {
        (0..<slotTypes.count).map { load(s, $0) }
    }

    /// Packs slot values (must be in range) into `s`.
    func pack(_ values: [Int64], into s: UnsafeMutableRawPointer) -> Bool {
        s.initializeMemory(as: UInt8.self, repeating: 0, count: stateBytes)
        for (i, v) in values.enumerated() where !store(s, i, v) { return false }
        return true
    }

    // MARK: evaluation

    /// Runs expression code from `start`; on a run-time error sets `failed` and `failSite`.
    /// - Complexity: O(code length), no allocation.
    @inline(__always)
    func eval(_ start: Int32, _ s: UnsafeRawPointer) -> Int64 {
        if let t = nativeTable, Int(start) < nativeCount, start >= 0, let f = t[Int(start)] {
            return f(s, regs, errorState)
        }
        return interpret(start, s)
    }

    /// `eval` by the bytecode interpreter.
    @inline(never)
    func interpret(_ start: Int32, _ s: UnsafeRawPointer) -> Int64 {
        var pc = Int(start)
        var sp = 0
        let st = stack
        let code = self.code
        while true {
            let ins = code[pc]
            pc &+= 1
            switch ins.op {
            case .lit: st[sp] = ins.c; sp &+= 1
            case .load: st[sp] = load(s, Int(ins.a)); sp &+= 1
            case .loadDyn: st[sp &- 1] = load(s, Int(st[sp &- 1]))
            case .reg: st[sp] = regs[Int(ins.a)]; sp &+= 1
            case .not: st[sp &- 1] = st[sp &- 1] == 0 ? 1 : 0
            case .neg:
                if st[sp &- 1] == .min { return fail(ins.b) }
                st[sp &- 1] = -st[sp &- 1]
            case .popcnt: st[sp &- 1] = Int64(UInt64(bitPattern: st[sp &- 1]).nonzeroBitCount)
            case .add, .sub, .mul, .div, .mod:
                sp &-= 1
                let y = st[sp], x = st[sp &- 1]
                let r: Int64
                switch ins.op {
                case .add: let (v, o) = x.addingReportingOverflow(y); if o { return fail(ins.b) }; r = v
                case .sub: let (v, o) = x.subtractingReportingOverflow(y); if o { return fail(ins.b) }; r = v
                case .mul: let (v, o) = x.multipliedReportingOverflow(by: y); if o { return fail(ins.b) }; r = v
                default:
                    guard let v = Semantics.binary(ins.op == .div ? .div : .mod, x, y) else { return fail(y == 0 ? ins.b : ins.b &+ 1) }
                    r = v
                }
                st[sp &- 1] = r
            case .eq: sp &-= 1; st[sp &- 1] = st[sp &- 1] == st[sp] ? 1 : 0
            case .ne: sp &-= 1; st[sp &- 1] = st[sp &- 1] != st[sp] ? 1 : 0
            case .lt: sp &-= 1; st[sp &- 1] = st[sp &- 1] < st[sp] ? 1 : 0
            case .le: sp &-= 1; st[sp &- 1] = st[sp &- 1] <= st[sp] ? 1 : 0
            case .gt: sp &-= 1; st[sp &- 1] = st[sp &- 1] > st[sp] ? 1 : 0
            case .ge: sp &-= 1; st[sp &- 1] = st[sp &- 1] >= st[sp] ? 1 : 0
            case .union: sp &-= 1; st[sp &- 1] = st[sp &- 1] | st[sp]
            case .intersect: sp &-= 1; st[sp &- 1] = st[sp &- 1] & st[sp]
            case .difference: sp &-= 1; st[sp &- 1] = st[sp &- 1] & ~st[sp]
            case .subset: sp &-= 1; st[sp &- 1] = (st[sp &- 1] & ~st[sp]) == 0 ? 1 : 0
            case .member:
                sp &-= 1
                let k = st[sp &- 1] &- ins.c
                st[sp &- 1] = k >= 0 && k < 64 ? Int64((UInt64(bitPattern: st[sp]) >> UInt64(k)) & 1) : 0
            case .bit:
                let k = st[sp &- 1] &- ins.c
                if k < 0 || k >= Int64(ins.d) { return fail(ins.b) }
                st[sp &- 1] = Int64(bitPattern: UInt64(1) << UInt64(k))
            case .jmp: pc = Int(ins.a)
            case .jz: sp &-= 1; if st[sp] == 0 { pc = Int(ins.a) }
            case .jzKeep: if st[sp &- 1] == 0 { pc = Int(ins.a) } else { sp &-= 1 }
            case .jnzKeep: if st[sp &- 1] != 0 { pc = Int(ins.a) } else { sp &-= 1 }
            case .setReg: regs[Int(ins.a)] = ins.c
            case .popReg: sp &-= 1; regs[Int(ins.a)] = st[sp]
            case .incReg: regs[Int(ins.a)] &+= 1
            case .jgtReg: if regs[Int(ins.a)] > ins.c { pc = Int(ins.b) }
            case .jNotInReg:
                let k = regs[Int(ins.a)] &- ins.c
                if k < 0 || k >= 64 || (UInt64(bitPattern: regs[Int(ins.d)]) >> UInt64(k)) & 1 == 0 { pc = Int(ins.b) }
            case .scale:
                sp &-= 1
                let idx = st[sp]
                if idx < ins.c || idx >= ins.c &+ Int64(ins.d) { return fail(ins.b) }
                st[sp &- 1] = st[sp &- 1] &+ (idx &- ins.c) &* Int64(ins.a)
            case .instBase:
                let ord = st[sp &- 1] &- ins.c
                if ord < 0 || ord >= Int64(ins.d) { return fail(0) }
                st[sp &- 1] = Int64(instTable[Int(ins.a) &+ Int(ord)]) &+ Int64(ins.b)
            case .head:
                let base = Int(st[sp &- 1])
                let len = load(s, base)
                if len == 0 { return fail(ins.b) }
                st[sp &- 1] = load(s, ins.a == 0 ? base &+ 1 : base &+ Int(len))
            case .elemOf:
                sp &-= 1
                let base = Int(st[sp]), x = st[sp &- 1]
                let first = base &+ Int(ins.b)
                let n = ins.b == 1 ? Int(load(s, base)) : Int(ins.a)
                var found: Int64 = 0
                var k = 0
                while k < n {
                    if load(s, first &+ k) == x { found = 1; break }
                    k &+= 1
                }
                st[sp &- 1] = found
            case .ret:
                return st[sp &- 1]
            }
        }
    }

    @inline(never)
    func fail(_ site: Int32) -> Int64 {
        failed = true
        failSite = site
        return 0
    }

    /// The slot a compiled place denotes in state `s` (or -1 after a run-time error).
    @inline(__always)
    func resolve(_ p: CPlace, _ s: UnsafeRawPointer) -> Int {
        if p.slot >= 0 { return Int(p.slot) }
        let v = eval(p.code, s)
        return failed ? -1 : Int(v)
    }

    // MARK: steps

    /// What `expand` produced for one successor.
    enum OutcomeKind: UInt8 { case state, violation, error }

    /// Enumerates every outcome of every enabled step from `state` into `sink`.
    /// - Complexity: proportional to the steps' code; no allocation once `sink` has grown.
    func expand(_ state: UnsafeRawPointer, into sink: Sink) {
        sink.reset()
        for i in 0..<instances.count {
            let inst = instances[i]
            let pc = load(state, inst.pcSlot)
            if pc == inst.doneLabel { continue }
            let buf = forkBuffers
            buf.copyMemory(from: state, byteCount: stateBytes)
            step(i, inst, Int(inst.labelEntry[Int(pc)]), sink: sink)
        }
    }

    /// Instance `i`'s step from node `start` (its label's entry) on the state in the
    /// first fork buffer: the compiled step when there is one (and no trace tool records
    /// the `either` choices, which only the interpreter does), else `run`.
    @inline(__always)
    private func step(_ i: Int, _ inst: Instance, _ start: Int, sink: Sink) {
        if !recordChoices, let steps = nativeSteps, let f = steps[i] {
            let ctx = Unmanaged.passUnretained(sink).toOpaque()
            f(forkBuffers, regs, errorState, UnsafePointer(stepEnabled), ctx, { ctx, kind, instance, detail, buf, node in
                guard let ctx, let buf else { return }
                // The caller holds the sink for the whole call: no retain and release here.
                Unmanaged<Sink>.fromOpaque(ctx)._withUnsafeGuaranteedRef { sink in
                    sink.append(buf, kind: Engine.OutcomeKind(rawValue: UInt8(truncatingIfNeeded: kind)) ?? .error,
                                instance: instance, detail: detail)
                    if node >= 0 { sink.noteFailNode(Int(node)) }
                }
            }, Int64(stepInstructionLimit), Int64(start), 0, 1, 0)
            return
        }
        run(i, inst, start, depth: 0, first: true, sink: sink)
    }

    /// Whether instance `i` has any outcome from `state` (used by liveness for enabledness).
    func enabled(_ i: Int, _ state: UnsafeRawPointer, sink: Sink) -> Bool {
        sink.reset()
        let inst = instances[i]
        let pc = load(state, inst.pcSlot)
        if pc == inst.doneLabel { return false }
        forkBuffers.copyMemory(from: state, byteCount: stateBytes)
        step(i, inst, Int(inst.labelEntry[Int(pc)]), sink: sink)
        return sink.count > 0
    }

    private func emit(_ kind: OutcomeKind, _ i: Int, _ detail: Int32, _ buf: UnsafeRawPointer, _ sink: Sink) {
        sink.append(buf, kind: kind, instance: Int32(i), detail: detail)
        if recordChoices { sink.choices[sink.count - 1] = choiceTrail }
    }

    /// `spent`: nodes of this path its caller already ran (a guard it tested).
    private func run(_ i: Int, _ inst: Instance, _ start: Int, depth: Int, first: Bool, sink: Sink, spent: Int = 0) {
        let buf = forkBuffers + depth * stateBytes
        var n = start
        var isFirst = first
        var budget = stepInstructionLimit - spent
        failed = false
        while true {
            if !isFirst, inst.labelAt[n] >= 0 {
                _ = store(buf, inst.pcSlot, Int64(inst.labelAt[n]))
                emit(.state, i, 0, buf, sink)
                return
            }
            isFirst = false
            budget -= 1
            if budget == 0 {
                emit(.error, i, Compiler.nonTerminatingSite, buf, sink)
                return
            }
            switch inst.nodes[n] {
            case .jump(let t):
                n = Int(t)
            case .await(let c, let next):
                let v = eval(c, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                if v == 0 { return }
                n = Int(next)
            case .branch(let c, let a, let b):
                let v = eval(c, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                n = Int(v != 0 ? a : b)
            case .assign(let p, let value, let next, let site):
                let v = eval(value, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                let slot = resolve(p, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                if !store(buf, slot, v) { emit(.error, i, site, buf, sink); return }
                n = Int(next)
            case .assert(let c, let prop, let next):
                let v = eval(c, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                if v == 0 && stepEnabled[Int(prop)] { emit(.violation, i, prop, buf, sink); sink.noteFailNode(n); return }
                n = Int(next)
            case .push(let p, let value, let cap, let prop, let next, _):
                let v = eval(value, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                let base = resolve(p, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                let len = Int(load(buf, base))
                if len >= Int(cap) {
                    // An unchecked bound blocks the pusher instead of failing.
                    if stepEnabled[Int(prop)] { emit(.violation, i, prop, buf, sink); sink.noteFailNode(n) }
                    return
                }
                if !store(buf, base + 1 + len, v) { emit(.error, i, Compiler.elementRangeSite, buf, sink); return }
                _ = store(buf, base, Int64(len + 1))
                n = Int(next)
            case .pop(let p, let into, let lifo, _, let next, let site):
                let base = resolve(p, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                let len = Int(load(buf, base))
                if len == 0 { emit(.error, i, site, buf, sink); return }
                let v: Int64
                if lifo {
                    v = load(buf, base + len)
                    storeRaw(buf, base + len, 0)
                } else {
                    v = load(buf, base + 1)
                    for k in 1..<len { storeRaw(buf, base + k, loadRaw(buf, base + k + 1)) }
                    storeRaw(buf, base + len, 0)
                }
                _ = store(buf, base, Int64(len - 1))
                if let into {
                    let slot = resolve(into, buf)
                    if failed { emit(.error, i, failSite, buf, sink); return }
                    if !store(buf, slot, v) { emit(.error, i, site, buf, sink); return }
                }
                n = Int(next)
            case .copy(let to, let from, let next):
                let a = resolve(to, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                let b = resolve(from, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                if a != b {
                    for k in 0..<Int(to.slotCount) { storeRaw(buf, a + k, loadRaw(buf, b + k)) }
                }
                n = Int(next)
            case .fill(let p, let values, let count, let next, let site):
                let a = resolve(p, buf)
                if failed { emit(.error, i, failSite, buf, sink); return }
                for k in 0..<Int(count) where !store(buf, a + k, fillValues[Int(values) + k]) {
                    emit(.error, i, site, buf, sink)
                    return
                }
                n = Int(next)
            case .either(let firstTarget, let count):
                guard depth < Engine.maxForkDepth else { emit(.error, i, Compiler.forkDepthSite, buf, sink); return }
                let child = forkBuffers + (depth + 1) * stateBytes
                let peek = stepInstructionLimit > 1
                for k in 0..<Int(count) {
                    let target = Int(eitherTargets[Int(firstTarget) + k])
                    if recordChoices { choiceTrail.append(Int32(n)); choiceTrail.append(Int32(k)) }
                    // A branch that starts with a guard (`either { await g ... }`, the shape of
                    // a TLA+ disjunction of actions): test the guard here, on the state the
                    // branch would copy, and copy and run the branch only when it holds. The
                    // same outcomes in the same order as running it from the top.
                    if peek, inst.labelAt[target] < 0, case .await(let c, let next) = inst.nodes[target] {
                        failed = false
                        let v = eval(c, buf)
                        if failed {
                            emit(.error, i, failSite, buf, sink)
                        } else if v != 0 {
                            child.copyMemory(from: buf, byteCount: stateBytes)
                            run(i, inst, Int(next), depth: depth + 1, first: false, sink: sink, spent: 1)
                        }
                    } else {
                        child.copyMemory(from: buf, byteCount: stateBytes)
                        run(i, inst, target, depth: depth + 1, first: false, sink: sink)
                    }
                    if recordChoices { choiceTrail.removeLast(2) }
                }
                return
            case .choose(let reg, let lo, let hi, let setCode, let next):
                guard depth < Engine.maxForkDepth else { emit(.error, i, Compiler.forkDepthSite, buf, sink); return }
                var mask: UInt64 = .max
                if setCode >= 0 {
                    let m = eval(setCode, buf)
                    if failed { emit(.error, i, failSite, buf, sink); return }
                    mask = UInt64(bitPattern: m)
                }
                let child = forkBuffers + (depth + 1) * stateBytes
                var v = lo
                while v <= hi {
                    if setCode < 0 || (mask >> UInt64(v - lo)) & 1 == 1 {
                        child.copyMemory(from: buf, byteCount: stateBytes)
                        regs[Int(reg)] = v
                        run(i, inst, Int(next), depth: depth + 1, first: false, sink: sink)
                    }
                    v += 1
                }
                return
            case .chooseSubset(let reg, let full, let setCode, let next):
                guard depth < Engine.maxForkDepth else { emit(.error, i, Compiler.forkDepthSite, buf, sink); return }
                var whole = full
                if setCode >= 0 {
                    let m = eval(setCode, buf)
                    if failed { emit(.error, i, failSite, buf, sink); return }
                    whole &= UInt64(bitPattern: m)
                }
                let child = forkBuffers + (depth + 1) * stateBytes
                // Every submask of `whole`, from `whole` down to the empty set.
                var m = whole
                while true {
                    child.copyMemory(from: buf, byteCount: stateBytes)
                    regs[Int(reg)] = Int64(bitPattern: m)
                    run(i, inst, Int(next), depth: depth + 1, first: false, sink: sink)
                    if m == 0 { break }
                    m = (m &- 1) & whole
                }
                return
            case .done:
                _ = store(buf, inst.pcSlot, inst.doneLabel)
                emit(.state, i, 0, buf, sink)
                return
            }
        }
    }
}

/// A reason the model cannot be explored (too large, unsupported).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
