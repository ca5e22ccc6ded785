import Foundation
import XCTest

/// Issue 16 item 7 (review bug B4): `--memory-limit` bounds the process, measured the
/// way the kernel sees it (the child's peak resident set, from `wait4`), and
/// `--workers` above the machine's cores is capped with a note.
final class MemoryBoundTests: XCTestCase {
    /// How far above `--memory-limit` the peak resident memory may go: the search
    /// checks the limit after each round (at most a few thousand states), counting what
    /// the coming round may allocate; this covers what that count cannot see.
    static let tolerance = 2 << 20

    struct Measured {
        let code: Int32
        let out: String
        let err: String
        /// The child's peak resident set size.
        let peakBytes: Int
    }

    /// Runs the weave binary (paths in `args` absolute) and measures its peak resident
    /// memory; kills it after `timeout` seconds.
    ///
    /// Not `wait4`'s ru_maxrss of a child spawned from here: posix_spawn shares this
    /// (large) test process's memory until the exec, and the kernel counts that in the
    /// child's maxrss. GNU time forks from its own small process, so its %M is the
    /// child's; without it, the child's VmHWM (its high-water mark, kept exactly by the
    /// kernel) is read from /proc every 2 ms until it exits.
    func measured(_ args: [String], timeout: Double = 120) throws -> Measured {
        let exe = try FuzzTests.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-mem-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let timeTool = "/usr/bin/time"
        let useTime = FileManager.default.isExecutableFile(atPath: timeTool)
        let report = dir + "/maxrss"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: useTime ? timeTool : exe)
        p.arguments = useTime ? ["-f", "%M", "-o", report, exe] + args : args
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let outBox = Box(), errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.set(o.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        group.enter()
        DispatchQueue.global().async { errBox.set(e.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        var polled = 0
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning {
            if !useTime, let status = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
                polled = max(polled, kb * 1024)
            }
            if Date() > deadline { kill(p.processIdentifier, SIGKILL) }
            usleep(2000)
        }
        p.waitUntilExit()
        group.wait()
        XCTAssertEqual(p.terminationReason, .exit, "weave \(args.joined(separator: " ")) died by a signal")
        var peak = polled
        if useTime {
            let text = try String(contentsOfFile: report, encoding: .utf8)
            // The last line is %M (GNU time puts "Command exited with non-zero status N" before it).
            let kb = text.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            peak = try XCTUnwrap(kb, "GNU time's output: \(text)") * 1024
        }
        return Measured(code: p.terminationStatus, out: String(decoding: outBox.get(), as: UTF8.self),
                        err: String(decoding: errBox.get(), as: UTF8.self), peakBytes: peak)
    }

    func mib(_ b: Int) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }

    /// `--workers` far above the cores (200 workers used 801 MiB on a 27-state model;
    /// 10,000 brought the OOM killer): capped at the cores, said on stderr, and the run
    /// is the usual one, within its memory limit.
    func testWorkersAboveTheCoresAreCappedWithANote() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let asked = cores + 62
        let model = RobustCLITests.root + "/Models/flush_delayed_fput.weave"
        let r = try measured(["check", model, "--workers", "\(asked)", "--memory-limit", "128M", "--quiet"])
        XCTAssertEqual(r.code, 12, r.out + r.err)
        XCTAssertTrue(r.err.contains("weave: --workers \(asked) capped at \(cores) (the machine's cores)"), r.err)
        XCTAssertTrue(r.out.contains("VIOLATED: assertion \"close completed before rename\""), r.out)
        XCTAssertTrue(r.out.contains("\(cores) worker"), r.out)
        XCTAssertLessThanOrEqual(r.peakBytes, 128 << 20, "peak \(mib(r.peakBytes))")
        // At or below the cores: no note.
        let one = try measured(["check", model, "--workers", "1", "--quiet"])
        XCTAssertEqual(one.code, 12)
        XCTAssertFalse(one.err.contains("capped"), one.err)
    }

    /// A search that outgrows `--memory-limit` stops (exit 10, "INCOMPLETE: memory
    /// limit", the figures) with its peak resident memory at most the limit plus
    /// `tolerance`: the process's resident memory counts, not only the stores' figure,
    /// and so does a table about to double. At 80 MiB each layout (one worker with
    /// states or fingerprints, the shared table, depth-first) meets a doubling near the
    /// limit: counting only what was resident when the limit was checked, the peaks were
    /// 86-98 MiB; with the stores' figure alone (before), 85-98 MiB at a 64 MiB limit.
    func testMemoryLimitBoundsThePeakResidentMemory() throws {
        let model = RobustCLITests.root + "/Benchmarks/flush_race.weave"
        let limit = 80 << 20
        for mode in [["--workers", "1"], ["--workers", "1", "--fingerprint"], ["--workers", "2"], ["--dfs"]] {
            let what = mode.joined(separator: " ")
            let r = try measured(["check", model, "--const", "THREADS=5", "--property", "renamed", "--memory-limit", "80M", "--quiet"] + mode)
            XCTAssertEqual(r.code, 10, "\(what): \(r.out)\(r.err)")
            XCTAssertTrue(r.out.contains("INCOMPLETE: memory limit: "), "\(what): \(r.out)")
            XCTAssertTrue(r.out.contains("limit 80.0 MiB; no violation found in the "), "\(what): \(r.out)")
            XCTAssertTrue(r.out.contains("states:"), "\(what): \(r.out)")
            XCTAssertLessThanOrEqual(r.peakBytes, limit + MemoryBoundTests.tolerance,
                                     "\(what): peak \(mib(r.peakBytes)), limit 80 MiB + \(mib(MemoryBoundTests.tolerance))")
            // The limit is used, not merely respected: the search got past half of it.
            XCTAssertGreaterThan(r.peakBytes, limit / 2, "\(what): peak \(mib(r.peakBytes))")
        }
    }

    /// A limit below what the process needs to start stops it at once, saying the
    /// resident figure.
    func testALimitBelowTheProcessItselfStopsAtOnce() throws {
        let model = RobustCLITests.root + "/Benchmarks/flush_race.weave"
        let r = try measured(["check", model, "--const", "THREADS=5", "--property", "renamed", "--memory-limit", "8M", "--quiet"])
        XCTAssertEqual(r.code, 10, r.out + r.err)
        XCTAssertTrue(r.out.contains("resident, limit 8.0 MiB"), r.out)
    }
}
