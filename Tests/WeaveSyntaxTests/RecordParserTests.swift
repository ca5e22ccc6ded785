import WeaveSource
import WeaveSyntax
import XCTest

/// `type F = record { ... }` and record literals `{ field: value }` (issue 20 item 4).
final class RecordParserTests: XCTestCase {
    func parse(_ text: String) -> (SourceUnit, [String]) {
        var p = Parser(file: SourceFile(path: "t.weave", text: text))
        let u = p.parseFile()
        return (u, p.diagnostics.items.map(\.message))
    }

    func testRecordTypeWithCommasOrNewLines() throws {
        for text in ["type File = record { refs: 0..3, state: S, queued: bool }",
                     "type File = record {\n  refs: 0..3\n  state: S,\n  queued: bool\n}"] {
            let (u, errors) = parse(text)
            XCTAssertEqual(errors, [], text)
            guard case .typeAlias(let name, let t)? = u.decls.first, case .record(let fields) = t.kind else {
                return XCTFail("not a record type: \(u.decls)")
            }
            XCTAssertEqual(name.name, "File")
            XCTAssertEqual(fields.map(\.name.name), ["refs", "state", "queued"])
            guard case .range = fields[0].type.kind, case .named("S") = fields[1].type.kind, case .bool = fields[2].type.kind else {
                return XCTFail("field types: \(fields.map(\.type.kind))")
            }
        }
    }

    func testRecordLiteralsAndFieldAccess() throws {
        let (u, errors) = parse("""
        var f: File = { refs: 1, state: S.open,
                        queued: any }
        var a: [T] File = [t: { refs: t, state: open, queued: false }]
        process p { l: a[0].refs += 1
          m: f = { refs: 0, state: closed, queued: true }
          n: await f != a[1] }
        """)
        XCTAssertEqual(errors, [])
        guard case .variable(let f)? = u.decls.first, case .value(let lit) = f.initializer,
              case .recordLiteral(let items) = lit.kind else { return XCTFail("\(u.decls)") }
        XCTAssertEqual(items.map(\.name.name), ["refs", "state", "queued"])
        guard case .member(let base, let field) = items[1].value.kind, case .name("S") = base.kind else { return XCTFail() }
        XCTAssertEqual(field.name, "open")
        guard case .any = items[2].value.kind else { return XCTFail("\(items[2].value.kind)") }
        guard case .variable(let a) = u.decls[1], case .perIndex(_, let e, _) = a.initializer, case .recordLiteral = e.kind else {
            return XCTFail("\(u.decls[1])")
        }
        // A set literal is still a set literal.
        let (v, e2) = parse("var s: set<0..3> = {1, 2}\nvar t: set<0..3> = {}")
        XCTAssertEqual(e2, [])
        guard case .variable(let s)? = v.decls.first, case .value(let x) = s.initializer, case .setLiteral(let xs) = x.kind else {
            return XCTFail()
        }
        XCTAssertEqual(xs.count, 2)
    }

    func testOverflowOfAQueueField() {
        let (u, errors) = parse("expect: violated overflow(p.mine.q)")
        XCTAssertEqual(errors, [])
        guard case .expect(_, .violated(.overflow(let v)), _)? = u.decls.first else { return XCTFail("\(u.decls)") }
        XCTAssertEqual(v.name, "p.mine.q")
    }

    func testRecordSyntaxErrors() {
        XCTAssertTrue(parseErrors("type F = record { }").contains("1:10: a record needs at least one field"), "\(parseErrors("type F = record { }"))")
        XCTAssertTrue(parseErrors("type F = record { a 0..3 }").contains { $0.hasPrefix("1:21: expected ':' after the field's name") },
                      "\(parseErrors("type F = record { a 0..3 }"))")
        XCTAssertTrue(parseErrors("var f: F = { a: 1, b }").contains { $0.hasPrefix("1:22: expected ':' after the field's name") },
                      "\(parseErrors("var f: F = { a: 1, b }"))")
        // `record` is a name elsewhere (not a keyword).
        XCTAssertEqual(parseErrors("var record: bool = false\ntype record2 = enum { record }"), [])
    }
}
