import Foundation
import WeaveIR
import WeaveZ3
@testable import WeaveProver
import XCTest

/// Encoder logic: formulas valid for every well-typed state are proved valid
/// (their negation with TypeOK is unsat), and invalid ones are not.
final class EncoderTests: XCTestCase {
    static let text = """
    type T = 0..<3
    type C = enum { r, g, b }
    var x: -5..5 = 0
    var y: -3..3 = 1
    var s: set<T> = {}
    var u: set<T> = {1}
    var arr: [T] 0..3 = 0
    var flags: [C] bool = false
    var c: C = r
    var q: queue<T, 2> = []
    var st: stack<T, 3> = []
    process p(i: T) {
      a: x = 0
      b: done
    }
    invariant v_euclid: y != 0 => (x / y) * y + x % y == x && x % y >= 0 && x % y < (if y > 0 then y else -y)
    invariant v_size: size(s + u) + size(s * u) == size(s) + size(u)
    invariant v_demorgan: (s - u) * u == {} && s - (s - u) == s * u && (s <= u) == (s - u == {})
    invariant v_member: (forall v: T: (v in s) => (v in s + u)) && (size(s) == count v: T: v in s)
    invariant v_quant: (forall v: C: flags[v]) == !(exists v: C: !flags[v])
    invariant v_bounds: (forall v: T: arr[v] <= 3) && len(q) <= 2 && len(st) <= 3 && (full(q) => !empty(q))
    invariant v_pc: forall k: T: at(p(k), a) || at(p(k), b) || at(p(k), done)
    invariant v_dyn: (x >= 0 && x <= 2) => (arr[x] == arr[0] || arr[x] == arr[1] || arr[x] == arr[2])
    invariant v_at_dyn: (x >= 0 && x <= 2) => (at(p(x), a) == (exists k: T: k == x && at(p(k), a)))
    invariant v_setlit: (x >= 0 && x <= 2) => (x in {x, 0}) && size({x, x}) == 1
    invariant v_enum: c == r || c == g || c == b
    invariant v_head: !empty(q) => head(q) in {0, 1, 2}
    invariant n_not_valid: x % 3 != 2
    invariant n_div_error: 10 / x > -100
    """

    func testValidFormulasAreValidAndInvalidOnesAreNot() throws {
        let m = try proverModel(Self.text)
        let ctx = Z3Context()
        let ts = try TransitionSystem(model: m, context: ctx)
        let solver = Z3Solver(ctx)
        try solver.assert(ts.typeOK(ts.pre))
        for inv in m.invariants {
            solver.push()
            try solver.assert(ts.terms.not(ts.holds(inv.expr, ts.pre)))
            let r = try solver.check()
            try solver.pop()
            if inv.name.hasPrefix("v_") {
                XCTAssertEqual(r, .unsat, "\(inv.name) should be valid")
            } else {
                XCTAssertEqual(r, .sat, "\(inv.name) should not be valid")
            }
        }
        // The run-time error of 10 / x is a condition of its own: exactly x == 0.
        let e = try ts.encoder.eval(m.invariants.first { $0.name == "n_div_error" }!.expr, EvalEnv(slots: ts.pre, me: nil))
        solver.push()
        try solver.assert(ts.terms.not(ts.terms.ctx.iff(e.error, ts.terms.eq(ts.pre[0], ts.terms.int(0)))))
        XCTAssertEqual(try solver.check(), .unsat)
        try solver.pop()
    }

    func testSMTLogReplaysWithPlainZ3() throws {
        let m = try proverModel(InductionTests.mutex + "\ninvariant held: (exists i: 0..<2: at(p(i), cs)) => lock\n")
        let dir = NSTemporaryDirectory() + "weave-smt-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = ProverOptions()
        o.smtLogDir = dir
        guard case .proved = Prover.prove(m, properties: ["mutex"], options: o).verdict else { return XCTFail("not proved") }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".smt2") }.sorted()
        XCTAssertFalse(files.isEmpty)
        for f in files {
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            XCTAssertTrue(text.hasSuffix("(check-sat)\n"), f)
        }
        guard let z3 = ["/usr/bin/z3", "/usr/local/bin/z3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no z3 binary to replay with")
        }
        for f in files {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: z3)
            p.arguments = [dir + "/" + f]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            p.waitUntilExit()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Every obligation was proved, so every query (cone or full) is unsat.
            XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "unsat", f)
        }
    }
}
