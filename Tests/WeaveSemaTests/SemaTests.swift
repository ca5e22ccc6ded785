import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// Elaborates text; returns the model or the diagnostics as "line:col: message".
func elaborate(_ text: String, _ overrides: [String: String] = [:]) -> (Model?, [String]) {
    do {
        let src = try Loader.load(text: text, path: "t.weave")
        let (m, warnings) = try Sema.elaborate(src, overrides: overrides, lint: true)
        return (m, warnings.map(render))
    } catch {
        return (nil, error.diagnostics.map(render))
    }
}

func render(_ d: Diagnostic) -> String {
    let (l, c) = d.range.map { $0.file.lineColumn($0.start) } ?? (0, 0)
    return "\(l):\(c): \(d.severity.rawValue): \(d.message)" + d.notes.map { " [\($0)]" }.joined()
}

final class SemaTests: XCTestCase {
    func assertError(_ text: String, _ expected: String, _ overrides: [String: String] = [:], line: UInt = #line) {
        let (m, ds) = elaborate(text, overrides)
        XCTAssertNil(m, "expected an error", line: line)
        XCTAssertTrue(ds.contains { $0.contains(expected) }, "\(ds) lacks \(expected)", line: line)
    }

    func testTypeErrorsNameBothTypesAndPosition() {
        assertReports("var x: bool = false\nvar y: 0..3 = 0\nprocess p { a: y = x }", .cannotAssign(value: "bool", place: "0..3"), at: "3:20")
        assertReports("type E = enum { a, b }\nvar x: E = a\ninvariant i: x == 1", id: "cannotCompare", at: "3:14")
        assertReports("var x: bool = false\ninvariant i: x + 1 > 0", id: "arithmeticNeedsIntegers", at: "2:14")
        assertReports("var s: set<0..3> = {}\nvar t: set<0..7> = {}\ninvariant i: s <= t", .cannotCompare("set<0..3>", "set<0..7>"), at: "3:14")
        assertReports("var a: [0..1] bool = false\ninvariant i: a[2]", id: "indexOutOfRange", at: "2:16")
        assertReports("var q: queue<0..1, 2> = []\ninvariant i: q == q", .queueNotAValue(type: "queue<0..1, 2>"), at: "2:14")
        // The words, once: the position, the severity, both types.
        assertError("var x: bool = false\nvar y: 0..3 = 0\nprocess p { a: y = x }", "3:20: error: cannot assign bool to a variable of type 0..3")
    }

    func testDidYouMean() {
        assertReports("var closed: bool = false\ninvariant i: clsoed", .unknownName(name: "clsoed", suggestion: "closed"), at: "2:14")
        assertReports("process p { a: x = 1\n goto flsh\n flush: skip }\nvar x: 0..1 = 0", .unknownLabel(name: "flsh", suggestion: "flush"), at: "2:7")
        assertReports("var x: Bol = false", .unknownType(name: "Bol", suggestion: "bool", declared: []), at: "1:8")
        // How a suggestion reads.
        assertError("var closed: bool = false\ninvariant i: clsoed", "unknown name 'clsoed' [did you mean 'closed'?]")
    }

    func testOverridesAreValidated() {
        let text = "param design: enum { a, b } = a\nconst N = 2\nvar x: 0..N = 0\nprocess p { s: x = 1 }"
        assertReports(text, id: "paramOverrideNotAValue", at: "-", ["design": "c"])
        assertReports(text, .unknownOverride(name: "desgin", suggestion: "design", settings: ["design", "N"]), at: "-", ["desgin": "a"])
        assertReports(text, .constOverrideNotInteger(name: "N", value: "x"), at: "-", ["N": "x"])
        assertError(text, "--param design=c: not a value of the param; allowed: a, b", ["design": "c"])
        XCTAssertNotNil(elaborate(text, ["design": "b", "N": "5"]).0)
        assertReports("const N = 0\ntype T = 0..<N\nvar a: [T] bool = false", .emptyRange(lo: 0, hi: -1), at: "2:10")
        assertReports("const N = 100000000\nvar a: [0..<N] bool = false", id: "arrayTooLarge", at: "2:8")
    }

    func testParamsFoldAway() throws {
        let text = "param d: enum { a, b } = a\nvar x: 0..3 = 0\nprocess p { s: if d == a { x = 1 } else { x = 2 } }"
        let (m, _) = elaborate(text)
        let p = try XCTUnwrap(m?.processes.first)
        // No branch node remains: the condition was a constant.
        XCTAssertFalse(p.nodes.contains { if case .branch = $0.kind { return true }; return false })
    }

    func testMacrosExpandWithQualifiedLabels() throws {
        let text = """
        var lst: stack<0..1, 2> = []
        var ok: bool = false
        macro add(l, v, r) {
          read: r = full(l)
          cas:  if !r { push(l, v) }
        }
        process p { go: add(lst, 1, ok)
                    after: skip }
        """
        let (m, ds) = elaborate(text)
        XCTAssertEqual(m?.processes.first?.labels.map(\.name), ["go", "go.read", "go.cas", "after"], "\(ds)")
        // A second expansion in the step that the first one's labels started nests its names.
        let (m2, _) = elaborate(text.replacingOccurrences(of: "go: add(lst, 1, ok)", with: "go: add(lst, 1, ok)\n add(lst, 0, ok)"))
        XCTAssertEqual(m2?.processes.first?.labels.map(\.name), ["go", "go.read", "go.cas", "go.cas.read", "go.cas.cas", "after"])
        // Two expansions in one step of the body itself would clash.
        let clash = "var l: stack<0..1, 2> = []\nvar r: bool = false\nmacro m(x) { a: x = true }\nprocess p { s: m(r)\n t: skip }\nprocess q { s: skip\n a: skip\n s2: m(r)\n m2: skip }"
        XCTAssertNotNil(elaborate(clash).0)
    }

    func testWarnings() {
        let text = "var unused: bool = false\nvar x: 0..1 = 0\nprocess p { a: x = 1\n goto a\n b: x = 0 }"
        assertReports(text, .unusedVariable(name: "unused"), at: "1:5")
        assertReports(text, .unreachableLabel(label: "b", process: "p"), at: "5:2")
        XCTAssertEqual(diagnostics(text).map(\.severity), [.warning, .warning])
    }

    func testFirstStatementNeedsALabel() {
        assertReports("var x: 0..1 = 0\nprocess p { x = 1 }", .firstStatementNeedsLabel(process: "p"), at: "2:13")
    }

    func testExpectations() throws {
        let src = try Loader.load(text: "param d: enum { a, b } = a\nconst N = 1\nexpect d in {a, b}, N = 3: violated \"msg\"\nexpect: holds x, overflow(q), deadlock\n")
        let e = Sema.expectations(src)
        XCTAssertEqual(e.count, 2)
        XCTAssertEqual(e[0].runs.map { $0.map { "\($0.0)=\($0.1)" } }, [["d=a", "N=3"], ["d=b", "N=3"]])
        XCTAssertEqual(e[0].verdict, .violated("msg"))
        XCTAssertEqual(e[1].verdict, .holds(["x", "overflow(q)", "deadlock"]))
    }

    /// Mutated shipped models: every result is a model or clean diagnostics, never a crash.
    func testFuzzedModelsGiveCleanDiagnostics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Models")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".weave") }.sorted()
        XCTAssertFalse(files.isEmpty)
        var rng = SplitMix(seed: 2026)
        let alphabet = Array("{}()[]<>=!&|+-*/%:;,.\"\n 0123456789abcxyz_".utf8)
        var modelsBuilt = 0
        for iteration in 0..<1500 {
            let name = files[iteration % files.count]
            var bytes = Array(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).utf8)
            for _ in 0..<(1 + rng.next() % 4) where !bytes.isEmpty {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes.remove(at: i)
                case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                case 2: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                default:
                    let j = min(bytes.count, i + Int(rng.next() % 40))
                    bytes.removeSubrange(i..<j)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let src = try Loader.load(text: text, path: name, directory: dir.path)
                _ = try Sema.elaborate(src)
                modelsBuilt += 1
            } catch {
                XCTAssertFalse(error.diagnostics.isEmpty)
                for d in error.diagnostics { XCTAssertFalse(d.rendered().isEmpty) }
            }
        }
        XCTAssertGreaterThan(modelsBuilt, 0)
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class MembershipSemaTests: XCTestCase {
    func assertError(_ text: String, _ expected: String, line: UInt = #line) {
        let (m, ds) = elaborate(text)
        XCTAssertNil(m, "expected an error", line: line)
        XCTAssertTrue(ds.contains { $0.contains(expected) }, "\(ds) lacks \(expected)", line: line)
    }

    func testMembershipTypeErrors() {
        assertError("var q: queue<0..3, 2> = []\nvar b: bool = false\ninvariant i: b in q", "3:14: error: bool cannot be an element of queue<0..3, 2>")
        assertError("type E = enum { a, b }\nvar q: stack<E, 2> = []\ninvariant i: 1 in q", "cannot be an element of stack<E, 2>")
        assertError("var m: [0..1] [0..1] bool = false\ninvariant i: true in m", "2:22: error: 'in' looks for a value among an array's elements, which must be scalars")
        assertError("var q: queue<0..3, 2> = []\nvar s: set<0..3> = {}\ninvariant i: s in q", "'in' needs a scalar on its left, not set<0..3>")
        assertError("var q: queue<0..3, 2> = []\nconst C = 1\nvar x: bool = C in q", "a constant expression cannot read variables")
    }

    func testMembershipElaborates() throws {
        let (m, ds) = elaborate("""
        type E = enum { a, b }
        var q: stack<E, 2> = []
        var arr: [0..1] 0..3 = 0
        process p { s: push(q, b) }
        invariant i: (a in q || 3 in arr) && !(5 in arr)
        """)
        XCTAssertNotNil(m, "\(ds)")
        guard case .binary(.and, let l, _)? = m?.invariants.first?.expr.op, case .binary(.or, let x, let y) = l.op else {
            return XCTFail("unexpected shape")
        }
        guard case .elementOf = x.op, case .elementOf = y.op else { return XCTFail("not membership: \(x.op) \(y.op)") }
    }
}
