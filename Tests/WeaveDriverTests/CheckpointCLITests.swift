import Foundation
import XCTest

/// `weave check --checkpoint DIR` killed with SIGKILL midway, then `--resume DIR`: the
/// resumed run reaches the verdict and the state count of an uninterrupted one.
final class CheckpointCLITests: XCTestCase {
    func testKilledRunResumesToTheSameResult() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-kill-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["check", "Benchmarks/flush_race.weave", "--const", "THREADS=4", "--property", "renamed",
                    "--workers", "2", "--quiet"]

        // Start a run that checkpoints at every level, and kill it once a checkpoint exists.
        let p = Process()
        p.executableURL = try weaveExecutable()
        p.arguments = args + ["--checkpoint", dir, "--checkpoint-interval", "0"]
        p.currentDirectoryURL = CLITests.root
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: dir + "/search.ckpt") && Date() < deadline && p.isRunning {
            usleep(20_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/search.ckpt"))

        let r = try runWeave(args + ["--resume", dir], cwd: CLITests.root)
        XCTAssertEqual(r.code, 0, r.err)
        // SPIN counts 109,759 states for this model at THREADS=4 (Benchmarks/spin/flush_race.pml).
        XCTAssertTrue(r.out.contains("HOLDS: every checked property holds in all 109759 reachable states"), r.out)

        let wrong = try runWeave(args.map { $0 == "2" ? "1" : $0 } + ["--resume", dir], cwd: CLITests.root)
        XCTAssertEqual(wrong.code, 74)
        XCTAssertTrue(wrong.err.contains("cannot resume"), wrong.err)
    }

    /// Review bug B3: a checkpoint changed after it was written resumed, and a violated
    /// model came out HOLDS (exit 0). Now any changed byte is a file error (74) naming
    /// the file (and, past the magic number, the section); the untouched checkpoint
    /// resumes to the uninterrupted run's violation.
    func testChangedCheckpointIsAFileErrorNamingTheSection() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-b3-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = "var x: 0..255 = 0\nprocess p {\n  s: if x < 100 { x = x + 1 }\n     goto s\n}\ninvariant never: x != 75\n"
        try model.write(to: dir.appendingPathComponent("c.weave"), atomically: true, encoding: .utf8)
        let whole = try runWeave(["check", "c.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(whole.code, 12, whole.out)
        let first = try runWeave(["check", "c.weave", "--max-states", "50", "--checkpoint", "cp", "--checkpoint-interval", "0",
                                  "--workers", "1", "--quiet"], cwd: dir)
        XCTAssertEqual(first.code, 10, first.out + first.err)
        let file = dir.appendingPathComponent("cp/search.ckpt")
        let original = [UInt8](try Data(contentsOf: file))
        XCTAssertGreaterThan(original.count, 400)
        let resume = ["check", "c.weave", "--resume", "cp", "--workers", "1", "--quiet"]

        // Bytes all over the file, one at a time.
        for i in Array(stride(from: 0, to: original.count, by: 29)) + [original.count - 1] {
            var bytes = original
            bytes[i] ^= 0xFF
            try Data(bytes).write(to: file)
            let r = try runWeave(resume, cwd: dir)
            XCTAssertEqual(r.code, 74, "byte \(i): \(r.out)\(r.err)")
            XCTAssertTrue(r.err.contains("weave: cannot resume: cp/search.ckpt "), "byte \(i): \(r.err)")
            if i >= 8 { XCTAssertTrue(r.err.contains("section '"), "byte \(i): \(r.err)") }
            XCTAssertFalse(r.out.contains("HOLDS"), "byte \(i): \(r.out)")
        }

        // The review's change: the frontier state's x (the last state stored, just before
        // the states section's checksum) becomes 222.
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(original[at + $1]) << (8 * $1) } }
        var at = 8
        while at + 24 <= original.count, u64(at) != 3 { at += 24 + u64(at + 8) }
        let frontierX = at + 16 + u64(at + 8) - 8
        XCTAssertEqual(original[frontierX], 49, "x of the frontier state")
        var bytes = original
        bytes[frontierX] = 0xDE
        try Data(bytes).write(to: file)
        let r = try runWeave(resume, cwd: dir)
        XCTAssertEqual(r.code, 74, r.out + r.err)
        XCTAssertTrue(r.err.contains("cp/search.ckpt is damaged: section 'states of worker 0' fails its checksum"), r.err)
        XCTAssertEqual(r.out, "")

        // The header's tally of generated states, one bit off.
        bytes = original
        bytes[8 + 16 + 16] ^= 1
        try Data(bytes).write(to: file)
        let h = try runWeave(resume, cwd: dir)
        XCTAssertEqual(h.code, 74, h.out + h.err)
        XCTAssertTrue(h.err.contains("cp/search.ckpt is damaged: section 'header' fails its checksum"), h.err)

        try Data(original).write(to: file)
        let ok = try runWeave(resume, cwd: dir)
        XCTAssertEqual(ok.code, 12, ok.out + ok.err)
        XCTAssertTrue(ok.out.contains("VIOLATED: invariant never is violated"), ok.out)
        XCTAssertTrue(ok.out.contains("shortest trace (75 steps)"), ok.out)
    }
}
