import WeaveSource
import WeaveSyntax
import XCTest

/// Parses text and returns the diagnostics as "line:col: message".
func parseErrors(_ text: String) -> [String] {
    var p = Parser(file: SourceFile(path: "t.weave", text: text))
    _ = p.parseFile()
    return p.diagnostics.items.map { d in
        let (l, c) = d.range.map { $0.file.lineColumn($0.start) } ?? (0, 0)
        return "\(l):\(c): \(d.message)"
    }
}

final class ParserTests: XCTestCase {
    func testEveryConstructParses() {
        let text = """
        model demo
        const N = 2 + 1
        type T = 0..<N
        type E = enum { a, b, c }
        param design: enum { one, two } = one
        param flag: bool = false
        var x: 0..3 = any
        var y: 0..3 in {1, 2}
        var arr: [T] bool = false
        var s: set<T> = {0}
        var q: queue<E, 2> = []
        var st: stack<T, N> = []
        macro m(v) { v = 1 }
        def twice(k) = k * 2
        fair process p(i: T) {
          var l: 0..3 = 0
          a: await x < 3 && !arr[i]
             if design == one { x = 1 } else if flag { x = 2 } else { x = 0 }
          b: either { push(q, a) } or { skip }
             choose v in s { l = v }
          end c: while l > 0 { l = l - 1 }
             m(l)
             assert forall j: T: j in s || !arr[j] "named assertion"
             goto a
        }
        strong fair process w {
          d: done
        }
        invariant inv: count j: T: arr[j] <= N && (if x > 1 then y > 0 else true)
        reachable r: exists j in s: at(p(j), c)
        liveness live: forall j: T: arr[j] leadsto at(p(j), done)
        liveness ev: eventually x == 3
        liveness ae: always eventually y == 1
        expect design = one, N in {1, 2}: violated "named assertion"
        expect: holds inv, overflow(q), deadlock
        expect flag = true: proved inv
        """
        XCTAssertEqual(parseErrors(text), [])
    }

    /// Each error points at the offending token.
    func testErrorPositions() {
        let cases: [(String, String)] = [
            ("const = 3", "1:7: expected a constant name, found '='"),
            ("var x 0..3 = 0", "1:7: expected ':' after the variable's name"),
            ("var x: 0..3", "1:12: expected '=' before the variable's initial value"),
            ("process p {\n  a: x == 1\n}", "2:8: expected '=' for an assignment"),
            ("process p {\n  a: assert x\n}", "2:14: expected a message in quotes"),
            ("type T = set<", "1:14: expected a type"),
            ("invariant i: (x", "1:16: expected ')' to close the parenthesis"),
            ("expect x = 1: maybe", "1:15: expected 'holds', 'violated', 'proved' or 'covered'"),
            ("frobnicate", "1:1: expected a declaration"),
            ("var x: bool = true @", "1:20: unexpected character '@'"),
        ]
        for (text, expected) in cases {
            let errs = parseErrors(text)
            XCTAssertTrue(errs.contains { $0.hasPrefix(expected) }, "\(text.debugDescription): \(errs) lacks \(expected)")
        }
    }

    func testRecoversAndReportsSeveralErrors() {
        let errs = parseErrors("const = 1\nvar ok: bool = true\nvar : bool = false\nprocess p {\n  a: x = \n  b: y = 2\n  c: = 3\n}\n")
        XCTAssertGreaterThanOrEqual(errs.count, 3, "\(errs)")
        XCTAssertTrue(errs[0].hasPrefix("1:7"))
        XCTAssertTrue(errs.contains { $0.hasPrefix("3:5") }, "\(errs)")
    }

    func testHostileInputsGiveDiagnosticsNotCrashes() {
        let deep = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        XCTAssertTrue(parseErrors("invariant i: " + deep).contains { $0.contains("nesting is too deep") })
        let deepBlocks = "process p {\n a: " + String(repeating: "if true { ", count: 5000) + "skip" + String(repeating: " }", count: 5000) + "\n}"
        XCTAssertTrue(parseErrors(deepBlocks).contains { $0.contains("nesting is too deep") })
        XCTAssertTrue(parseErrors("const N = 99999999999999999999999").contains { $0.contains("too large") })
        XCTAssertTrue(parseErrors("/* never closed").contains { $0.contains("unterminated block comment") })
        XCTAssertTrue(parseErrors("process p { a: assert true \"open").contains { $0.contains("unterminated string") })
        XCTAssertEqual(parseErrors(""), [])
        var garbage = [UInt8]()
        var seed: UInt64 = 42
        for _ in 0..<200_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            garbage.append(UInt8(truncatingIfNeeded: seed >> 33))
        }
        let errs = parseErrors(String(decoding: garbage, as: UTF8.self))
        XCTAssertFalse(errs.isEmpty)
    }

    func testDiagnosticRendering() {
        let file = SourceFile(path: "m.weave", text: "var x: bool = true\nvar y: 0..3 = x + 1\n")
        let d = Diagnostic(.error, "cannot add bool", at: SourceRange(file: file, start: 33, end: 38), notes: ["did you mean 'z'?"])
        XCTAssertEqual(d.rendered(), """
        m.weave:2:15: error: cannot add bool
         2 | var y: 0..3 = x + 1
           |               ^~~~~
          note: did you mean 'z'?
        """)
    }
}
