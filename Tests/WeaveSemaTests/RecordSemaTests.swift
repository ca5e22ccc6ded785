import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// Records (issue 20 item 4): lowered to one variable per field; every error with its position.
final class RecordSemaTests: XCTestCase {
    let header = """
    type S = enum { open, closing, closed }
    type File = record { refs: 0..3, state: S, queued: bool }
    type Other = record { x: bool }
    var f: File = { refs: 1, state: open, queued: false }
    var o: Other = { x: false }

    """

    func assertError(_ body: String, _ expected: String, line: UInt = #line) {
        let (m, ds) = elaborate(header + body)
        XCTAssertNil(m, "expected an error", line: line)
        XCTAssertTrue(ds.contains { $0.contains(expected) }, "\(ds) lacks \(expected)", line: line)
    }

    func testLoweredToOneVariablePerField() throws {
        let (m, ds) = elaborate(header + """
        const N = 2
        var a: [0..<N] File = [t: { refs: t + 1, state: if t == 0 then open else closed, queued: t == 1 }]
        ghost var g: File = { refs: any, state: closed, queued: false }
        process p {
          var mine: File = { refs: 0, state: open, queued: true }
          l: a[1].refs++
             mine = a[0]
             f = { refs: 2, state: S.closing, queued: o.x }
             await f == mine && a[0] != a[1]
        }
        invariant i: p.mine.refs <= 3 && g.refs >= 0
        """)
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.globals.map(\.name), ["f.refs", "f.state", "f.queued", "o.x", "a.refs", "a.state", "a.queued",
                                                   "g.refs", "g.state", "g.queued"])
        let byName = Dictionary(uniqueKeysWithValues: model.globals.map { ($0.name, $0) })
        XCTAssertEqual(byName["f.refs"]?.initial, [[1]])
        XCTAssertEqual(byName["a.refs"]?.type.description, "[0..1] 0..3")
        XCTAssertEqual(byName["a.refs"]?.initial, [[1], [2]])
        XCTAssertEqual(byName["a.state"]?.initial, [[0], [2]])
        XCTAssertEqual(byName["a.queued"]?.initial, [[0], [1]])
        XCTAssertEqual(byName["g.refs"]?.initial, [[0, 1, 2, 3]])
        XCTAssertEqual(model.globals.filter(\.isGhost).map(\.name), ["g.refs", "g.state", "g.queued"])
        XCTAssertEqual(model.processes[0].locals.map(\.name), ["mine.refs", "mine.state", "mine.queued"])
        XCTAssertEqual(model.processes[0].locals.map(\.initial), [[[0]], [[0]], [[1]]])
    }

    func testNestedRecordsAndArraysOfRecords() throws {
        let (m, ds) = elaborate("""
        type Inner = record { x: 0..3, y: bool }
        type Outer = record { inner: Inner, list: [0..1] Inner, n: 0..1 }
        var r: Outer = { inner: { x: 2, y: true }, list: [{ x: 1, y: false }, { x: 3, y: true }], n: 0 }
        var rs: [0..1] Outer = { inner: { x: 0, y: false }, list: { x: 0, y: false }, n: 1 }
        process p { l: r.list[r.n].x = r.inner.x
          m: rs[1].inner = r.inner
             await rs[1].inner == r.inner && rs[0].list[1].y == false }
        """)
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.globals.map(\.name), ["r.inner.x", "r.inner.y", "r.list.x", "r.list.y", "r.n",
                                                   "rs.inner.x", "rs.inner.y", "rs.list.x", "rs.list.y", "rs.n"])
        XCTAssertEqual(model.globals[2].initial, [[1], [3]])
        XCTAssertEqual(model.globals[7].type.description, "[0..1] [0..1] 0..3")
        XCTAssertEqual(model.globals[9].initial, [[1], [1]])
    }

    func testErrorsWithPositions() {
        assertError("process p { l: f.ref = 1 }", "6:18: error: record File has no field 'ref' [did you mean 'refs'?]")
        assertError("var g: Fle = { refs: 1 }", "6:8: error: unknown type 'Fle' [did you mean 'File'?]")
        assertError("var g: File = { refs: 1, state: open }", "6:15: error: the record literal has no value for field 'queued' of record File")
        assertError("var g: File = { refs: 1, state: open, queued: true, refs: 2 }", "6:53: error: field 'refs' is given twice")
        assertError("var g: File = { refs: 1, state: open, queued: true, size: 2 }", "6:53: error: record File has no field 'size'")
        assertError("var n: 0..3 = 0\nprocess p { l: n.refs = 1 }", "7:18: error: 0..3 is not a record: it has no field 'refs'")
        assertError("invariant i: f == o", "6:14: error: cannot compare record File with record Other")
        assertError("invariant i: f == 1", "6:14: error: cannot compare record File with an integer")
        assertError("process p { l: f = o }", "6:20: error: cannot assign record Other to record File")
        assertError("process p { l: f = 3 }", "6:20: error: a record of type File is assigned a record of the same type or a literal")
        assertError("invariant i: f.refs > 0 || f", "6:28: error: this is a record of type File, not a value here")
        assertError("var q: queue<File, 2> = []", "6:14: error: record type 'File' can only be the type of a variable, of an array's elements or of a record's field")
        assertError("var a: [0..1] File = { refs: 0, state: open, queued: false }\ninvariant i: a.refs[0] == 0",
                    "7:16: error: this is an array of File; index it before naming a field")
        assertError("type Bad = record { a: bool, a: 0..1 }", "6:30: error: field 'a' is declared twice in record 'Bad'")
        assertError("var g: File = 3", "6:15: error: expected a value of record File: a literal { refs: ..., state: ..., queued: ... }")
        assertError("var g: File in {1}", "6:16: error: 'in' initialises scalars and sets only")
        assertError("var a: [0..1] File = [t: { refs: t + 3, state: open, queued: false }]", "4 is not a value of 0..3")
        // The fields are assigned one after another, ordered so that every index and value reads
        // old values; with a cycle there is no such order.
        assertError("process p { l: f = { refs: if f.queued then 1 else 2, state: open, queued: f.refs == 1 } }",
                    "6:16: error: this record assignment reads fields of the record it assigns (in indices or values) in a cycle")
        XCTAssertNotNil(elaborate(header + "var a: [0..1] File = { refs: 0, state: open, queued: false }\nprocess p { l: a[a[0].refs] = f }").0)
    }

    func testUnusedRecordsWarnOncePerRecordOrPerField() throws {
        let (m, ds) = elaborate(header + "invariant i: f.refs >= 0")
        XCTAssertNotNil(m, "\(ds)")
        XCTAssertEqual(ds.filter { $0.contains("never used") }.sorted(), [
            "4:5: warning: field 'f.queued' is never used",
            "4:5: warning: field 'f.state' is never used",
            "5:5: warning: variable 'o' is never used",
        ])
    }

    func testQueueFieldsHaveTheirOwnOverflowProperty() throws {
        let (m, ds) = elaborate("""
        type Box = record { q: queue<0..1, 1>, n: 0..3 }
        var b: Box = { q: [], n: 0 }
        process p {
          var mine: Box = { q: [1], n: 0 }
          a: push(mine.q, 1)
             push(b.q, b.n % 2)
             mine.n = pop(b.q)
             await 1 in mine.q
        }
        """)
        let model = try XCTUnwrap(m, "\(ds)")
        XCTAssertEqual(model.overflowNames.sorted(), ["overflow(b.q)", "overflow(p.mine.q)"])
        XCTAssertEqual(model.processes[0].locals.map(\.initial), [[[1], [1]], [[0]]])
    }

    /// A record (type or variable) whose declaration failed is one error, not one more per use.
    func testNoCascadeFromAFailedRecord() {
        let (m, ds) = elaborate("""
        type File = record { refs: 0..3, b: bool }
        var f: File = { refs: 9, b: true }
        type Bad = record { x: Nope }
        var h: Bad = { x: 1 }
        invariant i: f.refs == 0 && h.x == 1
        process p { var l: File = { refs: 7, b: true }
         a: l.refs = 1
            f = l }
        """)
        XCTAssertNil(m)
        let errors = ds.filter { $0.contains("error") }
        guard errors.count == 3 else { return XCTFail("expected 3 errors: \(errors)") }
        XCTAssertTrue(errors[0].hasPrefix("2:23: error: 9 is not a value of 0..3"), "\(errors)")
        XCTAssertTrue(errors[1].hasPrefix("3:24: error: unknown type 'Nope'"), "\(errors)")
        XCTAssertTrue(errors[2].hasPrefix("6:35: error: 7 is not a value of 0..3"), "\(errors)")
    }

    func testRecordsAreNotMixedWithOtherSymbols() {
        assertError("var File: bool = false", "'File' is already declared as a record type")
        assertError("var f: bool = false", "'f' is already declared as a variable")
        assertError("invariant i: File.refs == 0", "6:14: error: 'File' is a record type; read its fields through a variable")
    }
}
