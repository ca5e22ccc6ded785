import WeaveIR
import WeaveSema
import XCTest

/// `symmetric` types: what elaborates, and what is refused (with the reason) because it
/// would single out a member or order the members.
final class SymmetricSemaTests: XCTestCase {
    let base = """
    const N = 3
    type T = symmetric 0..<N
    var owner: T = 0
    var seen: set<T> = {0, 2}
    var flags: [T] bool = [true, false, false]
    var q: queue<T, 2> = [1]
    var n: 0..5 = 0

    """

    func assertRefused(_ body: String, _ expected: String, line: UInt = #line) {
        let (m, ds) = elaborate(base + body)
        XCTAssertNil(m, "expected an error", line: line)
        XCTAssertTrue(ds.contains { $0.contains(expected) }, "\(ds) lacks \(expected)", line: line)
        // Every refusal says that the type is symmetric (in the message or a note).
        XCTAssertTrue(ds.contains { $0.contains("error") && $0.contains("symmetric") }, "\(ds) lacks the reason", line: line)
    }

    func testSymmetricUsesElaborate() throws {
        let (m, ds) = elaborate(base + """
        fair process p(t: T) {
          var mine: T = 1
          a: owner = t
             seen = seen + {t, self}
             flags[t] = !flags[owner]
             push(q, mine)
          b: choose u: T { if u != t { mine = u } }
             choose v in seen { owner = v }
             n = count u: T: flags[u]
             flags = false
        }
        invariant i: forall t: T: at(p(t), a) || owner in seen || size(seen) == 0
        reachable r: exists t: T: t == owner && at(p(t), b)
        """)
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.symmetricTypes.count, 1)
        let t = model.symmetricTypes[0]
        XCTAssertEqual(t.symmetricName, "T")
        XCTAssertEqual(t.cardinality, 3)
        // Initial values are ordinals; the set literal is a bitmask of them.
        XCTAssertEqual(model.globals[0].initial, [[0]])
        XCTAssertEqual(model.globals[1].initial, [[0b101]])
        XCTAssertEqual(model.globals[2].initial, [[1], [0], [0]])
        XCTAssertEqual(model.processes[0].locals[0].initial, [[1]])
        XCTAssertEqual(model.processes[0].instanceName(2), "p(2)")
    }

    func testANonZeroLowerBoundMapsToOrdinals() throws {
        let (m, ds) = elaborate("type T = symmetric 1..3\nvar x: T = 3\nvar y: T in {1, 2}\nprocess p(t: T) { a: x = t }")
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.globals[0].initial, [[2]])
        XCTAssertEqual(model.globals[1].initial, [[0, 1]])
        XCTAssertEqual(model.processes[0].instanceName(0), "p(1)")
        XCTAssertNil(elaborate("type T = symmetric 1..3\nvar x: T = 0").0)
    }

    func testLiteralsInStepsAndPropertiesAreRefused() {
        assertRefused("process p { a: owner = 0 }", "cannot assign")
        assertRefused("process p { a: flags[1] = true }", "the index must be a T")
        assertRefused("invariant i: owner == 1", "cannot compare T with")
        assertRefused("process p(t: T) { a: skip }\ninvariant i: at(p(0), a)", "the index of 'p' must be a T")
        assertRefused("invariant i: 0 in seen", "cannot be a member of set<T>")
        assertRefused("process p { a: push(q, 1) }", "cannot push")
        assertRefused("process p { a: seen = {1} }", "does not belong in a set of T")
        assertRefused("process p { a: flags = [true, true, false] }", "singles members out")
        assertRefused("process p { a: q = [0] }", "T is symmetric: a statement cannot name one of its values (0)")
    }

    func testArithmeticOrderAndConversionsAreRefused() {
        assertRefused("process p(t: T) { a: n = t }", "cannot assign T to a variable of type 0..5")
        assertRefused("process p(t: T) { a: owner = n }", "cannot assign")
        assertRefused("process p(t: T) { a: await t < owner }", "'<' compares integers, not T and T")
        assertRefused("process p(t: T) { a: await t + 1 == owner }", "'+' needs two integers")
        assertRefused("type U = symmetric 0..<N\nvar u: U = 0\ninvariant i: u == owner", "cannot compare U with T")
        assertRefused("invariant i: owner == (if n == 0 then owner else 1)", "different types")
    }

    func testSymmetricOnlyAsANamedRange() {
        let (m1, d1) = elaborate("var x: symmetric 0..2 = 0")
        XCTAssertNil(m1)
        XCTAssertTrue(d1.contains { $0.contains("'symmetric' can only be declared as a named type") }, "\(d1)")
        let (m2, d2) = elaborate("param p: symmetric 0..2 = 0")
        XCTAssertNil(m2)
        XCTAssertTrue(d2.contains { $0.contains("'symmetric' can only be declared as a named type") }, "\(d2)")
        let (m3, d3) = elaborate("type E = symmetric enum { a, b }")
        XCTAssertNil(m3)
        XCTAssertTrue(d3.contains { $0.contains("'symmetric' applies to a range type") }, "\(d3)")
        let (m4, d4) = elaborate("type T = symmetric 0..99")
        XCTAssertNil(m4)
        XCTAssertTrue(d4.contains { $0.contains("at most 64 values") }, "\(d4)")
    }
}
