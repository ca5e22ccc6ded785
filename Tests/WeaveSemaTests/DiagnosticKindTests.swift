import Foundation
import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// Every diagnostic of `text` (errors if elaboration fails, else its warnings), as values.
func diagnostics(_ text: String, _ overrides: [String: String] = [:], directory: String? = nil) -> [Diagnostic] {
    do {
        let src = try Loader.load(text: text, path: "t.weave", directory: directory)
        return try Sema.elaborate(src, overrides: overrides, lint: true).1
    } catch {
        return error.diagnostics
    }
}

/// Where `d` points, as "line:col", or "-" for a diagnostic without a position.
func position(_ d: Diagnostic) -> String {
    guard let r = d.range else { return "-" }
    let (l, c) = r.file.lineColumn(r.start)
    return "\(l):\(c)"
}

/// Asserts that `text` gives a diagnostic of exactly `kind` (associated values included) at
/// `at` ("line:col", "-" for none, nil not to check the position).
func assertReports(_ text: String, _ kind: SemaDiagnostic, at: String?, _ overrides: [String: String] = [:],
                   file: StaticString = #filePath, line: UInt = #line) {
    let ds = diagnostics(text, overrides)
    let hit = ds.first { ($0.kind as? SemaDiagnostic) == kind }
    XCTAssertNotNil(hit, "no \(kind) in \(ds.map { "\(position($0)) \($0.message)" })", file: file, line: line)
    if let hit, let at { XCTAssertEqual(position(hit), at, "\(kind)", file: file, line: line) }
}

/// Asserts that `text` gives a diagnostic whose kind has `id`, at `at` (as above).
func assertReports(_ text: String, id: String, at: String?, _ overrides: [String: String] = [:],
                   file: StaticString = #filePath, line: UInt = #line) {
    let ds = diagnostics(text, overrides)
    let hit = ds.first { $0.id == id }
    XCTAssertNotNil(hit, "no \(id) in \(ds.map { "\(position($0)) \($0.id ?? "-") \($0.message)" })", file: file, line: line)
    if let hit, let at { XCTAssertEqual(position(hit), at, id, file: file, line: line) }
}

/// Sema's catalogue of diagnostics, checked by kind and position instead of by wording:
/// a table of snippets, each with a `‸` where the diagnostic must point (no `‸`: a
/// diagnostic about the settings, with no position), and the kind it must have.
final class DiagnosticKindTests: XCTestCase {
    struct Row {
        let id: String
        let text: String
        var overrides: [String: String] = [:]
        /// False where the position depends on how far an expansion got, not on the text.
        var checkPosition = true
        let line: UInt
        init(_ id: String, _ text: String, _ overrides: [String: String] = [:], checkPosition: Bool = true, line: UInt = #line) {
            self.id = id; self.text = text; self.overrides = overrides; self.checkPosition = checkPosition; self.line = line
        }
    }

    static let marker: Character = "‸"

    static let p = "\nprocess p { a: skip }"

    /// Two record types and a variable of each, on lines 1 to 5.
    static let rec = """
    type S = enum { open, closed }
    type File = record { refs: 0..3, state: S, queued: bool }
    type Other = record { x: bool }
    var f: File = { refs: 1, state: open, queued: false }
    var o: Other = { x: false }

    """
    static let file0 = "{ refs: 0, state: open, queued: false }"

    static let rows: [Row] = [
        // Declarations and names
        Row("alreadyDeclared", "var x: bool = false\nvar ‸x: bool = false" + p),
        Row("enumValueListedTwice", "type E = enum { a, ‸a }" + p),
        Row("valueNamesNeedRange", "type E = bool names { ‸0: \"z\" }" + p),
        Row("valueNamedTwice", "type T = 0..3 names { 0: \"a\", ‸0: \"b\" }" + p),
        Row("notAValue", "type T = 0..3 names { ‸5: \"a\" }" + p),
        Row("notAValue", "var x: 0..3 = ‸5" + p),
        Row("notAValue", "var x: 0..3 = 0\nprocess p { a: x = ‸7 }"),
        Row("tooManyExpansions", (1...16).map { "def f\($0)(x) = f\($0 - 1)(x) + f\($0 - 1)(x)\n" }.joined()
            + "def f0(x) = x\nvar v: 0..1 = 0\nprocess p { a: await f16(v) > 0 }", checkPosition: false),
        Row("defTooDeep", "def f0(x) = x\n" + (1...35).map { "def f\($0)(x) = !f\($0 - 1)(x)\n" }.joined()
            + "var b: bool = false\nprocess p { a: b = f35(b) }", checkPosition: false),
        Row("macroTooDeep", "macro m(x) { ‸m(x) }\nvar b: bool = false\nprocess p { a: m(b) }"),
        Row("duplicateProperty", "var b: bool = false\ninvariant i: b\ninvariant ‸i: !b" + p),
        Row("duplicateProperty", "var b: bool = false\ninvariant i: b\nliveness ‸i: eventually b" + p),
        Row("assertNamedLikeProperty", "var b: bool = false\nprocess p { a: assert b \"i\"\n goto a }\ninvariant i: b"),
        Row("localDeclaredTwice", "process p { var l: bool = false\n var ‸l: bool = false\n a: l = true }"),
        Row("labelDeclaredTwice", "process p { a: skip\n ‸a: skip }"),
        Row("firstStatementNeedsLabel", "var x: 0..1 = 0\nprocess p { ‸x = 1 }"),
        Row("processIndexTooLarge", "process p(i: ‸0..2000) { a: skip }"),
        Row("processConditionNotConstant", "process p if ‸forall k: 0..1: k >= 0 { a: skip }"),
        Row("unreachableLabel", "var x: 0..1 = 0\nprocess p { a: x = 1\n goto a\n ‸b: x = 0 }"),
        Row("unusedVariable", "var ‸unused: bool = false" + p),

        // Types
        Row("symmetricNotNamed", "var x: ‸symmetric 0..2 = 0" + p),
        Row("symmetricTooLarge", "type S = ‸symmetric 0..99" + p),
        Row("notAType", "const N = 1\nvar x: ‸N = 0" + p),
        Row("unknownType", "var x: ‸Bol = false" + p),
        Row("emptyRange", "var x: ‸3..1 = 3" + p),
        Row("rangeTooLarge", "var x: ‸0..9999999999999 = 0" + p),
        Row("arrayIndexNotScalar", "var a: [‸set<0..1>] bool = false" + p),
        Row("arrayTooLarge", "var a: ‸[0..2000000] bool = false" + p),
        Row("setElementNotScalar", "var s: set<‸0..100> = {}" + p),
        Row("queueElementNotScalar", "var q: queue<‸set<0..1>, 2> = []" + p),
        Row("capacityOutOfBounds", "var q: stack<0..1, ‸0> = []" + p),
        Row("variableTooLarge", "var a: ‸[0..99999] bool = false" + p),

        // Params, consts and command-line settings
        Row("constOverrideNotInteger", "const N = 2\nvar x: 0..N = 0" + p, ["N": "x"]),
        Row("paramNotBoolOrEnum", "param d: ‸0..3 = 0" + p),
        Row("paramOverrideNotAValue", "param d: enum { a, b } = a" + p, ["d": "c"]),
        Row("paramDefaultNotAValue", "param d: bool = ‸3" + p),
        Row("unknownOverride", "const N = 2\nvar x: 0..N = 0" + p, ["M": "3"]),
        Row("constantOverflow", "const X = ‸9223372036854775807 + 1" + p),
        Row("expectedConstant", "const X = ‸forall i: 0..1: i > 0" + p),
        Row("stateInConstant", "var b: bool = false\nconst X = ‸b" + p),

        // Initial values
        Row("queueStartsAsAny", "var q: queue<0..1, 2> = ‸any" + p),
        Row("anySetTooLarge", "var s: set<0..9> = ‸any" + p),
        Row("anyTooManyStates", "var x: 0..99999 = ‸any" + p),
        Row("inInitialiserNotScalar", "var q: queue<0..1, 2> in ‸{0}" + p),
        Row("expectedConstantOfType", "var x: 0..3 in {1, ‸true}" + p),
        Row("initialValuesWrongType", "type E = enum { a, b }\nvar x: 0..3 in ‸E" + p),
        Row("expectedConstantSet", "var x: 0..3 in ‸1" + p),
        Row("emptyInitialSet", "type T = 4..5\nvar x: 0..3 in ‸T" + p),
        Row("indexedInitialiserNotArray", "var x: 0..3 = ‸[t: t]" + p),
        Row("listExceedsCapacity", "var q: queue<0..1, 1> = ‸[0, 1]" + p),
        Row("queueNeedsList", "var q: queue<0..1, 1> = ‸0" + p),
        Row("listSinglesOutSymmetric", "type S = symmetric 0..1\nvar a: [S] bool = false\nprocess p { s: a = ‸[true, false] }"),
        Row("listLengthMismatch", "var a: [0..2] bool = ‸[true]" + p),
        Row("typeMismatch", "var x: bool = ‸1" + p),
        Row("initialValueNotConstant", "var x: 0..3 = ‸if (forall i: 0..1: i >= 0) then 1 else 0" + p),

        // Values and their types
        Row("symmetricValueNamed", "type S = symmetric 0..1\nvar a: [0..1] S = 0\nprocess p { s: a = [‸1, 0] }"),
        Row("symmetricValueOutOfRange", "type S = symmetric 0..1\nvar x: S = ‸5" + p),
        Row("typeMismatch", "type S = symmetric 0..1\nvar x: S = ‸true" + p),
        Row("selfOutsideIndexedProcess", "var b: bool = false\nprocess p { a: b = ‸self == 0 }"),
        Row("branchTypesDiffer", "var b: bool = false\ninvariant i: ‸(if b then 1 else true)" + p),
        Row("setElementTypeUnknown", "var s: set<0..3> = {}\ninvariant i: size(‸{s}) == 1" + p),
        Row("setElementWrongType", "var s: set<0..3> = {}\ninvariant i: s == {‸true}" + p),
        Row("notAValue", "var s: set<0..3> = {}\ninvariant i: s == {‸9}" + p),
        Row("emptySetTypeUnknown", "invariant i: size(‸{}) == 0" + p),
        Row("setElementTypeTooLarge", "var x: 0..100 = 0\ninvariant i: size(‸{x}) == 1" + p),
        Row("noSuchEnumValue", "type A = enum { idle, busy }\nvar a: A = A.‸nope" + p),
        Row("ambiguousEnumValue", "type A = enum { idle, busy }\ntype B = enum { idle, gone }\nvar a: A = idle\nprocess p { s: await size({‸idle}) == 1 }"),
        Row("listNotAssignable", "var x: 0..3 = 0\ninvariant i: ‸[1] == x" + p),
        Row("anyOutsideInitialValue", "var x: 0..3 = 0\nprocess p { a: x = ‸any }"),
        Row("temporalOutsideLiveness", "var b: bool = false\ninvariant i: ‸eventually b" + p),
        Row("leadstoOutsideLiveness", "var b: bool = false\ninvariant i: ‸b leadsto b" + p),
        Row("negationNeedsInteger", "var b: bool = false\ninvariant i: ‸-b == 0" + p),
        Row("notNeedsBool", "var x: 0..3 = 0\ninvariant i: ‸!x" + p),
        Row("conditionNotBool", "var x: 0..3 = 0\ninvariant i: (if ‸x then 1 else 2) == 1" + p),
        Row("quantifierBodyNotBool", "invariant i: forall k: 0..1: ‸k" + p),
        Row("sizeNeedsSet", "var x: 0..3 = 0\ninvariant i: size(‸x) == 0" + p),
        Row("logicNeedsBools", "var x: 0..3 = 0\nvar b: bool = false\ninvariant i: ‸x && b" + p),
        Row("logicNeedsBools", "var x: 0..3 = 0\nvar b: bool = false\ninvariant i: b || ‸x" + p),
        Row("inTypeNeedsValue", "type E = enum { e1, e2 }\nvar b: bool = false\ninvariant i: ‸b in E" + p),
        Row("inNeedsSet", "var x: 0..3 = 0\ninvariant i: 1 in ‸x" + p),
        Row("inNeedsScalar", "var q: queue<0..3, 2> = []\nvar s: set<0..3> = {}\ninvariant i: ‸s in q" + p),
        Row("inArrayOfNonScalars", "var m: [0..1] [0..1] bool = false\ninvariant i: true in ‸m" + p),
        Row("notAMember", "var s: set<0..3> = {}\nvar b: bool = false\ninvariant i: ‸b in s" + p),
        Row("notAnElement", "var q: queue<0..3, 2> = []\nvar b: bool = false\ninvariant i: ‸b in q" + p),
        Row("setTypesDiffer", "var s: set<0..3> = {}\nvar t: set<0..7> = {}\ninvariant i: size(‸s + t) == 0" + p),
        Row("arithmeticNeedsIntegers", "var b: bool = false\ninvariant i: ‸b + 1 > 0" + p),
        Row("cannotCompare", "type E = enum { a, b }\nvar x: E = a\ninvariant i: ‸x == 1" + p),
        Row("cannotCompare", "var s: set<0..3> = {}\nvar t: set<0..7> = {}\ninvariant i: ‸s <= t" + p),
        Row("orderNeedsIntegers", "var b: bool = false\ninvariant i: ‸b < b" + p),
        Row("queueNotAValue", "var q: queue<0..1, 2> = []\ninvariant i: ‸q == q" + p),
        Row("needsQueue", "var x: 0..3 = 0\ninvariant i: len(‸x) == 0" + p),

        // Names in expressions
        Row("unknownName", "var closed: bool = false\ninvariant i: ‸clsoed" + p),
        Row("typeNotAValue", "type T = 0..3\ninvariant i: ‸T == 0" + p),
        Row("macroNotAValue", "macro m() { skip }\ninvariant i: ‸m" + p),
        Row("processNotAValue", "invariant i: ‸p" + p),
        Row("processCallNotAValue", "process q(i: 0..1) { a: skip }\ninvariant i: ‸q(0)" + p),
        Row("macroInExpression", "macro m(x) { skip }\ninvariant i: ‸m(1)" + p),
        Row("statementInExpression", "var q: queue<0..1, 2> = []\ninvariant i: ‸pop(q) == 0" + p),
        Row("defNeedsArguments", "def f(x) = x\ninvariant i: ‸f" + p),
        Row("defArgumentCount", "def f(x) = x\ninvariant i: ‸f(true, false)" + p),
        Row("builtinArgumentCount", "var q: queue<0..1, 2> = []\ninvariant i: ‸len(q, q) == 0" + p),
        Row("macroArgumentCount", "macro m(x) { skip }\nprocess p { a: ‸m(1, 2) }"),
        Row("unknownFunction", "invariant i: ‸lne(1) == 0" + p),

        // Quantifiers and choices
        Row("rangeOverNonScalar", "invariant i: forall s: ‸set<0..1>: true" + p),
        Row("inIntegerNotDomain", "invariant i: forall k in ‸3: true" + p),
        Row("inNotDomain", "var b: bool = false\ninvariant i: forall k in ‸b: true" + p),
        Row("subsetTooLarge", "process p { a: choose s: subset ‸0..20 { skip } }"),

        // Processes and labels
        Row("processAbsent", "param on: bool = false\nprocess r if on { a: skip }\ninvariant i: at(‸r, a)" + p),
        Row("processAbsent", "param on: bool = false\nprocess r if on { a: skip }\ninvariant i: ‸r" + p),
        Row("notAProcess", "var x: 0..1 = 0\ninvariant i: at(‸x, a)" + p),
        Row("processNeedsIndex", "process q(i: 0..1) { a: skip }\ninvariant i: at(‸q, a)" + p),
        Row("processNotIndexed", "invariant i: at(‸p(0), a)" + p),
        Row("processTakesOneIndex", "process q(i: 0..1) { a: skip }\ninvariant i: at(‸q(0, 1), a)" + p),
        Row("processIndexWrongType", "process q(i: 0..1) { a: skip }\ninvariant i: at(q(‸true), a)" + p),
        Row("notAnIndex", "process q(i: 0..1) { a: skip }\ninvariant i: at(q(‸5), a)" + p),
        Row("expectedProcessInstance", "invariant i: at(‸1, a)" + p),
        Row("unknownProcessLabel", "invariant i: at(p, ‸b)" + p),
        Row("unknownLabel", "var x: 0..1 = 0\nprocess p { a: x = 1\n goto ‸flsh\n flush: skip }"),
        Row("unknownLocal", "process q { var l: bool = false\n a: l = true }\ninvariant i: q.‸m" + p),

        // Statements and assignment
        Row("assignToBound", "var x: 0..1 = 0\nprocess p(i: 0..1) { a: ‸i = 1 }"),
        Row("notAVariable", "const N = 1\nprocess p { a: ‸N = 1 }"),
        Row("unknownVariable", "var x: 0..1 = 0\nprocess p { a: ‸y = 1 }"),
        Row("indexNonArray", "var x: 0..1 = 0\nprocess p { a: ‸x[0] = 1 }"),
        Row("indexWrongType", "var a: [0..1] bool = false\nprocess p { s: a[‸true] = true }"),
        Row("indexOutOfRange", "var a: [0..1] bool = false\ninvariant i: a[‸2]" + p),
        Row("expectedPlace", "var x: 0..1 = 0\nprocess p { a: ‸len(x) = 1 }"),
        Row("expectedBoolCondition", "var x: 0..1 = 0\nprocess p { a: await ‸x }"),
        Row("loopStepPerIteration", "var x: 0..3 = 0\nprocess p { a: ‸while x < 3 { x = x + 1 } }"),
        Row("pushArguments", "var q: queue<0..1, 2> = []\nprocess p { a: ‸push(q) }"),
        Row("cannotPush", "var q: queue<0..1, 2> = []\nprocess p { a: push(q, ‸true) }"),
        Row("popArguments", "var q: queue<0..1, 2> = []\nprocess p { a: ‸pop(q, q) }"),
        Row("unknownStatement", "process p { a: ‸skp() }"),
        Row("cannotAssignElement", "var q: queue<0..1, 2> = []\nvar b: bool = false\nprocess p { a: ‸b = pop(q) }"),
        Row("cannotAssign", "var x: bool = false\nvar y: 0..3 = 0\nprocess p { a: y = ‸x }"),
        Row("cannotCopy", "var a: [0..1] bool = false\nvar b: [0..2] bool = false\nprocess p { s: a = ‸b }"),

        // Properties
        Row("propertyNotBool", "var x: 0..3 = 0\ninvariant i: ‸x" + p),
        Row("livenessQuantifierInfinite", "liveness l: ‸forall k in {0, 1}: eventually k == 0" + p),
        Row("expectedBool", "var x: 0..3 = 0\nliveness l: eventually ‸x" + p),
        Row("alwaysWithoutEventually", "var b: bool = false\nliveness l: ‸always b" + p),
        Row("livenessShape", "var b: bool = false\nliveness l: ‸b" + p),

        // Records (`rec` declares File and Other, and f and o of them, on lines 1 to 5)
        Row("fieldDeclaredTwice", "type Bad = record { a: bool, ‸a: 0..1 }" + p),
        Row("arrayIndexNotScalar", rec + "var a: [‸set<0..1>] File = " + file0 + p),
        Row("recordTypeMisplaced", rec + "var q: queue<‸File, 2> = []" + p),
        Row("recordInInitialiser", rec + "var g: File in ‸{1}" + p),
        Row("indexedInitialiserNotArray", rec + "var g: File = ‸[t: " + file0 + "]" + p),
        Row("fieldTooLarge", "type Big = record { a: [0..99999] bool }\nvar g: ‸Big = { a: false }" + p),
        Row("listLengthMismatch", rec + "var a: [0..1] File = ‸[" + file0 + "]" + p),
        Row("expectedRecordLiteral", rec + "var g: File = ‸3" + p),
        Row("unknownField", rec + "process p { l: f.‸ref = 1 }"),
        Row("unknownField", rec + "var g: File = { refs: 1, state: open, queued: true, ‸size: 2 }" + p),
        Row("fieldGivenTwice", rec + "var g: File = { refs: 1, state: open, queued: true, ‸refs: 2 }" + p),
        Row("missingFields", rec + "var g: File = ‸{ refs: 1, state: open }" + p),
        Row("recordLiteralMisplaced", "invariant i: ‸{ a: true }" + p),
        Row("recordTypeNotAValue", rec + "invariant i: ‸File" + p),
        Row("recordNotAValue", rec + "invariant i: f.refs > 0 || ‸f" + p),
        Row("recordTypeFieldRead", rec + "invariant i: ‸File.refs == 0" + p),
        Row("indexNonArray", rec + "invariant i: ‸f[0].refs == 0" + p),
        Row("indexWrongType", rec + "var a: [0..1] File = " + file0 + "\ninvariant i: a[‸true].refs == 0" + p),
        Row("recordIndexOutOfRange", rec + "var a: [0..1] File = " + file0 + "\ninvariant i: a[‸5].refs == 0" + p),
        Row("notARecord", "var n: 0..3 = 0\nprocess p { l: n.‸refs = 1 }"),
        Row("recordArrayNeedsIndex", rec + "var a: [0..1] File = " + file0 + "\ninvariant i: a.‸refs[0] == 0" + p),
        Row("nestedRecordArray", "type In = record { x: bool }\ntype Out = record { l: [0..1] In }\nvar a: Out = { l: { x: false } }\n"
            + "var b: Out = { l: { x: true } }\ninvariant i: ‸a == b" + p),
        Row("recordLiteralTypeUnknown", "invariant i: { a: 1 } == ‸{ a: 1 }" + p),
        Row("recordArrayNotElement", rec + "var a: [0..1] File = " + file0 + "\nvar c: [0..1] File = " + file0 + "\ninvariant i: ‸a == c" + p),
        Row("cannotCompareRecord", rec + "invariant i: ‸f == 1" + p),
        Row("cannotCompareRecords", rec + "invariant i: ‸f == o" + p),
        Row("recordFieldNotComparable", "type B = record { q: queue<0..1, 1> }\nvar a: B = { q: [] }\nvar b: B = { q: [] }\ninvariant i: ‸a == b" + p),
        Row("typeMismatch", rec + "invariant i: f == { refs: ‸true, state: open, queued: false }" + p),
        Row("recordLiteralNotAssignable", "var x: 0..1 = 0\nprocess p { a: x = ‸{ y: 1 } }"),
        Row("cannotAssignRecord", rec + "process p { l: f = ‸o }"),
        Row("recordAssignedNonRecord", rec + "process p { l: f = ‸3 }"),
        Row("cannotAssignField", rec + "process p { l: f = { refs: ‸true, state: open, queued: false } }"),
        Row("notAValue", rec + "process p { l: f = { refs: ‸7, state: open, queued: false } }"),
        Row("recordAssignmentCycle", rec + "process p { l: ‸f = { refs: if f.queued then 1 else 2, state: open, queued: f.refs == 1 } }"),
        Row("unusedField", "type File = record { refs: 0..3, queued: bool }\nvar ‸f: File = { refs: 1, queued: false }\ninvariant i: f.refs >= 0" + p),
        Row("unusedVariable", "type Other = record { x: bool }\nvar ‸o: Other = { x: false }" + p),
    ]

    /// The text without the marker, and the marker's line and column (nil without one).
    static func locate(_ text: String) -> (String, (Int, Int)?) {
        guard let i = text.firstIndex(of: marker) else { return (text, nil) }
        let before = text[..<i]
        let line = before.filter { $0 == "\n" }.count + 1
        let col = before.utf8.count - (before.lastIndex(of: "\n").map { before.utf8.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
        var out = text
        out.remove(at: i)
        return (out, (line, col))
    }

    func testEachKindIsReportedAtItsPosition() {
        for row in Self.rows {
            let (text, position) = Self.locate(row.text)
            let ds = diagnostics(text, row.overrides)
            let found = ds.filter { $0.id == row.id }
            let shown = ds.map { d in "\(d.id ?? "-") \(d.range.map { "\($0.file.lineColumn($0.start))" } ?? "nil") \(d.message)" }
            guard let d = found.first else {
                XCTFail("no \(row.id) in \(shown)", line: row.line)
                continue
            }
            if row.checkPosition {
                let at = d.range.map { $0.file.lineColumn($0.start) }
                XCTAssertEqual(at.map { "\($0.line):\($0.column)" }, position.map { "\($0.0):\($0.1)" }, "\(row.id): \(shown)", line: row.line)
            }
            // The diagnostic is what its kind says, word for word.
            let kind = d.kind as? SemaDiagnostic
            XCTAssertEqual(kind?.message, d.message, line: row.line)
            XCTAssertEqual(kind?.notes, d.notes.prefix(kind?.notes.count ?? 0).map { $0 }, line: row.line)
            XCTAssertEqual(kind?.severity, d.severity, line: row.line)
        }
    }

    /// `isTypeError` picks the kinds whose messages held one of these phrases, which is how
    /// the symmetric-type note chose its diagnostics before the catalogue.
    func testTypeErrorsAreTheKindsThatUsedToBeMatchedByPhrase() {
        let phrases = ["cannot compare", "cannot assign", "needs two integers", "compares integers", "must be a",
                       "does not belong", "cannot push", "needs an integer", "expected a value of type", "cannot combine",
                       "cannot copy", "different types", "is not an index", "is out of range", "cannot be a member"]
        var seen = 0
        for row in Self.rows {
            for d in diagnostics(Self.locate(row.text).0, row.overrides) {
                guard let kind = d.kind as? SemaDiagnostic else { continue }
                seen += 1
                XCTAssertEqual(kind.isTypeError, phrases.contains { d.message.contains($0) }, "\(kind.id): \(d.message)", line: row.line)
            }
        }
        XCTAssertGreaterThan(seen, Self.rows.count)
    }

    /// Loading files: the kinds that need a file system rather than a snippet.
    func testLoaderKinds() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-kinds-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func loadIDs(_ path: String) -> [String?] {
            do { _ = try Loader.load(path: path); return [] } catch { return error.diagnostics.map(\.id) }
        }
        XCTAssertEqual(loadIDs(dir.path + "/absent.weave"), ["noSuchFile"])
        XCTAssertEqual(loadIDs(dir.path), ["isDirectory"])
        XCTAssertEqual(loadIDs("/dev/null"), ["notRegularFile"])
        let big = dir.appendingPathComponent("big.weave")
        try Data(count: Loader.maxFileBytes + 1).write(to: big)
        XCTAssertEqual(loadIDs(big.path), ["fileTooLarge"])

        for (id, source) in [("importAfterDeclarations", "var x: bool = false\n‸import \"a.weave\""),
                             ("importNotWeaveFile", "‸import \"a.txt\""),
                             ("importNotFound", "‸import \"absent.weave\"")] {
            let (text, position) = Self.locate(source)
            let d = diagnostics(text, directory: dir.path).first { $0.id == id }
            XCTAssertNotNil(d, id)
            XCTAssertEqual(d?.range.map { let (l, c) = $0.file.lineColumn($0.start); return "\(l):\(c)" }, position.map { "\($0.0):\($0.1)" }, id)
        }
    }

    /// The catalogue's ids are its case names, and every kind has a row here (or in
    /// `testLoaderKinds`), except `unreadableFile`, which a test run as root cannot provoke, and
    /// `subsetOutsideChoose` and `recordTypeNotNamed`, which the parser cannot produce (it
    /// writes `subset` only after `choose s:`, and `record { ... }` only as a whole type
    /// declaration); Sema keeps the checks for syntax built otherwise.
    func testEveryKindHasARowAndItsIDIsItsName() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/WeaveSema/SemaDiagnostic.swift")
        let text = try String(contentsOf: source, encoding: .utf8)
        // `case .name...: return ("id", ...`, possibly with the return on the next line.
        let entry = try NSRegularExpression(pattern: #"case \.(\w+)[^\n]*:\s*\n?\s*return \("(\w+)""#)
        let matches = entry.matches(in: text, range: NSRange(text.startIndex..., in: text))
        var ids: [String] = []
        for m in matches {
            guard let a = Range(m.range(at: 1), in: text), let b = Range(m.range(at: 2), in: text) else { continue }
            XCTAssertEqual(String(text[a]), String(text[b]), "the id of .\(text[a]) is not its name")
            ids.append(String(text[b]))
        }
        let declared = try NSRegularExpression(pattern: #"^    case (\w+)"#, options: .anchorsMatchLines)
            .numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
        XCTAssertEqual(ids.count, declared, "every declared case has one entry")
        let covered = Set(Self.rows.map(\.id)).union(["noSuchFile", "isDirectory", "notRegularFile", "fileTooLarge",
                                                      "importAfterDeclarations", "importNotWeaveFile", "importNotFound",
                                                      "unreadableFile", "subsetOutsideChoose", "recordTypeNotNamed"])
        XCTAssertEqual(Set(ids).subtracting(covered).sorted(), [])
    }
}
