import Foundation
import Glibc

/// The model's expressions (guards, assigned values, computed places, invariants,
/// `reachable` predicates) compiled to machine code: the engine's bytecode translated to
/// C, one function per expression, built with the system's C compiler (`cc -O2 -shared
/// -fPIC`) and loaded with `dlopen`. `Engine.eval` then calls the function instead of
/// interpreting the bytecode. Each instance's steps are translated too (`steps`, one
/// function per instance: `Engine.run` node for node, with its forks, emits, run-time
/// errors and engine limits), so `Engine.expand` runs a compiled step instead of the node
/// interpreter; an instance one of whose expressions is not compiled keeps interpreted
/// steps. The translation is instruction for instruction (the same checks,
/// the same run-time error sites, wrapping where the interpreter wraps), so both engines
/// find the same states, counts, verdicts and traces (Tests/WeaveExplorerTests/
/// NativeCodeTests.swift and the soundness harness compare them).
///
/// Where there is no C compiler, or it fails, `compile` returns nil with the reason and
/// the search interprets as before. An expression the translator does not handle (its
/// operand stack depth not known statically) stays interpreted.
final class NativeCode: @unchecked Sendable {
    /// `(state, registers, errorState) -> value`; on a run-time error it writes
    /// `errorState = [1, site]` and returns 0, as `Engine.fail` does.
    typealias Function = @convention(c) (UnsafeRawPointer, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int32>) -> Int64

    /// How a compiled step reports an outcome: `(sink, kind, instance, detail, state,
    /// failing node or -1)`, the arguments of `Sink.append` (and `noteFailNode`).
    typealias Emit = @convention(c) (UnsafeMutableRawPointer?, Int32, Int32, Int32, UnsafeRawPointer?, Int32) -> Void
    /// One instance's whole step, `Engine.run` in machine code: `(fork buffers, registers,
    /// errorState, stepEnabled, sink, emit, step instruction limit, start node, depth,
    /// first, spent)`, the arguments `run` takes.
    typealias Step = @convention(c) (UnsafeMutableRawPointer, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int32>,
                                     UnsafePointer<Bool>, UnsafeMutableRawPointer, Emit, Int64, Int64, Int64, Int64, Int64) -> Void

    /// Indexed by an expression's first instruction; nil where it is interpreted.
    let table: UnsafeMutablePointer<Function?>
    let count: Int
    /// Expressions compiled, of those the engine's nodes and properties start.
    let compiled: Int
    let entries: Int
    /// Indexed by instance; nil where the instance's steps are interpreted.
    let steps: UnsafeMutablePointer<Step?>
    /// Instances whose steps are compiled, of `instances`.
    let stepsCompiled: Int
    let instances: Int
    private let handle: UnsafeMutableRawPointer

    private init(table: UnsafeMutablePointer<Function?>, count: Int, compiled: Int, entries: Int,
                 steps: UnsafeMutablePointer<Step?>, stepsCompiled: Int, instances: Int, handle: UnsafeMutableRawPointer) {
        self.table = table
        self.count = count
        self.compiled = compiled
        self.entries = entries
        self.steps = steps
        self.stepsCompiled = stepsCompiled
        self.instances = instances
        self.handle = handle
    }

    deinit {
        table.deallocate()
        steps.deallocate()
        dlclose(handle)
    }

    /// The C compiler used: `$WEAVE_CC`, else cc, gcc or clang on PATH.
    static func findCompiler() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let cc = env["WEAVE_CC"], !cc.isEmpty { return FileManager.default.isExecutableFile(atPath: cc) ? cc : nil }
        let path = env["PATH"] ?? "/usr/bin:/bin"
        for name in ["cc", "gcc", "clang"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Runs `args` (the program first) with stdout and stderr to `output`; its exit
    /// status, or -1 when it could not start. posix_spawn directly: Foundation's Process
    /// fails under valgrind (EBADF on the descriptors valgrind keeps), where callgrind
    /// measures the native code.
    static func run(_ args: [String], output: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, args[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        // WIFEXITED and WEXITSTATUS (macros Swift does not import).
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
    }

    /// Compiles `engine`'s expressions; nil (and why) when that is not possible here.
    static func compile(_ engine: Engine) -> (NativeCode?, String?) {
        guard let cc = findCompiler() else { return (nil, "no C compiler on PATH (cc, gcc, clang)") }
        let entries = engine.expressionEntries()
        var gen = NativeSource(engine: engine)
        // WEAVE_NATIVE_STEPS=0: only the expressions (to measure what the steps add).
        gen.compileSteps = ProcessInfo.processInfo.environment["WEAVE_NATIVE_STEPS"] != "0"
        let source = gen.translate(entries)
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("weave-native-\(getpid())-\(UUID().uuidString)")
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            return (nil, "cannot create \(dir.path): \(error)")
        }
        defer { try? fm.removeItem(at: dir) }
        let c = dir.appendingPathComponent("model.c").path, so = dir.appendingPathComponent("model.so").path
        do { try source.write(toFile: c, atomically: true, encoding: .utf8) } catch { return (nil, "cannot write \(c): \(error)") }
        let log = dir.appendingPathComponent("cc.log").path
        let status = run([cc, "-O2", "-shared", "-fPIC", "-fwrapv", "-w", "-o", so, c], output: log)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return (nil, "\(cc) failed (status \(status)): \(text.prefix(500))")
        }
        guard let h = dlopen(so, RTLD_NOW | RTLD_LOCAL) else {
            return (nil, "dlopen failed: \(String(cString: dlerror()))")
        }
        guard let sym = dlsym(h, "weave_native_fill") else {
            dlclose(h)
            return (nil, "the compiled code has no weave_native_fill")
        }
        typealias Fill = @convention(c) (UnsafeMutablePointer<UnsafeRawPointer?>) -> Void
        let fill = unsafeBitCast(sym, to: Fill.self)
        let n = max(1, engine.codeCount)
        let raw = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: n)
        raw.initialize(repeating: nil, count: n)
        fill(raw)
        let table = UnsafeMutablePointer<Function?>.allocate(capacity: n)
        var compiled = 0
        for i in 0..<n {
            if let f = raw[i] { table[i] = unsafeBitCast(f, to: Function.self); compiled += 1 } else { table[i] = nil }
        }
        raw.deallocate()
        let ni = engine.instances.count
        let steps = UnsafeMutablePointer<Step?>.allocate(capacity: max(1, ni))
        steps.initialize(repeating: nil, count: max(1, ni))
        var stepsCompiled = 0
        if let sym = dlsym(h, "weave_native_steps") {
            let rawSteps = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: max(1, ni))
            rawSteps.initialize(repeating: nil, count: max(1, ni))
            unsafeBitCast(sym, to: Fill.self)(rawSteps)
            for i in 0..<ni {
                if let f = rawSteps[i] { steps[i] = unsafeBitCast(f, to: Step.self); stepsCompiled += 1 }
            }
            rawSteps.deallocate()
        }
        return (NativeCode(table: table, count: n, compiled: compiled, entries: entries.count, steps: steps,
                           stepsCompiled: stepsCompiled, instances: ni, handle: h), nil)
    }
}

extension Engine {
    /// The first instruction of every expression the nodes and the properties evaluate.
    func expressionEntries() -> [Int32] {
        var set = Set<Int32>()
        func place(_ p: CPlace?) { if let p, p.slot < 0 { set.insert(p.code) } }
        for inst in instances {
            let count = model.processes[inst.process].nodes.count
            for n in 0..<count {
                switch inst.nodes[n] {
                case .assign(let p, let v, _, _): place(p); set.insert(v)
                case .copy(let a, let b, _): place(a); place(b)
                case .fill(let p, _, _, _, _): place(p)
                case .push(let p, let v, _, _, _, _): place(p); set.insert(v)
                case .pop(let p, let into, _, _, _, _): place(p); place(into)
                case .await(let c, _), .assert(let c, _, _), .branch(let c, _, _): set.insert(c)
                case .choose(_, _, _, let c, _), .chooseSubset(_, _, let c, _): if c >= 0 { set.insert(c) }
                case .either, .jump, .done: break
                }
            }
        }
        for c in invariantCode { set.insert(c) }
        for c in reachableCode { set.insert(c) }
        for l in livenessCode { set.insert(l.p); if l.q >= 0 { set.insert(l.q) } }
        return set.filter { $0 >= 0 && Int($0) < codeCount }.sorted()
    }
}

/// C source for the engine's expressions (see `NativeCode`).
struct NativeSource {
    let engine: Engine
    var out = ""
    /// Also translate the instances' steps (`NativeCode.steps`).
    var compileSteps = true

    init(engine: Engine) { self.engine = engine }

    static func lit(_ v: Int64) -> String { v == .min ? "(-INT64_C(9223372036854775807)-1)" : "INT64_C(\(v))" }

    /// Static load of slot `k` (its offset, width and bias are constants).
    func load(_ k: Int) -> String {
        let off = Int(engine.slotOffset[k]), bias = engine.slotBias[k]
        let raw: String
        switch engine.slotWidth[k] {
        case 1: raw = "(uint64_t)s[\(off)]"
        case 2: raw = "(uint64_t)ld16(s + \(off))"
        case 4: raw = "(uint64_t)ld32(s + \(off))"
        default: raw = "ld64(s + \(off))"
        }
        return bias == 0 ? "(int64_t)\(raw)" : "(int64_t)(\(raw) + (uint64_t)\(NativeSource.lit(bias)))"
    }

    mutating func translate(_ entries: [Int32]) -> String {
        let slots = engine.slotTypes.count
        out = """
        // Generated by weave (Sources/WeaveExplorer/NativeCode.swift): the model's expressions.
        #include <stdint.h>
        #include <string.h>
        static inline uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
        static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
        static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

        """
        out += "static const int32_t OFF[] = {" + (0..<max(1, slots)).map { $0 < slots ? "\(engine.slotOffset[$0])" : "0" }.joined(separator: ",") + "};\n"
        out += "static const uint8_t WID[] = {" + (0..<max(1, slots)).map { $0 < slots ? "\(engine.slotWidth[$0])" : "0" }.joined(separator: ",") + "};\n"
        out += "static const int64_t BIAS[] = {" + (0..<max(1, slots)).map { $0 < slots ? NativeSource.lit(engine.slotBias[$0]) : "0" }.joined(separator: ",") + "};\n"
        // The instance table (process index -> pc slot) as far as the code's instBase reads it.
        var inst: [Int32] = []
        var tableSize = 0
        for i in 0..<engine.codeCount where engine.code[i].op == .instBase {
            tableSize = max(tableSize, Int(engine.code[i].a) + Int(engine.code[i].d))
        }
        for k in 0..<tableSize { inst.append(engine.instTable[k]) }
        out += "static const uint64_t MAXRAW[] = {" + (0..<max(1, slots)).map { $0 < slots ? "UINT64_C(\(engine.slotMaxRaw[$0]))" : "0" }.joined(separator: ",") + "};\n"
        out += "static const int32_t INST[] = {" + (inst.isEmpty ? "0" : inst.map { "\($0)" }.joined(separator: ",")) + "};\n"
        out += """
        static inline int64_t ld(const uint8_t *s, int64_t k) {
            const uint8_t *p = s + OFF[k];
            uint64_t r;
            switch (WID[k]) { case 1: r = p[0]; break; case 2: r = ld16(p); break; case 4: r = ld32(p); break; default: r = ld64(p); }
            return (int64_t)(r + (uint64_t)BIAS[k]);
        }
        static inline uint64_t ldr(const uint8_t *s, int64_t k) {
            const uint8_t *p = s + OFF[k];
            switch (WID[k]) { case 1: return p[0]; case 2: return ld16(p); case 4: return ld32(p); default: return ld64(p); }
        }
        static inline void str(uint8_t *s, int64_t k, uint64_t r) {
            uint8_t *p = s + OFF[k];
            switch (WID[k]) {
            case 1: p[0] = (uint8_t)r; break;
            case 2: { uint16_t v = (uint16_t)r; memcpy(p, &v, 2); break; }
            case 4: { uint32_t v = (uint32_t)r; memcpy(p, &v, 4); break; }
            default: memcpy(p, &r, 8);
            }
        }
        static inline int st(uint8_t *s, int64_t k, int64_t v) {
            int64_t b = BIAS[k];
            uint64_t raw = (uint64_t)v - (uint64_t)b;
            if (raw > MAXRAW[k] || (b > 0 && v < b) || (b < 0 && (int64_t)raw < 0)) return 0;
            str(s, k, raw);
            return 1;
        }
        typedef void (*emit_t)(void *, int32_t, int32_t, int32_t, const uint8_t *, int32_t);
        static inline int64_t emod(int64_t x, int64_t y) { int64_t r = x % y; return r < 0 ? (y < 0 ? r - y : r + y) : r; }
        #define FAIL(site) do { err[0] = 1; err[1] = (site); return 0; } while (0)

        """
        var done: [Int32] = []
        for e in entries where function(e) { done.append(e) }
        out += "void weave_native_fill(void **t) {\n"
        for e in done { out += "    t[\(e)] = (void *)e\(e);\n" }
        out += "}\n"
        if compileSteps {
            let have = Set(done)
            var stepped: [Int] = []
            for i in 0..<engine.instances.count where step(i, have) { stepped.append(i) }
            out += "void weave_native_steps(void **t) {\n"
            for i in stepped { out += "    t[\(i)] = (void *)r\(i);\n" }
            out += "}\n"
        }
        return out
    }

    /// The operand stack depth before each instruction reachable from `start`, or nil
    /// when it is not the same on every path (then the expression stays interpreted).
    func depths(_ start: Int) -> [Int: Int]? {
        var depth: [Int: Int] = [:]
        var work = [(start, 0)]
        func reach(_ i: Int, _ d: Int) -> Bool {
            guard i >= 0, i < engine.codeCount, d >= 0, d < 64 else { return false }
            if let old = depth[i] { return old == d }
            depth[i] = d
            work.append((i, d))
            return true
        }
        depth[start] = 0
        while let (i, d) = work.popLast() {
            let ins = engine.code[i]
            switch ins.op {
            case .lit, .load, .reg: guard reach(i + 1, d + 1) else { return nil }
            case .loadDyn, .not, .neg, .popcnt, .bit, .instBase, .head, .setReg, .incReg:
                guard d >= (ins.op == .setReg || ins.op == .incReg ? 0 : 1), reach(i + 1, d) else { return nil }
            case .add, .sub, .mul, .div, .mod, .eq, .ne, .lt, .le, .gt, .ge, .union, .intersect, .difference,
                 .subset, .member, .scale, .elemOf:
                guard d >= 2, reach(i + 1, d - 1) else { return nil }
            case .jmp: guard reach(Int(ins.a), d) else { return nil }
            case .jz: guard d >= 1, reach(Int(ins.a), d - 1), reach(i + 1, d - 1) else { return nil }
            case .jzKeep, .jnzKeep: guard d >= 1, reach(Int(ins.a), d), reach(i + 1, d - 1) else { return nil }
            case .popReg: guard d >= 1, reach(i + 1, d - 1) else { return nil }
            case .jgtReg, .jNotInReg: guard reach(Int(ins.b), d), reach(i + 1, d) else { return nil }
            case .ret: guard d >= 1 else { return nil }
            }
        }
        return depth
    }

    /// Appends `e<start>`; false if the expression stays interpreted.
    mutating func function(_ start: Int32) -> Bool {
        guard let depth = depths(Int(start)) else { return false }
        let maxDepth = (depth.values.max() ?? 0) + 1
        var f = "static int64_t e\(start)(const uint8_t *s, int64_t *regs, int32_t *err) {\n"
        f += "    int64_t " + (0..<maxDepth).map { "v\($0) = 0" }.joined(separator: ", ") + ";\n"
        f += "    (void)regs; (void)err; goto L\(start);\n"
        for i in depth.keys.sorted() {
            let d = depth[i] ?? 0
            let ins = engine.code[i]
            let t = "v\(d - 1)", u = "v\(d - 2)", n = "v\(d)"
            let c = NativeSource.lit(ins.c)
            var body: String
            switch ins.op {
            case .lit: body = "\(n) = \(c);"
            case .load: body = "\(n) = \(load(Int(ins.a)));"
            case .loadDyn: body = "\(t) = ld(s, \(t));"
            case .reg: body = "\(n) = regs[\(ins.a)];"
            case .not: body = "\(t) = \(t) == 0;"
            case .neg: body = "if (\(t) == INT64_MIN) FAIL(\(ins.b)); \(t) = -\(t);"
            case .popcnt: body = "\(t) = __builtin_popcountll((uint64_t)\(t));"
            case .add: body = "if (__builtin_add_overflow(\(u), \(t), &\(u))) FAIL(\(ins.b));"
            case .sub: body = "if (__builtin_sub_overflow(\(u), \(t), &\(u))) FAIL(\(ins.b));"
            case .mul: body = "if (__builtin_mul_overflow(\(u), \(t), &\(u))) FAIL(\(ins.b));"
            case .div, .mod:
                let r = ins.op == .mod ? "emod(\(u), \(t))" : "(\(u) - emod(\(u), \(t))) / \(t)"
                body = "if (\(t) == 0) FAIL(\(ins.b)); if (\(u) == INT64_MIN && \(t) == -1) FAIL(\(ins.b + 1)); \(u) = \(r);"
            case .eq: body = "\(u) = \(u) == \(t);"
            case .ne: body = "\(u) = \(u) != \(t);"
            case .lt: body = "\(u) = \(u) < \(t);"
            case .le: body = "\(u) = \(u) <= \(t);"
            case .gt: body = "\(u) = \(u) > \(t);"
            case .ge: body = "\(u) = \(u) >= \(t);"
            case .union: body = "\(u) = \(u) | \(t);"
            case .intersect: body = "\(u) = \(u) & \(t);"
            case .difference: body = "\(u) = \(u) & ~\(t);"
            case .subset: body = "\(u) = (\(u) & ~\(t)) == 0;"
            case .member:
                body = "{ int64_t k = (int64_t)((uint64_t)\(u) - (uint64_t)\(c)); \(u) = k >= 0 && k < 64 ? (int64_t)(((uint64_t)\(t) >> k) & 1) : 0; }"
            case .bit:
                body = "{ int64_t k = (int64_t)((uint64_t)\(t) - (uint64_t)\(c)); if (k < 0 || k >= \(ins.d)) FAIL(\(ins.b)); \(t) = (int64_t)(UINT64_C(1) << k); }"
            case .jmp: body = "goto L\(ins.a);"
            case .jz: body = "if (\(t) == 0) goto L\(ins.a);"
            case .jzKeep: body = "if (\(t) == 0) goto L\(ins.a);"
            case .jnzKeep: body = "if (\(t) != 0) goto L\(ins.a);"
            case .setReg: body = "regs[\(ins.a)] = \(c);"
            case .popReg: body = "regs[\(ins.a)] = \(t);"
            case .incReg: body = "regs[\(ins.a)] = (int64_t)((uint64_t)regs[\(ins.a)] + 1);"
            case .jgtReg: body = "if (regs[\(ins.a)] > \(c)) goto L\(ins.b);"
            case .jNotInReg:
                body = "{ int64_t k = (int64_t)((uint64_t)regs[\(ins.a)] - (uint64_t)\(c)); if (k < 0 || k >= 64 || (((uint64_t)regs[\(ins.d)] >> k) & 1) == 0) goto L\(ins.b); }"
            case .scale:
                body = "if (\(t) < \(c) || \(t) >= (int64_t)((uint64_t)\(c) + \(ins.d))) FAIL(\(ins.b)); \(u) = (int64_t)((uint64_t)\(u) + (uint64_t)(\(t) - \(c)) * (uint64_t)\(ins.a));"
            case .instBase:
                body = "{ int64_t o = (int64_t)((uint64_t)\(t) - (uint64_t)\(c)); if (o < 0 || o >= \(ins.d)) FAIL(0); \(t) = (int64_t)INST[\(ins.a) + o] + \(ins.b); }"
            case .head:
                body = "{ int64_t b = \(t), len = ld(s, b); if (len == 0) FAIL(\(ins.b)); \(t) = ld(s, \(ins.a == 0 ? "b + 1" : "b + len")); }"
            case .elemOf:
                let count = ins.b == 1 ? "ld(s, b)" : "\(ins.a)"
                body = "{ int64_t b = \(t), x = \(u), first = b + \(ins.b), cnt = \(count), found = 0; for (int64_t k = 0; k < cnt; k++) if (ld(s, first + k) == x) { found = 1; break; } \(u) = found; }"
            case .ret: body = "return \(t);"
            }
            f += "L\(i): \(body)"
            // Falls through to the next instruction unless it ended the path.
            switch ins.op {
            case .jmp, .ret: f += "\n"
            default: f += " goto L\(i + 1);\n"
            }
        }
        f += "}\n"
        out += f
        return true
    }
}

extension NativeSource {
    /// Appends `r<i>`, instance `i`'s `Engine.run` in C: one label per node, the same
    /// checks in the same order, the same outcomes emitted in the same order (forks
    /// recurse, as `run` does). False, and the instance's steps stay interpreted, when
    /// one of its expressions is not compiled (`have`).
    mutating func step(_ i: Int, _ have: Set<Int32>) -> Bool {
        let inst = engine.instances[i]
        let count = engine.model.processes[inst.process].nodes.count
        func ok(_ c: Int32) -> Bool { have.contains(c) }
        func okPlace(_ p: CPlace?) -> Bool { guard let p else { return true }; return p.slot >= 0 || ok(p.code) }
        for n in 0..<count {
            switch inst.nodes[n] {
            case .assign(let p, let v, _, _), .push(let p, let v, _, _, _, _): guard okPlace(p), ok(v) else { return false }
            case .copy(let a, let b, _): guard okPlace(a), okPlace(b) else { return false }
            case .fill(let p, _, _, _, _): guard okPlace(p) else { return false }
            case .pop(let p, let into, _, _, _, _): guard okPlace(p), okPlace(into) else { return false }
            case .await(let c, _), .assert(let c, _, _), .branch(let c, _, _): guard ok(c) else { return false }
            case .choose(_, _, _, let c, _), .chooseSubset(_, _, let c, _): guard c < 0 || ok(c) else { return false }
            case .either(let first, let k):
                for j in 0..<Int(k) {
                    let t = Int(engine.eitherTargets[Int(first) + j])
                    guard t >= 0, t < count else { return false }
                }
            case .jump, .done: break
            }
        }
        let sb = engine.stateBytes
        let lit = NativeSource.lit
        /// On a failed evaluation: the error outcome on this path's state, as `run` emits it.
        let check = "if (err[0]) { emit(ctx, 2, \(i), err[1], buf, -1); return; }"
        func eval(_ c: Int32, into v: String) -> String { "int64_t \(v) = e\(c)(buf, regs, err); \(check)" }
        func resolve(_ p: CPlace, into v: String) -> String {
            p.slot >= 0 ? "int64_t \(v) = \(p.slot);" : eval(p.code, into: v)
        }
        func call(_ node: Int, spent: Int) -> String {
            "r\(i)(fork, regs, err, en, ctx, emit, limit, \(node), depth + 1, 0, \(spent));"
        }
        let forkGuard = "if (!(depth < \(Engine.maxForkDepth))) { emit(ctx, 2, \(i), \(Compiler.forkDepthSite), buf, -1); return; }"
        var f = "static void r\(i)(uint8_t *fork, int64_t *regs, int32_t *err, const uint8_t *en, void *ctx, emit_t emit, "
        f += "int64_t limit, int64_t start, int64_t depth, int64_t first, int64_t spent) {\n"
        f += "    uint8_t *buf = fork + depth * \(sb);\n    int64_t budget = limit - spent;\n    err[0] = 0;\n"
        f += "    if (first) switch (start) {\n" + (0..<count).map { "    case \($0): goto F\($0);\n" }.joined() + "    default: return; }\n"
        f += "    switch (start) {\n" + (0..<count).map { "    case \($0): goto N\($0);\n" }.joined() + "    default: return; }\n"
        for n in 0..<count {
            // Reached other than as the step's start: a label ends the step.
            let label = inst.labelAt[n]
            if label >= 0 {
                f += "N\(n): st(buf, \(inst.pcSlot), \(label)); emit(ctx, 0, \(i), 0, buf, -1); return;\n"
            } else {
                f += "N\(n):\n"
            }
            f += "F\(n): if (--budget == 0) { emit(ctx, 2, \(i), \(Compiler.nonTerminatingSite), buf, -1); return; }\n    {"
            switch inst.nodes[n] {
            case .jump(let t):
                f += " goto N\(t);"
            case .await(let c, let next):
                f += " \(eval(c, into: "v")) if (v == 0) return; goto N\(next);"
            case .branch(let c, let a, let b):
                f += " \(eval(c, into: "v")) if (v != 0) goto N\(a); goto N\(b);"
            case .assign(let p, let value, let next, let site):
                f += " \(eval(value, into: "v")) \(resolve(p, into: "k"))"
                f += " if (!st(buf, k, v)) { emit(ctx, 2, \(i), \(site), buf, -1); return; } goto N\(next);"
            case .assert(let c, let prop, let next):
                f += " \(eval(c, into: "v")) if (v == 0 && en[\(prop)]) { emit(ctx, 1, \(i), \(prop), buf, \(n)); return; } goto N\(next);"
            case .push(let p, let value, let cap, let prop, let next, _):
                f += " \(eval(value, into: "v")) \(resolve(p, into: "b")) int64_t len = ld(buf, b);"
                f += " if (len >= \(cap)) { if (en[\(prop)]) emit(ctx, 1, \(i), \(prop), buf, \(n)); return; }"
                f += " if (!st(buf, b + 1 + len, v)) { emit(ctx, 2, \(i), \(Compiler.elementRangeSite), buf, -1); return; }"
                f += " st(buf, b, len + 1); goto N\(next);"
            case .pop(let p, let into, let lifo, _, let next, let site):
                f += " \(resolve(p, into: "b")) int64_t len = ld(buf, b), v;"
                f += " if (len == 0) { emit(ctx, 2, \(i), \(site), buf, -1); return; }"
                if lifo {
                    f += " v = ld(buf, b + len); str(buf, b + len, 0);"
                } else {
                    f += " v = ld(buf, b + 1); for (int64_t k = 1; k < len; k++) str(buf, b + k, ldr(buf, b + k + 1)); str(buf, b + len, 0);"
                }
                f += " st(buf, b, len - 1);"
                if let into {
                    f += " { \(resolve(into, into: "k")) if (!st(buf, k, v)) { emit(ctx, 2, \(i), \(site), buf, -1); return; } }"
                }
                f += " goto N\(next);"
            case .copy(let to, let from, let next):
                f += " \(resolve(to, into: "a")) \(resolve(from, into: "b"))"
                f += " if (a != b) for (int64_t k = 0; k < \(to.slotCount); k++) str(buf, a + k, ldr(buf, b + k)); goto N\(next);"
            case .fill(let p, let values, let cnt, let next, let site):
                f += " \(resolve(p, into: "a"))"
                if cnt > 0 {
                    let vs = (0..<Int(cnt)).map { lit(engine.fillValues[Int(values) + $0]) }.joined(separator: ",")
                    f += " static const int64_t fv[] = {\(vs)};"
                    f += " for (int64_t k = 0; k < \(cnt); k++) if (!st(buf, a + k, fv[k])) { emit(ctx, 2, \(i), \(site), buf, -1); return; }"
                }
                f += " goto N\(next);"
            case .either(let firstTarget, let cnt):
                f += " \(forkGuard) uint8_t *child = fork + (depth + 1) * \(sb); int peek = limit > 1; (void)peek;\n"
                for k in 0..<Int(cnt) {
                    let t = Int(engine.eitherTargets[Int(firstTarget) + k])
                    if inst.labelAt[t] < 0, case .await(let c, let next) = inst.nodes[t] {
                        // A branch that starts with a guard: tested before the copy (see `run`).
                        f += "    if (peek) { err[0] = 0; int64_t v = e\(c)(buf, regs, err);"
                        f += " if (err[0]) emit(ctx, 2, \(i), err[1], buf, -1);"
                        f += " else if (v != 0) { memcpy(child, buf, \(sb)); \(call(Int(next), spent: 1)) } }"
                        f += " else { memcpy(child, buf, \(sb)); \(call(t, spent: 0)) }\n"
                    } else {
                        f += "    memcpy(child, buf, \(sb)); \(call(t, spent: 0))\n"
                    }
                }
                f += "    return;"
            case .choose(let reg, let lo, let hi, let setCode, let next):
                f += " \(forkGuard) uint64_t mask = UINT64_MAX;"
                if setCode >= 0 { f += " { \(eval(setCode, into: "m")) mask = (uint64_t)m; }" }
                f += " uint8_t *child = fork + (depth + 1) * \(sb);"
                f += " for (int64_t v = \(lit(lo)); v <= \(lit(hi)); v++) {"
                if setCode >= 0 {
                    f += " uint64_t o = (uint64_t)v - (uint64_t)\(lit(lo)); if (o >= 64 || ((mask >> o) & 1) == 0) continue;"
                }
                f += " memcpy(child, buf, \(sb)); regs[\(reg)] = v; \(call(Int(next), spent: 0)) } (void)mask; return;"
            case .chooseSubset(let reg, let full, let setCode, let next):
                f += " \(forkGuard) uint64_t whole = UINT64_C(\(full));"
                if setCode >= 0 { f += " { \(eval(setCode, into: "m")) whole &= (uint64_t)m; }" }
                f += " uint8_t *child = fork + (depth + 1) * \(sb); uint64_t m = whole;"
                f += " for (;;) { memcpy(child, buf, \(sb)); regs[\(reg)] = (int64_t)m; \(call(Int(next), spent: 0))"
                f += " if (m == 0) break; m = (m - 1) & whole; } return;"
            case .done:
                f += " st(buf, \(inst.pcSlot), \(lit(inst.doneLabel))); emit(ctx, 0, \(i), 0, buf, -1); return;"
            }
            f += " }\n"
        }
        f += "}\n"
        out += f
        return true
    }
}
