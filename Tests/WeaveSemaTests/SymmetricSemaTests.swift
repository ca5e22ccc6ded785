import WeaveIR
import WeaveSema
import WeaveSource
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

    func assertRefused(_ body: String, _ kind: SemaDiagnostic, line: UInt = #line) {
        assertRefused(body, kind.id, line: line)
        assertReports(base + body, kind, at: nil, line: line)
    }

    func assertRefused(_ body: String, _ id: String, line: UInt = #line) {
        let (m, ds) = elaborate(base + body)
        XCTAssertNil(m, "expected an error", line: line)
        assertReports(base + body, id: id, at: nil, line: line)
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
        assertRefused("process p { a: owner = 0 }", "cannotAssign")
        assertRefused("process p { a: flags[1] = true }", "indexWrongType")
        assertRefused("invariant i: owner == 1", "cannotCompare")
        assertRefused("process p(t: T) { a: skip }\ninvariant i: at(p(0), a)", "processIndexWrongType")
        assertRefused("invariant i: 0 in seen", "notAMember")
        assertRefused("process p { a: push(q, 1) }", "cannotPush")
        assertRefused("process p { a: seen = {1} }", "setElementWrongType")
        assertRefused("process p { a: flags = [true, true, false] }", .listSinglesOutSymmetric(type: "T"))
        assertRefused("process p { a: q = [0] }", .symmetricValueNamed(type: "T", value: 0))
    }

    func testArithmeticOrderAndConversionsAreRefused() {
        assertRefused("process p(t: T) { a: n = t }", .cannotAssign(value: "T", place: "0..5"))
        assertRefused("process p(t: T) { a: owner = n }", .cannotAssign(value: "0..5", place: "T"))
        assertRefused("process p(t: T) { a: await t < owner }", .orderNeedsIntegers(op: "<", left: "T", right: "T"))
        assertRefused("process p(t: T) { a: await t + 1 == owner }", "arithmeticNeedsIntegers")
        assertRefused("type U = symmetric 0..<N\nvar u: U = 0\ninvariant i: u == owner", .cannotCompare("U", "T"))
        assertRefused("invariant i: owner == (if n == 0 then owner else 1)", "branchTypesDiffer")
    }

    func testSymmetricOnlyAsANamedRange() {
        assertReports("var x: symmetric 0..2 = 0", .symmetricNotNamed, at: "1:8")
        assertReports("param p: symmetric 0..2 = 0", .symmetricNotNamed, at: "1:10")
        let (m3, d3) = elaborate("type E = symmetric enum { a, b }")
        XCTAssertNil(m3)
        XCTAssertTrue(d3.contains { $0.contains("'symmetric' applies to a range type") }, "\(d3)")
        assertReports("type T = symmetric 0..99", .symmetricTooLarge(count: 100), at: "1:10")
    }
}
