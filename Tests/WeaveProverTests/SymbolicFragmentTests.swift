import Foundation
import WeaveDriver
import WeaveIR
import WeaveSema
@testable import WeaveProver
import XCTest

/// The edges of the `--symbolic` fragment: every value Sema computes from the symbolic
/// const must stay a*N + c as a function of N, not only at the sizes the prover samples.
/// Each refused construct is refused at its own position; each accepted one still proves.
final class SymbolicFragmentTests: XCTestCase {
    func prove(_ text: String, const: String = "THREADS", _ properties: [String] = [], _ overrides: [String: String] = [:]) throws -> ProofResult {
        let src = try Loader.load(text: text, path: "frag.weave", directory: proverRepoRoot + "/Models")
        var o = ProverOptions()
        o.timeoutMs = 20_000
        return ProverDriver.proveSymbolic(source: src, overrides: overrides, constName: const, properties: properties, options: o)
    }

    func assertRefused(_ text: String, at position: String, _ construct: String, _ overrides: [String: String] = [:],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try prove(text, [], overrides)
        guard case .unsupported(let why) = r.verdict else {
            return XCTFail("expected a refusal at \(position), got \(r.verdict)", file: file, line: line)
        }
        XCTAssertTrue(why.hasPrefix("frag.weave:\(position): `\(construct)`: "), why, file: file, line: line)
    }

    func assertProved(_ text: String, _ overrides: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try prove(text, [], overrides)
        guard case .proved = r.verdict else { return XCTFail("expected a proof, got \(r.verdict)", file: file, line: line) }
    }

    static let head = """
    const THREADS = 2
    type T = 0..<THREADS

    """

    /// The review's model: BAD is 0 at every sampled size (up to 63) and 1 from 65 on,
    /// where the invariant fails in the initial state. It was PROVED for every THREADS.
    func testAConstComparedWithALiteralIsRefused() throws {
        let text = Self.head + """
        const BAD = if THREADS > 64 then 1 else 0
        var x: [T] 0..1 = BAD
        process p(i: T) { s: skip }
        invariant ok: forall t: T: x[t] == 0

        """
        try assertRefused(text, at: "3:16", "THREADS > 64")
        // The explorer at 65 agrees that there is something to refuse.
        let m = try proverModel(text, ["THREADS": "65"])
        XCTAssertEqual(m.globals[0].initial[0], [1])
    }

    func testFoldedComparisonsAndDivisionsAreRefusedWhereTheyAre() throws {
        // A branch of a step folded away (at every sampled size the same way).
        try assertRefused(Self.head + """
        var x: 0..1 = 0
        process p {
          s: if THREADS > 100 { x = 1 }
        }
        invariant ok: x == 0

        """, at: "5:9", "THREADS > 100")
        // In an invariant, and through a def (refused where the def compares).
        try assertRefused(Self.head + """
        var x: [T] bool = false
        def big(n) = n >= 70
        process p(i: T) { s: x[i] = true }
        invariant ok: big(THREADS) || forall t: T: x[t] || at(p(t), s)

        """, at: "4:14", "n >= 70")
        try assertRefused(Self.head + "const HALF = THREADS / 2\nvar x: 0..HALF = 0\nprocess p { s: skip }\ninvariant ok: x == 0\n",
                          at: "3:14", "THREADS / 2")
        try assertRefused(Self.head + "const ODD = THREADS % 2\nvar x: 0..1 = ODD\nprocess p { s: skip }\ninvariant ok: x <= 1\n",
                          at: "3:13", "THREADS % 2")
        // Equal at one size only (none of the sampled ones).
        try assertRefused(Self.head + "const AT70 = if THREADS == 70 then 1 else 0\nvar x: 0..1 = AT70\nprocess p { s: skip }\ninvariant ok: x == 0\n",
                          at: "3:17", "THREADS == 70")
        // `x in T` of a constant is a comparison with T's bounds, which depend on THREADS.
        try assertRefused(Self.head + "var x: bool = 5 in T\nprocess p { s: skip }\ninvariant ok: !x\n", at: "3:15", "5 in T")
    }

    func testAffineConstantsAndComparisonsThatDoNotDependOnNAreAccepted() throws {
        try assertProved(Self.head + """
        const W = 2 * THREADS + 1
        const LAST = THREADS - 1
        // Decided the same way for every THREADS >= 1: both sides grow with THREADS, or
        // THREADS >= 1 itself, or a root below 1.
        const ZERO = if THREADS + 1 > THREADS then 0 else if THREADS >= 1 then 0 else if THREADS != 0 then 0 else 1
        const K = 3
        const ONE = if K > 2 then 1 else 0
        var x: [T] 0..1 = ZERO
        var c: 0..W = ONE
        var l: 0..LAST = 0
        process p(i: T) {
          s: if c < THREADS { c = c + 1 }
        }
        invariant zero: forall t: T: x[t] == 0
        invariant bounded: c <= THREADS + 1

        """)
    }

    /// A size at which the model does not elaborate: its errors as the front end prints
    /// them, one after the other (they were joined with "; " into one line).
    func testErrorsAtASampleSizeArePrintedAsDiagnostics() throws {
        let r = try prove("const THREADS = 1\ntype T = 0..<THREADS\nvar x: 0..3 = THREADS + 2\nprocess p(i: T) { s: skip }\n")
        guard case .unsupported(let why) = r.verdict else { return XCTFail("expected a refusal, got \(r.verdict)") }
        XCTAssertTrue(why.hasPrefix("the model does not elaborate with THREADS = 2:\nfrag.weave:3:15: error: 4 is not a value of 0..3\n"), why)
        XCTAssertFalse(why.contains("; "), why)
    }

    /// A comparison in an operand that a constant left side of && or || leaves out, or in
    /// the branch of a conditional expression a constant condition does not take, does not
    /// shape the model (flush_delayed_fput's `release_takes_held_lock && THREADS > 1`).
    func testAComparisonInADroppedOperandDoesNotCount() throws {
        let text = """
        param gate: bool = false
        const THREADS = 2
        type T = 0..<THREADS
        def holds_lock = gate && THREADS > 1
        const PICK = if gate then (if THREADS > 64 then 1 else 0) else 0
        var x: [T] 0..1 = PICK
        var y: 0..1 = if holds_lock then 1 else 0
        process p(i: T) { s: x[i] = 0 }
        invariant ok: y == 0 && forall t: T: x[t] == 0

        """
        try assertProved(text)
        // With the gate open, the comparisons are in the model: refused.
        try assertRefused(text, at: "5:31", "THREADS > 64", ["gate": "true"])
        try assertRefused(text.replacingOccurrences(of: "(if THREADS > 64 then 1 else 0)", with: "0"), at: "4:26", "THREADS > 1",
                          ["gate": "true"])
    }

    /// The proof is of the model's symbolic reading for every N; where the model stops
    /// elaborating (a set of Threads has at most 64 members) the report says so.
    func testTheSizesTheModelElaboratesAtAreReported() throws {
        let r = try prove(Self.head + """
        var s: set<T> = {}
        process p(i: T) { a: s = s + {i} }
        invariant ok: forall t: T: (t in s) == !at(p(t), a)

        """)
        guard case .proved = r.verdict else { return XCTFail("expected a proof, got \(r.verdict)") }
        let l = try XCTUnwrap(r.elaborationLimit)
        XCTAssertEqual(l.lastGood, 64)
        XCTAssertEqual(l.firstBad, 65)
        XCTAssertTrue(l.why.contains("at most 64 values"), l.why)
        let text = ProverDriver.symbolicReport(r)
        XCTAssertTrue(text.contains("PROVED for every THREADS >= 1 at which the model elaborates: THREADS <= 64 (at THREADS = 65: frag.weave:3:12:"), text)
        // Nothing stops this one before the probe size.
        let free = try prove(Self.head + "var x: [T] bool = false\nprocess p { s: x[0] = x[0] }\ninvariant ok: forall t: T: !x[t]\n")
        guard case .proved = free.verdict else { return XCTFail("expected a proof, got \(free.verdict)") }
        XCTAssertNil(free.elaborationLimit)
        XCTAssertTrue(ProverDriver.symbolicReport(free).contains("PROVED for every THREADS >= 1 (Z3 total"))
    }
}
