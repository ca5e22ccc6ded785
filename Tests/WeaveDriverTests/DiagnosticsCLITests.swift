import Foundation
import XCTest

/// Issue 16, item 8, through the binary: bad input gives a bounded, readable report, fast.
final class DiagnosticsCLITests: XCTestCase {
    func weave(_ args: [String], cwd: String, timeout: Double = 60) throws -> FuzzTests.RunResult {
        let r = try FuzzTests.run(try FuzzTests.binary(), args, timeout: timeout, cwd: cwd)
        XCTAssertFalse(r.timedOut, "weave \(args.joined(separator: " ")) did not finish in \(timeout) s")
        XCTAssertFalse(r.signalled, "weave \(args.joined(separator: " ")) died by signal \(r.code)")
        return r
    }

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-diag-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Review B7: 100 KB of one-line garbage printed 7.8 GB of errors in 120 s.
    func testGarbageFileGivesAShortReportQuickly() throws {
        let dir = try scratch()
        var bytes: [UInt8] = []
        var seed: UInt64 = 7
        let alphabet: [UInt8] = [0xEF, 0x7C, 0x41, 0x20]
        for _ in 0..<100_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(alphabet[Int(seed >> 62)])
        }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/g.weave"))
        // Through `head`, so that an unbounded report cannot fill the test's memory.
        let script = "\"$0\" check g.weave 2>&1 | head -c 100000; echo \"exit=${PIPESTATUS[0]}\" >&2"
        let t0 = Date()
        let r = try FuzzTests.run("/bin/bash", ["-c", script, try FuzzTests.binary()], timeout: 30, cwd: dir)
        XCTAssertFalse(r.timedOut)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
        XCTAssertEqual(r.err, "exit=65\n")
        XCTAssertLessThan(r.out.utf8.count, 20_000)
        XCTAssertTrue(r.out.contains("more errors not shown"), String(r.out.suffix(500)))
        // Every excerpt line is cut to the window, not the 100 KB line.
        for line in r.out.split(separator: "\n") { XCTAssertLessThan(line.count, 200, String(line.prefix(300))) }
    }

    func testByteOrderMarkAndDeviceFiles() throws {
        let dir = try scratch()
        var data = Data([0xEF, 0xBB, 0xBF])
        data += Data("var x: bool = true\nprocess p { s: x = !x }\n".utf8)
        try data.write(to: URL(fileURLWithPath: dir + "/bom.weave"))
        let bom = try weave(["check", "bom.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(bom.code, 0, bom.err)
        XCTAssertTrue(bom.out.contains("HOLDS"), bom.out)

        let null = try weave(["check", "/dev/null"], cwd: dir)
        XCTAssertEqual(null.code, 65)
        XCTAssertTrue(null.err.contains("'/dev/null': it is a character device, not a regular file"), null.err)
        XCTAssertFalse(null.err.contains("permission"), null.err)
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o600), 0)
        let fifo = try weave(["check", "fifo"], cwd: dir, timeout: 20)
        XCTAssertEqual(fifo.code, 65)
        XCTAssertTrue(fifo.err.contains("'fifo': it is a named pipe (FIFO), not a regular file"), fifo.err)

        // A NUL byte is named and shown escaped, never written raw.
        try Data("var x: bool = \u{0}true\n".utf8).write(to: URL(fileURLWithPath: dir + "/nul.weave"))
        let nul = try weave(["check", "nul.weave"], cwd: dir)
        XCTAssertEqual(nul.code, 65)
        XCTAssertFalse(nul.err.utf8.contains(0), nul.err)
        XCTAssertTrue(nul.err.contains("var x: bool = <U+0000>true"), nul.err)
    }
}
