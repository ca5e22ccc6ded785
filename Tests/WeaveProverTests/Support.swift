import Foundation
import WeaveExplorer
import WeaveIR
import WeaveSema
import WeaveZ3
import WeaveDriver
@testable import WeaveProver
import XCTest

/// The repository root (this file is Tests/WeaveProverTests/Support.swift).
let proverRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Elaborates model text (imports resolve against Models/).
func proverModel(_ text: String, _ overrides: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Model {
    do {
        let src = try Loader.load(text: text, path: "test.weave", directory: proverRepoRoot + "/Models")
        return try Sema.elaborate(src, overrides: overrides).0
    } catch {
        XCTFail(error.diagnostics.map { $0.rendered() }.joined(separator: "\n"), file: file, line: line)
        throw error
    }
}

/// Elaborates a file of the repository.
func proverModelFile(_ path: String, _ overrides: [String: String] = [:]) throws -> Model {
    let src = try Loader.load(path: proverRepoRoot + "/" + path)
    return try Sema.elaborate(src, overrides: overrides).0
}

/// A deterministic generator (SplitMix64) for random states.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Compares the Z3 encoding with the explorer's semantics state by state:
/// the model's invariants (as expressions: value or run-time error) and every
/// outcome of every step (step name, kind, post-state), as multisets.
final class CrossChecker {
    let model: Model
    let context = Z3Context()
    let ts: TransitionSystem
    let space: StateSpace
    let solver: Z3Solver
    /// How often each kind of outcome was compared (`ok`, `error`, `violation(name)`, `expr error`, `expr value`).
    var counts: [String: Int] = [:]

    init(_ model: Model) throws {
        self.model = model
        ts = try TransitionSystem(model: model, context: context)
        space = try StateSpace(model: model, expressions: model.invariants.map(\.expr))
        solver = Z3Solver(context)
    }

    /// Random well-typed states (queues canonical), every pc value included.
    func randomStates(_ n: Int, seed: UInt64) -> [[Int64]] {
        var rng = SplitMix(state: seed)
        var out: [[Int64]] = []
        for _ in 0..<n {
            var s: [Int64] = []
            for t in ts.shape.types {
                switch t {
                case .set(let e):
                    let card = min(64, e.cardinality)
                    s.append(card >= 64 ? Int64(bitPattern: rng.next()) : Int64(rng.next() % (UInt64(1) << UInt64(card))))
                default:
                    s.append(t.lowerBound + Int64(rng.next() % UInt64(t.cardinality)))
                }
            }
            for q in ts.shape.queues {
                let len = Int(s[q.base])
                for j in (len + 1)..<(q.capacity + 1) { s[q.base + j] = q.element.lowerBound }
            }
            out.append(s)
        }
        return out
    }

    /// The states to compare on: reachable ones (if the explorer lists them) and random ones.
    func states(reachableLimit: Int = 400, random: Int = 300, seed: UInt64 = 1) -> [[Int64]] {
        var out: [[Int64]] = []
        if let r = space.reachableStates(limit: 100_000) {
            out += r.count <= reachableLimit ? r : (0..<reachableLimit).map { r[$0 * r.count / reachableLimit] }
        }
        return out + randomStates(random, seed: seed)
    }

    func describe(_ name: String, _ kind: String, _ s: [Int64]) -> String {
        "\(name) \(kind) \(s.map(String.init).joined(separator: ","))"
    }

    /// Mismatches between the engines in state `s` (empty when they agree).
    func compare(_ s: [Int64]) throws -> [String] {
        var problems: [String] = []
        solver.push()
        defer { try? solver.pop() }
        for (i, v) in s.enumerated() {
            try solver.assert(ts.terms.eq(ts.pre[i], ValueCodec.literal(v, ts.shape.types[i], ts.terms)))
        }
        guard try solver.check() == .sat else { return ["state not satisfiable: \(s)"] }
        let m = try solver.model()
        for (i, inv) in model.invariants.enumerated() {
            let native = space.evaluate(i, in: s)
            counts[native == nil ? "expr error" : "expr value", default: 0] += 1
            let e = try ts.encoder.eval(inv.expr, EvalEnv(slots: ts.pre, me: nil))
            let err = try m.evalBool(e.error)
            let value = try ValueCodec.decode(m.eval(e.value))
            if let native {
                if err != false || value != native {
                    problems.append("\(inv.name) in \(s): native \(native), z3 \(err == true ? "error" : String(describing: value))")
                }
            } else if err != true {
                problems.append("\(inv.name) in \(s): native run-time error, z3 \(String(describing: value))")
            }
        }
        guard let nativeSucc = space.successors(of: s) else { return problems + ["explorer rejects state \(s)"] }
        var a: [String] = []
        for x in nativeSucc {
            let kind: String
            switch x.kind {
            case .state: kind = "ok"
            case .violation(let n): kind = "violation(\(n))"
            case .error: kind = "error"
            }
            a.append(describe(x.step.name, kind, x.state))
            counts[kind, default: 0] += 1
        }
        var b: [String] = []
        for p in ts.paths where try m.evalBool(p.condition) == true {
            let kind: String
            switch p.outcome {
            case .ok: kind = "ok"
            case .violation(let n): kind = "violation(\(n))"
            case .error: kind = "error"
            }
            b.append(describe(p.step.name, kind, try QueryRunner.decode(m, p.post(ts.pre))))
        }
        if a.sorted() != b.sorted() {
            let onlyA = a.filter { !b.contains($0) }, onlyB = b.filter { !a.contains($0) }
            problems.append("successors of \(s) differ:\n  native only: \(onlyA)\n  z3 only: \(onlyB)\n  counts \(a.count) vs \(b.count)")
        }
        return problems
    }

    /// Initial states: the explorer's list equals the models of Init (enumerated with blocking clauses).
    func compareInitial(limit: Int = 2000) throws -> [String] {
        let native = Set(space.initialStates().map { $0.map(String.init).joined(separator: ",") })
        var mine = Set<String>()
        solver.push()
        defer { try? solver.pop() }
        try solver.assert(ts.initial(ts.pre))
        while mine.count <= limit, try solver.check() == .sat {
            let s = try QueryRunner.decode(solver.model(), ts.pre)
            mine.insert(s.map(String.init).joined(separator: ","))
            var diff: [Z3Expr] = []
            for (i, v) in s.enumerated() {
                diff.append(try ts.terms.not(ts.terms.eq(ts.pre[i], ValueCodec.literal(v, ts.shape.types[i], ts.terms))))
            }
            try solver.assert(ts.terms.or(diff))
        }
        return native == mine ? [] : ["initial states differ: native \(native.count), z3 \(mine.count)"]
    }

    /// Runs every comparison; returns the number of states compared.
    @discardableResult
    func run(random: Int = 300, seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var problems = try compareInitial()
        let ss = states(random: random, seed: seed)
        for s in ss { problems += try compare(s) }
        for p in problems.prefix(8) { XCTFail(p, file: file, line: line) }
        if problems.count > 8 { XCTFail("... and \(problems.count - 8) more mismatches", file: file, line: line) }
        return ss.count
    }
}

/// What a driver call printed (stdout and stderr together), collected from any thread.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func add(_ s: String) { lock.lock(); text += s; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}

/// Runs a driver command with its output captured: the exit code and the text.
func capture(_ body: (Output) -> WeaveExit) -> (WeaveExit, String) {
    let b = OutputBuffer()
    let code = body(Output(out: { b.add($0) }, err: { b.add($0) }))
    return (code, b.value)
}
