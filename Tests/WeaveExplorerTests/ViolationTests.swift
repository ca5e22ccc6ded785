import WeaveExplorer
import WeaveIR
import XCTest

final class ViolationTests: XCTestCase {
    /// The flush race: the shortest trace has another thread's llist_del_all take
    /// nfsd's file, and nfsd rename before that __fput ran.
    func testFlushRaceShortestTrace() throws {
        let m = try modelFile("Models/flush_delayed_fput.weave")
        let r = try check(m, properties: .only(["close completed before rename"]))
        let v = try XCTUnwrap(r.verdict.violation)
        XCTAssertEqual(v.kind, .assertion)
        XCTAssertEqual(v.property, "close completed before rename")
        let t = try XCTUnwrap(v.trace)
        let names = t.steps.map(\.name)
        XCTAssertEqual(names.count, 6, "\(names)")
        // The renaming thread's flush came after another thread's flush took the list.
        let renamer = try XCTUnwrap(names.last?.split(separator: ".").first).description
        XCTAssertTrue(names.last?.hasSuffix(".rename") ?? false)
        let flushes = names.enumerated().filter { $0.element.hasSuffix(".flush") }
        let other = try XCTUnwrap(flushes.first { !$0.element.hasPrefix(renamer) })
        let own = try XCTUnwrap(flushes.last { $0.element.hasPrefix(renamer) })
        XCTAssertLessThan(other.offset, own.offset)
        // And no __fput of the renamer's file ran before the rename.
        XCTAssertTrue(v.failedInsideStep)
        // DFS finds it too (not necessarily shortest).
        XCTAssertNotNil(try check(m, dfs: true, properties: .only(["close completed before rename"])).verdict.violation)
        // The fixes hold.
        for d in ["fput_sync", "fput_queued", "flush_waits_for_all"] {
            let r2 = try check(try modelFile("Models/flush_delayed_fput.weave", ["design": d]))
            XCTAssertTrue(r2.verdict.isHolds, "\(d): \(r2.verdict)")
        }
    }

    func testDeadlockIsReportedWithBlockedProcesses() throws {
        let m = try model("""
        var a: bool = false
        var b: bool = false
        process p {
          x: await !a
             a = true
          y: await !b
             b = true
        }
        process q {
          x: await !b
             b = true
          y: await !a
             a = true
        }
        """)
        let v = try XCTUnwrap(try check(m).verdict.violation)
        XCTAssertEqual(v.kind, .deadlock)
        XCTAssertEqual(v.trace?.steps.count, 2)
        // BFS finds a depth-2 deadlock: one process ran to completion and the other
        // waits at x forever (there are two, mirror images; either is a shortest trace).
        let runner = try XCTUnwrap(v.trace?.steps.first?.name.split(separator: ".").first)
        XCTAssertEqual(v.trace?.steps.map { $0.name }, ["\(runner).x", "\(runner).y"])
        let other = runner == "p" ? "q" : "p"
        XCTAssertTrue(v.message.contains("\(other) is blocked at x"), v.message)
        XCTAssertTrue(try check(m, deadlock: false).verdict.isHolds)
    }

    func testRuntimeErrorsAreViolationsWithPositions() throws {
        let cases: [(String, String, Int)] = [
            ("var a: [0..1] bool = false\nvar i: 0..2 = 0\nprocess p {\n  s: i = 2\n  t: a[i] = true\n}", "index out of range", 5),
            ("var q: queue<0..1, 2> = []\nvar x: 0..1 = 0\nprocess p {\n  s: x = pop(q)\n}", "pop from an empty", 4),
            ("var x: 0..3 = 3\nprocess p {\n  s: x = x + 1\n}", "value out of range", 3),
            ("var x: 0..3 = 0\nvar y: 0..3 = 1\nprocess p {\n  s: y = y / x\n}", "division by zero", 4),
        ]
        for (text, message, line) in cases {
            let v = try XCTUnwrap(try check(try model(text)).verdict.violation, text)
            XCTAssertEqual(v.kind, .runtimeError, text)
            XCTAssertTrue(v.message.contains(message), "\(v.message) should say \(message)")
            XCTAssertEqual(v.range.map { $0.file.lineColumn($0.start).line }, line, text)
        }
    }

    func testOverflowIsNamedAfterTheQueue() throws {
        let m = try model("""
        var q: stack<0..1, 2> = []
        process p {
          s: push(q, 1)
             goto s
        }
        """)
        let v = try XCTUnwrap(try check(m).verdict.violation)
        XCTAssertEqual(v.kind, .overflow)
        XCTAssertEqual(v.property, "overflow(q)")
        XCTAssertEqual(v.trace?.steps.count, 3)
    }

    func testUnreachedReachableFails() throws {
        let m = try model("""
        var x: 0..3 = 0
        process p { s: x = 1 }
        reachable three: x == 3
        reachable one: x == 1
        """)
        let v = try XCTUnwrap(try check(m).verdict.violation)
        XCTAssertEqual(v.kind, .unreachable)
        XCTAssertEqual(v.property, "three")
        XCTAssertTrue(try check(m, properties: .only(["one"])).verdict.isHolds)
    }

    func testInvariantViolationShortestTrace() throws {
        let m = try model("""
        var x: 0..9 = 0
        process p(i: 0..1) {
          s: x = x + 1
             goto s
        }
        invariant small: x < 4
        """)
        let v = try XCTUnwrap(try check(m).verdict.violation)
        XCTAssertEqual(v.kind, .invariant)
        XCTAssertEqual(v.trace?.steps.count, 4)
        XCTAssertEqual(v.trace?.states.last?.first, 4)
    }

    func testLimitsReportIncompleteNeverHolds() throws {
        let m = try model("""
        var x: 0..200 = 0
        process p { s: x = x + 1
                       if x < 200 { goto s } }
        """)
        XCTAssertNotNil(try check(m, maxStates: 50).verdict.incompleteReason)
        XCTAssertTrue(try check(m).verdict.isHolds)
    }
}
