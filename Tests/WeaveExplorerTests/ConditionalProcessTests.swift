import WeaveExplorer
import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// `process p if COND` and process families over an empty range exist only in the
/// settings that have them: absent, they have no instance, no state and no step (an
/// inert process guarded by the design would still be a process that can deadlock).
final class ConditionalProcessTests: XCTestCase {
    static let text = """
    param reclaim: bool = false
    const N = 2
    var held: bool = false
    var n: 0..3 = 0
    process rescuer if reclaim {
      a: await !held
         held = true
      b: held = false
         goto a
    }
    process w(i: 0..<N) {
      s: await !held
         held = true
         n = n + 1
      t: held = false
    }
    invariant few: n <= N
    """

    func testAbsentProcessesAreNotInTheModel() throws {
        let off = try model(Self.text)
        XCTAssertEqual(off.processes.map(\.name), ["w"])
        let on = try model(Self.text, ["reclaim": "true"])
        XCTAssertEqual(on.processes.map(\.name), ["rescuer", "w"])
        // Without the rescuer the model is the one written without it: same state space.
        let without = try model(Self.text.replacingOccurrences(of: "process rescuer if reclaim {", with: "process rescuer if false {"))
        let a = try check(off), b = try check(without)
        XCTAssertEqual(a.statistics.distinct, b.statistics.distinct)
        XCTAssertEqual(a.statistics.generated, b.statistics.generated)
        XCTAssertGreaterThan(try check(on).statistics.distinct, a.statistics.distinct)
        // An empty family: no instance at all.
        let none = try model(Self.text, ["N": "0", "reclaim": "true"])
        XCTAssertEqual(none.processes.map(\.name), ["rescuer"])
    }

    func testReferenceToAnAbsentProcessSaysWhy() throws {
        let text = "param on: bool = false\nvar x: bool = false\nprocess p if on { a: x = true }\nprocess q { b: skip }\ninvariant i: !at(p, a)\n"
        let src = try Loader.load(text: text, path: "t.weave", directory: repoRoot)
        XCTAssertThrowsError(try Sema.elaborate(src)) { e in
            let d = (e as? DiagnosticsError)?.diagnostics ?? []
            XCTAssertTrue(d.contains { $0.message.contains("process 'p' is not part of this setting") }, "\(d.map(\.message))")
        }
        XCTAssertNoThrow(try Sema.elaborate(src, overrides: ["on": "true"]))
    }

    func testConditionMustBeAConstantBool() throws {
        let text = "var x: bool = false\nprocess p if x { a: x = true }\n"
        let src = try Loader.load(text: text, path: "t.weave", directory: repoRoot)
        XCTAssertThrowsError(try Sema.elaborate(src))
    }
}

extension ConditionalProcessTests {
    /// `design == d => at(p, l)`: a constant left side that decides leaves the right side
    /// out, so a property may name a process that exists only in design d.
    func testDecidedImplicationMayNameAnAbsentProcess() throws {
        let text = "param on: bool = false\nvar x: bool = false\nprocess p if on { a: x = true }\nprocess q { b: skip }\nreachable r: on => at(p, a)\n"
        let src = try Loader.load(text: text, path: "t.weave", directory: repoRoot)
        XCTAssertNoThrow(try Sema.elaborate(src))
        XCTAssertNoThrow(try Sema.elaborate(src, overrides: ["on": "true"]))
        // Where the left side does not decide, the right side is checked as always.
        let bad = try Loader.load(text: text.replacingOccurrences(of: "on => at(p, a)", with: "!on => at(p, a)"), path: "t.weave", directory: repoRoot)
        XCTAssertThrowsError(try Sema.elaborate(bad))
    }
}
