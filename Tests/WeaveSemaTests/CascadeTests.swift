import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// One root cause, one error: a declaration that fails is reported once, its uses are
/// not reported again, and the errors come in source order.
final class CascadeTests: XCTestCase {
    static let text = """
    const USERS = 2
    var refcnt: 0..3 = USERS
    var owner: byte = 0
    process p(i: 0..<USERS) {
      var mine: nope = 0
      a: await refcnt > 0
         refcnt = refcnt - 1
         owner = i
         mine = 1
      b: refcnt = refcnt + 1
         goto a
    }
    invariant ok: refcnt <= USERS && owner < 3 && mine == 1
    """

    func errors(_ overrides: [String: String]) -> [String] {
        // Without the notes: the errors themselves.
        elaborate(Self.text, overrides).1.filter { $0.contains("error:") }.map { String($0.prefix { $0 != "[" }).trimmingCharacters(in: .whitespaces) }
    }

    func testFailedDeclarationsAreReportedOnceEach() {
        XCTAssertEqual(errors([:]), ["3:12: error: unknown type 'byte'", "5:13: error: unknown type 'nope'"])
        // The bad initial value (4 is not in 0..3) is its own root cause, reported in order.
        XCTAssertEqual(errors(["USERS": "4"]), ["2:20: error: 4 is not a value of 0..3", "3:12: error: unknown type 'byte'",
                                                "5:13: error: unknown type 'nope'"])
    }
}

final class OneErrorTests: XCTestCase {
    func testSingleAmpersandIsOneErrorThatSaysWhatWasMeant() {
        let ds = elaborate("var x: bool = false\nvar y: bool = false\nprocess p {\n  a: await x & y\n     x = true\n}\n").1
        XCTAssertEqual(ds.filter { $0.contains("error:") }.count, 1, "\(ds)")
        XCTAssertTrue(ds.contains { $0.hasPrefix("4:14:") && $0.contains("write '&&'") }, "\(ds)")
    }

    func testUnknownTypeSaysWhatATypeIs() {
        let ds = elaborate("var x: byte = 0\nprocess p { a: x = 1 }\n").1
        XCTAssertEqual(ds.filter { $0.contains("error:") }.count, 1, "\(ds)")
        XCTAssertTrue(ds.contains { $0.contains("unknown type 'byte'") && $0.contains("a type is bool, LO..HI") }, "\(ds)")
    }
}

/// `[t: EXPR]` initialises each element of an array from its index.
final class PerIndexInitialTests: XCTestCase {
    func testPerIndexInitialValues() throws {
        let (m, ds) = elaborate("""
        const N = 3
        type T = 0..<N
        type S = symmetric 0..<N
        type C = enum { red, green, blue }
        var nxt: [T] T = [t: (t + 1) % N]
        var col: [C] bool = [c: c != green]
        var sq: [T] 0..9 = [i: i * i]
        var own: [S] S = [s: s]
        process p { a: nxt[0] = nxt[nxt[0]] }
        """)
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.globals.map { $0.initial.map { $0[0] } }, [[1, 2, 0], [1, 0, 1], [0, 1, 4], [0, 1, 2]])
        assertReports("var x: 0..3 = [t: t]\nprocess p { a: x = 1 }\n", .indexedInitialiserNotArray(index: "t", type: "0..3"), at: "1:15")
        assertReports("type T = 0..2\nvar a: [T] 0..3 = [t: t + 2]\nprocess p { a: skip }\n", .notAValue(value: 4, type: "0..3"), at: nil)
    }
}

/// Enum value names are scoped to their type: two enums may share a name, written
/// `Type.value`, or bare where the other side of a comparison or the target says which.
final class ScopedEnumTests: XCTestCase {
    func testSharedValueNames() throws {
        let (m, ds) = elaborate("""
        type A = enum { idle, busy }
        type B = enum { idle, gone }
        var a: A = idle
        var b: B = B.idle
        process p {
          s: await idle == a && b == idle
             a = A.busy
             b = gone
        }
        invariant i: a == busy || b != B.gone
        """)
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.globals.map { $0.initial[0][0] }, [0, 0])
        let amb = "type A = enum { idle, busy }\ntype B = enum { idle, gone }\nvar a: A = idle\nprocess p { s: await size({idle}) == 1 }\n"
        assertReports(amb, .ambiguousEnumValue(name: "idle", types: ["A", "B"]), at: "4:28")
        XCTAssertTrue(elaborate(amb).1.contains { $0.contains("'idle' is a value of A and B: write A.idle or B.idle") })
        assertReports("type A = enum { idle, busy }\nvar a: A = A.nope\nprocess p { s: skip }\n", .noSuchEnumValue(type: "A", value: "nope"), at: "2:14")
    }
}

/// Review B15 and B16: the messages say what went wrong.
final class LimitMessageTests: XCTestCase {
    func testDefChainAndConstantOverflowMessages() {
        var text = "def f0(x) = x\n"
        for i in 1...35 { text += "def f\(i)(x) = !f\(i - 1)(x)\n" }
        text += "var b: bool = false\nprocess p { a: b = f35(b) }\n"
        let chain = elaborate(text).1
        XCTAssertTrue(chain.contains { $0.contains("more than 32 levels deep") && !$0.contains("expands itself") }, "\(chain)")
        let over = elaborate("const X = 9223372036854775807 + 1\nvar b: bool = false\nprocess p { a: b = true }\n").1
        XCTAssertTrue(over.contains { $0.contains("integer overflow or division by zero") }, "\(over)")
    }
}
