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
}
