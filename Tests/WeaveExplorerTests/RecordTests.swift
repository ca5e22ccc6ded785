import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// Records (issue 20 item 4) are lowered to one variable per field: a model written with
/// records explores exactly like the same model written with separate variables.
final class RecordTests: XCTestCase {
    /// Per-file state as a record, an array of records indexed by thread, a record local.
    static let withRecords = """
    const THREADS = 2
    type Thread = 0..<THREADS
    type FileState = enum { open, closing, closed }
    type File = record { refs: 0..3, state: FileState, queued: bool }
    var file: [Thread] File = [t: { refs: 1, state: open, queued: t == 1 }]
    var last: File = { refs: 0, state: closed, queued: false }
    fair process closer(t: Thread) {
      var seen: File = { refs: 0, state: open, queued: false }
      put: file[t].refs--
           if file[t].refs == 0 { file[t].state = closing }
      mark: file[1 - t].queued = true
             seen = file[1 - t]
      finish: await seen.state != closed
              file[t].state = closed
              last = file[t]
              last.refs += 1
              done
    }
    invariant refs_not_lost: forall t: Thread: file[t].state == closed => file[t].refs == 0
    invariant last_ok: last != { refs: 0, state: closed, queued: true }
    """

    /// The same model with one variable (or array) per field, written by hand.
    static let flat = """
    const THREADS = 2
    type Thread = 0..<THREADS
    type FileState = enum { open, closing, closed }
    var file_refs: [Thread] 0..3 = 1
    var file_state: [Thread] FileState = open
    var file_queued: [Thread] bool = [t: t == 1]
    var last_refs: 0..3 = 0
    var last_state: FileState = closed
    var last_queued: bool = false
    fair process closer(t: Thread) {
      var seen_refs: 0..3 = 0
      var seen_state: FileState = open
      var seen_queued: bool = false
      put: file_refs[t]--
           if file_refs[t] == 0 { file_state[t] = closing }
      mark: file_queued[1 - t] = true
             seen_refs = file_refs[1 - t]
             seen_state = file_state[1 - t]
             seen_queued = file_queued[1 - t]
      finish: await seen_state != closed
              file_state[t] = closed
              last_refs = file_refs[t]
              last_state = file_state[t]
              last_queued = file_queued[t]
              last_refs += 1
              done
    }
    invariant refs_not_lost: forall t: Thread: file_state[t] == closed => file_refs[t] == 0
    invariant last_ok: !(last_refs == 0 && last_state == closed && last_queued)
    """

    func testRecordsExploreLikeSeparateVariables() throws {
        let a = try check(try model(RecordTests.withRecords), properties: .only(["refs_not_lost"]))
        let b = try check(try model(RecordTests.flat), properties: .only(["refs_not_lost"]))
        XCTAssertTrue(a.verdict.isHolds, "\(a.verdict)")
        XCTAssertTrue(b.verdict.isHolds, "\(b.verdict)")
        XCTAssertGreaterThan(a.statistics.distinct, 10)
        XCTAssertEqual(a.statistics.distinct, b.statistics.distinct)
        XCTAssertEqual(a.statistics.generated, b.statistics.generated)
        // Without the `+= 1` the copy of a closed, queued file violates last_ok: the same
        // verdict in both forms, and a trace of the same length with the same states.
        let c = try check(try model(RecordTests.withRecords.replacingOccurrences(of: "last.refs += 1", with: "skip")),
                          properties: .only(["last_ok"]))
        let d = try check(try model(RecordTests.flat.replacingOccurrences(of: "last_refs += 1", with: "skip")),
                          properties: .only(["last_ok"]))
        guard let vc = c.verdict.violation, let vd = d.verdict.violation else {
            return XCTFail("both forms must be violated: \(c.verdict) / \(d.verdict)")
        }
        XCTAssertEqual(vc.trace?.states.count, vd.trace?.states.count)
        XCTAssertEqual(vc.trace?.steps.map(\.name), vd.trace?.steps.map(\.name))
        XCTAssertEqual(vc.trace?.states, vd.trace?.states)
        XCTAssertEqual(c.statistics.distinct, d.statistics.distinct)
    }

    /// How record fields print in a text trace: `f.refs = 1`, an array of records one array
    /// per field (`file.refs = [0, 1]`), a process's record local `closer(0).seen.refs`.
    func testRecordFieldsInTheTextTrace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-records-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = RecordTests.withRecords.replacingOccurrences(of: "last.refs += 1", with: "skip")
        try text.write(to: dir.appendingPathComponent("records.weave"), atomically: true, encoding: .utf8)
        let r = try runRecordWeave(["check", "records.weave", "--property", "last_ok"], cwd: dir)
        XCTAssertEqual(r.code, 12, r.out + r.err)   // an invariant is violated
        let initial = """
          0  initial state
               file.refs = [1, 1]
               file.state = [open, open]
               file.queued = [false, true]
               last.refs = 0
               last.state = closed
               last.queued = false
               closer(0).pc = put
               closer(0).seen.refs = 0
               closer(0).seen.state = open
               closer(0).seen.queued = false
        """
        XCTAssertTrue(r.out.contains(initial), r.out)
        XCTAssertTrue(r.out.contains("last.queued = true"), r.out)
    }

    /// The example of docs/LANGUAGE.md's Records section elaborates, holds, and has the
    /// state count of the same model written with one variable per field.
    func testLanguageDocRecordsExample() throws {
        let doc = try String(contentsOfFile: repoRoot + "/docs/LANGUAGE.md", encoding: .utf8)
        let start = try XCTUnwrap(doc.range(of: "model records_example\n"))
        let end = try XCTUnwrap(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let example = try model(String(doc[start.lowerBound..<end.lowerBound]))
        XCTAssertEqual(example.globals.map(\.name), ["file.refs", "file.state", "file.queued", "last.refs", "last.state", "last.queued"])
        let flat = try model("""
        type FileState = enum { open, closing, closed }
        type Thread = 0..<2
        var refs: [Thread] 0..3 = 1
        var state: [Thread] FileState = open
        var queued: [Thread] bool = [t: t == 1]
        var last_refs: 0..3 = 0
        var last_state: FileState = closed
        var last_queued: bool = false
        fair process closer(t: Thread) {
          var seen_refs: 0..3 = 0
          var seen_state: FileState = open
          var seen_queued: bool = false
          put: refs[t]--
               if refs[t] == 0 { state[t] = closing }
          look: seen_refs = refs[1 - t]
                seen_state = state[1 - t]
                seen_queued = queued[1 - t]
          finish: state[t] = closed
                  last_refs = refs[t]
                  last_state = state[t]
                  last_queued = queued[t]
                  done
        }
        invariant a: forall t: Thread: state[t] == closed => refs[t] == 0
        invariant b: (last_refs == 0 && last_state == closed && !last_queued) || last_queued
        """)
        let a = try check(example), b = try check(flat)
        XCTAssertTrue(a.verdict.isHolds, "\(a.verdict)")
        XCTAssertTrue(b.verdict.isHolds, "\(b.verdict)")
        XCTAssertEqual(a.statistics.distinct, b.statistics.distinct)
    }

    /// An array of records indexed by a symmetric type is one array per field indexed by it:
    /// symmetry reduction merges exactly the states it merges for separate arrays.
    func testArraysOfRecordsUnderSymmetry() throws {
        let records = """
        type Thread = symmetric 0..<3
        type Slot = record { held: bool, uses: 0..2 }
        var slot: [Thread] Slot = { held: false, uses: 0 }
        var owner: Thread = any
        fair process t(i: Thread) {
          a: await !slot[i].held && slot[i].uses < 2
             slot[i].held = true
             slot[i].uses++
             owner = i
          b: slot[i].held = false
             goto a
        }
        invariant bounded: forall u: Thread: slot[u].uses <= 2
        """
        let flat = """
        type Thread = symmetric 0..<3
        var held: [Thread] bool = false
        var uses: [Thread] 0..2 = 0
        var owner: Thread = any
        fair process t(i: Thread) {
          a: await !held[i] && uses[i] < 2
             held[i] = true
             uses[i]++
             owner = i
          b: held[i] = false
             goto a
        }
        invariant bounded: forall u: Thread: uses[u] <= 2
        """
        let a = try check(try model(records), deadlock: false, liveness: false), b = try check(try model(flat), deadlock: false, liveness: false)
        XCTAssertTrue(a.verdict.isHolds, "\(a.verdict)")
        XCTAssertTrue(b.verdict.isHolds, "\(b.verdict)")
        XCTAssertEqual(a.statistics.distinct, b.statistics.distinct)
        XCTAssertEqual(a.statistics.generated, b.statistics.generated)
        // The reduction did something: fewer states than without symmetry.
        let full = try check(try model(records.replacingOccurrences(of: "symmetric ", with: "")), deadlock: false, liveness: false)
        XCTAssertLessThan(a.statistics.distinct, full.statistics.distinct)
    }

    /// `r = src` means every field gets the old value: the field updates are ordered so that
    /// an index or a value that reads a field comes before that field's update. Each
    /// assignment below gives a different result if the fields are assigned in declaration
    /// order (x, then y); the asserts pin the old-value results.
    func testWholeRecordAssignmentReadsOldValues() throws {
        let m = try model("""
        type I = record { x: 0..1, y: 0..7 }
        var a: [0..1] I = [{ x: 0, y: 0 }, { x: 0, y: 1 }]
        var r: I = { x: 1, y: 3 }
        process p {
          l: a[a[0].x] = r                        // the old a[0].x (0) picks the element
             assert a[0].x == 1 && a[0].y == 3 && a[1].y == 1 "index read before the write"
          m: r = { x: 1 - r.x, y: r.x + r.y }     // both from the old r
             assert r.x == 0 && r.y == 4 "values read before the write"
          n: a[1] = a[a[1].x]                     // the old a[1].x (0) picks the source
             assert a[1].x == 1 && a[1].y == 3 "source index read before the write"
        }
        """)
        let result = try check(m)
        XCTAssertTrue(result.verdict.isHolds, "\(result.verdict)")
        XCTAssertEqual(result.statistics.distinct, 4)
    }

    /// The built `weave` binary, run in `cwd`.
    private func runRecordWeave(_ args: [String], cwd: URL) throws -> (code: Int32, out: String, err: String) {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var exe = bin.appendingPathComponent("weave")
        if !FileManager.default.fileExists(atPath: exe.path) { exe = bin.deletingLastPathComponent().appendingPathComponent("weave") }
        if !FileManager.default.fileExists(atPath: exe.path) { exe = URL(fileURLWithPath: repoRoot + "/.build/debug/weave") }
        try XCTSkipUnless(FileManager.default.fileExists(atPath: exe.path), "weave binary not built")
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = cwd
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        let err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
