import Foundation
import WeaveExplorer
import WeaveIR
import WeaveSema
import WeaveZ3
@testable import WeaveProver
import XCTest

/// `weave prove --symbolic`: proofs for every N, refutations of seeded bugs, agreement
/// with the explorer at N = 2, and clear refusals outside the fragment.
final class SymbolicTests: XCTestCase {
    /// The elaboration of a repository file (or of text) at each size the prover asks for.
    func elaborator(file: String? = nil, text: String? = nil, _ overrides: [String: String], const: String = "THREADS") throws
        -> (Int64) throws -> SymbolicElaboration {
        let src = file != nil ? try Loader.load(path: proverRepoRoot + "/" + file!)
                              : try Loader.load(text: text!, path: "test.weave", directory: proverRepoRoot + "/Models")
        return { n in
            var o = overrides
            o[const] = String(n)
            let log = FoldLog()
            return SymbolicElaboration(model: try Sema.elaborate(src, overrides: o, foldLog: log).0, folds: log.records)
        }
    }

    func options(_ ms: UInt32 = 20_000) -> ProverOptions {
        var o = ProverOptions()
        o.timeoutMs = ms
        return o
    }

    // (a) The flush race fix fput_queued, for every number of threads.
    func testFputQueuedProvesForEveryN() throws {
        let e = try elaborator(file: "Proofs/flush_fput_queued_symbolic.weave", ["design": "fput_queued"])
        let r = SymbolicProver.prove(constName: "THREADS", properties: ["close completed before rename", "runtime error"],
                                     options: options(), elaborate: e)
        guard case .proved = r.verdict else { return XCTFail("not proved: \(r.verdict)") }
        let names = r.obligations.map(\.name)
        XCTAssertTrue(names.contains("initiation: closed_at_rename (lemma)"))
        XCTAssertTrue(names.contains("consecution: closed_at_rename (lemma), step nfsd(i).fput"))
        XCTAssertTrue(names.contains("no step fails \"close completed before rename\""))
        XCTAssertTrue(names.contains("no step hits a run-time error"))
        XCTAssertTrue(r.obligations.allSatisfy { $0.status == .proved })
        XCTAssertEqual(r.settings.contains("FILES=N"), true, r.settings)
    }

    // (b) Seeded bugs: a lemma removed, and the buggy design under fput_queued's lemmas.
    func testMissingLemmaIsRefutedWithASmallCTI() throws {
        let text = try String(contentsOfFile: proverRepoRoot + "/Proofs/flush_fput_queued_symbolic.weave", encoding: .utf8)
            .replacingOccurrences(of: "invariant closed_at_rename: forall t: Thread:\n  at(nfsd(t), rename) => closed[t]", with: "")
            .replacingOccurrences(of: "\"../Models/", with: "\"")
        XCTAssertFalse(text.contains("closed_at_rename"))
        let e = try elaborator(text: text, ["design": "fput_queued"])
        let r = SymbolicProver.prove(constName: "THREADS", properties: ["close completed before rename"], options: options(), elaborate: e)
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        // Z3 refutes the symbolic query itself, or (when it cannot decide it in time, as
        // on a loaded machine) the per-size fallback finds the same CTI at THREADS = 1.
        XCTAssertTrue(c.obligation == "no step fails \"close completed before rename\""
                      || c.obligation.hasPrefix("no step fails \"close completed before rename\" (per-size prover at THREADS = 1;"),
                      c.obligation)
        XCTAssertEqual(c.n, 1)
        XCTAssertEqual(c.stepName, "nfsd(0).rename")
        XCTAssertTrue(c.failedInsideStep)
        // The CTI is a state of the model at N = 1 in which nfsd(0) renames an open file.
        let m = try XCTUnwrap(c.model)
        let pre = try XCTUnwrap(c.trace).states[0]
        let layout = Layout(m)
        let closed = try XCTUnwrap(layout.entries.first { $0.name == "closed" })
        let pc = try XCTUnwrap(layout.entries.first { $0.name == "nfsd(0).pc" })
        XCTAssertEqual(pre[closed.offset], 0)
        XCTAssertEqual(m.processes[0].labelName(LabelID(Int(pre[pc.offset]))), "rename")
    }

    func testBuggyDesignIsRefuted() throws {
        let e = try elaborator(file: "Proofs/flush_fput_queued_symbolic.weave", ["design": "flush_delayed_fput"])
        let r = SymbolicProver.prove(constName: "THREADS", properties: ["own_path"], options: options(3_000), elaborate: e)
        guard case .refuted(let c) = r.verdict else { return XCTFail("expected a CTI, got \(r.verdict)") }
        XCTAssertEqual(c.obligation, "consecution: own_path, step nfsd(i).close")
        XCTAssertEqual(c.stepName, "nfsd(0).close")
        // The explorer agrees: from the CTI's pre-state the step really leaves own_path's labels.
        let m = try XCTUnwrap(c.model), t = try XCTUnwrap(c.trace)
        let space = try StateSpace(model: m, expressions: [try XCTUnwrap(m.invariants.first { $0.name == "own_path" }).expr])
        XCTAssertEqual(space.evaluate(0, in: t.states[0]), 1)
        XCTAssertEqual(space.evaluate(0, in: t.states[1]), 0)
        XCTAssertTrue(try XCTUnwrap(space.successors(of: t.states[0])).contains { $0.step.name == "nfsd(0).close" && $0.state == t.states[1] })
    }

    // (c) At N = 2 the symbolic encoding agrees with the explorer on reachable states:
    // every invariant's value (and run-time error), and every step's outcomes and post-states.
    func crossCheck(file: String, _ overrides: [String: String], states limit: Int, steps stepLimit: Int,
                    line: UInt = #line) throws {
        let e = try elaborator(file: file, overrides)
        let sm = try SymbolicModel(constName: "THREADS", elaborate: e)
        let context = Z3Context()
        let sys = try SymbolicSession.system(sm, context)
        let concrete = try e(2).model
        let conc = SymbolicConcrete(enc: sys.enc, concrete: concrete)
        let space = try StateSpace(model: concrete, expressions: concrete.invariants.map(\.expr))
        let all = try XCTUnwrap(space.reachableStates(limit: 100_000))
        let sample = all.count <= limit ? all : (0..<limit).map { all[$0 * all.count / limit] }
        let env = SEnv(state: sys.pre, me: nil)
        var compared = 0, errors = 0
        for (si, s) in sample.enumerated() {
            let solver = Z3Solver(context)
            solver.setTimeout(milliseconds: 20_000)
            try solver.setParameter("smt.pull_nested_quantifiers", true)
            for c in try conc.ground(sys.pre, s) { try solver.assert(c) }
            XCTAssertEqual(try solver.check(), .sat, "state \(s) is not a symbolic state", line: line)
            for (ii, inv) in sm.invariants.enumerated() {
                let native = space.evaluate(ii, in: s)
                let v = try sys.enc.eval(inv.expr, env)
                /// Whether the ground state entails `x` (Z3 refutes its negation; an unknown fails the test).
                func entailed(_ x: Z3Expr) throws -> Bool {
                    solver.push()
                    defer { try? solver.pop() }
                    try solver.assert(sys.enc.terms.not(x))
                    let r = try solver.check()
                    if case .unknown(let why) = r { XCTFail("\(inv.name) in \(s): Z3 says unknown (\(why))", line: line) }
                    return r == .unsat
                }
                let t = sys.enc.terms
                switch native {
                case nil:
                    XCTAssertTrue(try entailed(v.error), "\(inv.name) in \(s): native run-time error", line: line)
                    errors += 1
                case 1:
                    XCTAssertTrue(try entailed(t.and(v.value, t.not(v.error))), "\(inv.name) in \(s): native true", line: line)
                default:
                    XCTAssertTrue(try entailed(t.and(t.not(v.value), t.not(v.error))), "\(inv.name) in \(s): native false", line: line)
                }
                compared += 1
            }
            guard si < stepLimit else { continue }
            // Steps: every (instance, path) the encoding allows is one of the explorer's outcomes, and back.
            var mine: [String] = []
            for p in sys.paths {
                solver.push()
                try solver.assert(p.condition)
                while try solver.check() == .sat {
                    let m = try solver.model()
                    let k = try p.instance.map { try XCTUnwrap(m.evalInt($0)) }
                    let name = p.name.replacingOccurrences(of: "(i).", with: k.map { "(\($0))." } ?? "")
                    let kind: String
                    switch p.outcome {
                    case .ok: kind = "ok"
                    case .violation(let n): kind = "violation(\(n))"
                    case .error: kind = "error"
                    }
                    mine.append("\(name) \(kind) \(try conc.decode(m, p.post))")
                    guard let i = p.instance, let k else { break }
                    try solver.assert(sys.enc.terms.not(sys.enc.terms.eq(i, sys.enc.terms.int(k))))
                }
                try solver.pop()
            }
            let native = try XCTUnwrap(space.successors(of: s)).map { x -> String in
                let kind: String
                switch x.kind {
                case .state: kind = "ok"
                case .violation(let n): kind = "violation(\(n))"
                case .error: kind = "error"
                }
                return "\(x.step.name) \(kind) \(x.state)"
            }
            XCTAssertEqual(mine.sorted(), native.sorted(), "successors of \(s)", line: line)
        }
        XCTAssertGreaterThanOrEqual(compared, min(limit, all.count) * sm.invariants.count, line: line)
        _ = errors
    }

    func testCrossCheckFlushModelAtTwoThreads() throws {
        try crossCheck(file: "Proofs/flush_waits_for_all_symbolic.weave", ["design": "flush_waits_for_all"], states: 40, steps: 12)
        try crossCheck(file: "Proofs/flush_fput_queued_symbolic.weave", ["design": "flush_delayed_fput"], states: 25, steps: 8)
    }

    func testCrossCheckTaskWorkModelAtTwoThreads() throws {
        try crossCheck(file: "Proofs/task_work_bound_symbolic.weave", ["design": "pf_runs_task_work"], states: 25, steps: 8)
    }

    // (d) Outside the fragment: a clear refusal naming the construct and its position.
    func testCountOverAnNSizedTypeIsRefused() throws {
        let e = try elaborator(text: """
        import "flush_delayed_fput.weave"
        invariant one_fput: (count t: Thread: at(nfsd(t), fput)) <= THREADS
        """, ["design": "fput_queued"])
        let r = SymbolicProver.prove(constName: "THREADS", properties: [], options: options(), elaborate: e)
        guard case .unsupported(let why) = r.verdict else { return XCTFail("expected a refusal, got \(r.verdict)") }
        XCTAssertTrue(why.hasPrefix("test.weave:2:21: count over a THREADS-sized type"), why)
    }

    func testNonLinearConstIsRefused() throws {
        let e = try elaborator(text: """
        const N = 2
        const SQ = N * N
        type T = 0..<N
        var x: 0..SQ = 0
        process p(i: T) {
          a: x = (x + 1) % (SQ + 1)
             goto a
        }
        invariant ok: x <= SQ
        """, [:], const: "N")
        let r = SymbolicProver.prove(constName: "N", properties: [], options: options(), elaborate: e)
        guard case .unsupported(let why) = r.verdict else { return XCTFail("expected a refusal, got \(r.verdict)") }
        // Refused where N * N is computed (sampling alone would refuse its use as a bound, at 4:5).
        XCTAssertTrue(why.hasPrefix("test.weave:2:12: `N * N`: a product of two values that depend on N"), why)
    }

    func testSizeOfAnNSizedSetIsRefusedButEmptinessIsNot() throws {
        let model = """
        const N = 2
        type T = 0..<N
        var s: set<T> = {}
        process p(i: T) {
          a: s = s + {i}
             goto a
        }

        """
        let bad = SymbolicProver.prove(constName: "N", properties: [], options: options(),
                                       elaborate: try elaborator(text: model + "invariant small: size(s) <= N\n", [:], const: "N"))
        guard case .unsupported(let why) = bad.verdict else { return XCTFail("expected a refusal, got \(bad.verdict)") }
        XCTAssertTrue(why.hasPrefix("test.weave:8:18: size(...) of a set over a N-sized type"), why)
        let good = SymbolicProver.prove(constName: "N", properties: [], options: options(),
                                        elaborate: try elaborator(text: model + "invariant grows: size(s) == 0 => forall t: T: at(p(t), a)\n", [:], const: "N"))
        guard case .proved = good.verdict else { return XCTFail("expected a proof, got \(good.verdict)") }
    }
}
