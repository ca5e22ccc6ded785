import Foundation
import XCTest

/// `weave check --distributed` under Open MPI's mpirun (2 and 4 ranks on this machine,
/// `--oversubscribe`), against one-process `weave check` runs of the built binary: the
/// same verdict, property, counts and trace (the JSON report, less its timings and
/// per-process memory figures). Skipped, with a message, only where mpirun is absent.
final class DistributedTests: XCTestCase {
    /// mpirun, or a skip saying how to get it.
    static func mpirun() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/mpirun"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        print("DistributedTests: skipped: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)")
        throw XCTSkip("mpirun not found (apt-get install openmpi-bin libopenmpi-dev)")
    }

    static var repo: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// `weave ARGS` on `ranks` ranks of one machine.
    static func runDistributed(_ ranks: Int, _ args: [String], timeout: Double = 300) throws -> FuzzTests.RunResult {
        let mpi = try mpirun(), exe = try FuzzTests.binary()
        var flags = ["--oversubscribe", "-np", "\(ranks)"]
        if getuid() == 0 { flags.insert("--allow-run-as-root", at: 0) }   // CI runs as root
        return try FuzzTests.run(mpi, flags + [exe] + args + ["--distributed"], timeout: timeout, cwd: repo)
    }

    /// The JSON report without what legitimately differs between a process and a job of
    /// ranks (timings, memory, threads), sorted, as text. The trace is compared whole, in
    /// fingerprint mode too: a state's BFS parent is chosen by key (`Partition.insert`),
    /// not by which parent reached it first.
    static func comparable(_ json: String) -> String? {
        guard let data = json.data(using: .utf8),
              var o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        for k in ["elapsedSeconds", "statesPerSecond", "memoryBytes", "peakMemoryBytes", "visitedBytes", "workers",
                  "memoryLimit", "livenessSeconds"] { o[k] = nil }
        guard let out = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .prettyPrinted]) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// One process, then 2 and 4 ranks (or `ranks`): the same exit code and report.
    func assertSameAsOneProcess(_ args: [String], ranks: [Int] = [2, 4], file: StaticString = #filePath, line: UInt = #line) throws {
        let exe = try FuzzTests.binary()
        _ = try Self.mpirun()
        let one = try FuzzTests.run(exe, args + ["--format", "json", "--quiet"], timeout: 300, cwd: Self.repo)
        guard let expected = Self.comparable(one.out) else {
            return XCTFail("one process: no JSON report (exit \(one.code)): \(one.err.prefix(400))", file: file, line: line)
        }
        XCTAssertTrue(expected.contains("\"distinct\""), file: file, line: line)
        for k in ranks {
            let r = try Self.runDistributed(k, args + ["--format", "json", "--quiet"])
            XCTAssertEqual(r.code, one.code, "\(k) ranks, \(args): exit code; stderr: \(r.err.prefix(600))", file: file, line: line)
            guard let got = Self.comparable(r.out) else {
                XCTFail("\(k) ranks, \(args): no JSON report (exit \(r.code)): \(r.err.prefix(600))", file: file, line: line)
                continue
            }
            XCTAssertEqual(got, expected, "\(k) ranks, \(args): the report differs from one process's", file: file, line: line)
        }
    }

    static var shippedModels: [String] {
        let dir = repo + "/Models"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".weave") }.sorted().map { "Models/" + $0 }
    }

    /// Every shipped model at its default settings (safety: liveness needs one process),
    /// exact states: verdict, counts and the shortest trace, on 2 and 4 ranks.
    func testShippedModelsMatchOneProcess() throws {
        let models = Self.shippedModels
        XCTAssertGreaterThanOrEqual(models.count, 5)
        for m in models { try assertSameAsOneProcess(["check", m, "--no-liveness"]) }
    }

    /// Fingerprint mode, and the BFS trace as found (not minimised): the same report,
    /// trace included, on 2 and 4 ranks; and that trace is the exact-state search's (a
    /// state keeps its parent by key in both modes). Before issue 22 a state kept the
    /// first parent that reached it: umount_delayed_fput's trace on 4 ranks, and
    /// flush_delayed_fput's with 2 workers, took other paths.
    func testShippedModelsMatchOneProcessWithFingerprints() throws {
        let exe = try FuzzTests.binary()
        var withTrace = 0
        for m in Self.shippedModels {
            let args = ["check", m, "--no-liveness", "--no-minimize"]
            try assertSameAsOneProcess(args + ["--fingerprint"])
            var traces: [String] = []
            for mode in [["--fingerprint", "--workers", "1"], ["--fingerprint", "--workers", "2"], ["--workers", "1"]] {
                let r = try FuzzTests.run(exe, args + mode + ["--format", "json", "--quiet"], timeout: 300, cwd: Self.repo)
                guard let data = r.out.data(using: .utf8),
                      let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let t = try? JSONSerialization.data(withJSONObject: o["trace"] ?? "none", options: [.sortedKeys, .fragmentsAllowed])
                else { XCTFail("\(m) \(mode): no JSON report (exit \(r.code))"); continue }
                traces.append(String(decoding: t, as: UTF8.self))
            }
            XCTAssertEqual(Set(traces).count, 1, "\(m): fingerprint traces with 1 and 2 workers and the exact trace differ")
            if traces.first?.contains("\"steps\"") == true { withTrace += 1 }
        }
        XCTAssertGreaterThanOrEqual(withTrace, 4, "the shipped models' violations have traces")
    }

    /// The benchmark models at their small sizes (Benchmarks/run.sh's "tiny"), and
    /// flush_race's failing assertion.
    func testBenchmarkModelsMatchOneProcess() throws {
        let cases: [[String]] = [
            ["Benchmarks/flush_race.weave", "--const", "THREADS=3", "--property", "renamed"],
            ["Benchmarks/flush_race.weave", "--const", "THREADS=3", "--no-liveness"],
            ["Benchmarks/flush_race_rounds.weave", "--const", "THREADS=3", "--const", "ROUNDS=2", "--property", "renamed"],
            ["Benchmarks/task_work_fput.weave", "--const", "THREADS=2", "--const", "REQUESTS=3", "--const", "CLOSES=1", "--no-liveness"],
            ["Benchmarks/kernfs_notify.weave", "--const", "ARRAYS=2", "--const", "WRITES=2", "--no-liveness"],
        ]
        for c in cases { try assertSameAsOneProcess(["check"] + c) }
    }

    /// Many violations of the same length on every rank: all ranks must pick the one a
    /// single process reports (the smallest key), and rebuild its trace across ranks.
    func testRanksPickTheOneProcessViolation() throws {
        let dir = NSTemporaryDirectory() + "weave-mpi-many-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func counter(_ p: String, _ v: String, _ label: String, _ extra: String = "") -> String {
            "process \(p) {\n  \(label): if \(v) < 9 {\n       \(v) = \(v) + 1\n\(extra)       goto \(label)\n     }\n}\n"
        }
        let text = "var a: 0..9 = 0\nvar b: 0..9 = 0\nvar c: 0..9 = 0\n" + counter("pa", "a", "x") + counter("pb", "b", "y")
            + counter("pc", "c", "z", "       assert a + b + c < 6 \"sum below 6\"\n") + "invariant small: a + b + c < 4\n"
        let model = dir + "/many.weave"
        try text.write(toFile: model, atomically: true, encoding: .utf8)
        for flags in [[], ["--property", "sum below 6"], ["--property", "sum below 6", "--fingerprint"]] {
            try assertSameAsOneProcess(["check", model, "--no-minimize"] + flags, ranks: [2, 3, 4])
        }
    }

    /// --max-states is over all ranks, --memory-limit per rank: the run stops incomplete
    /// (exit 10) with the reason, on every rank.
    func testMaxStatesStopsEveryRank() throws {
        let r = try Self.runDistributed(2, ["check", "Benchmarks/task_work_fput.weave", "--const", "THREADS=2", "--const", "REQUESTS=3",
                                            "--const", "CLOSES=1", "--no-liveness", "--max-states", "100", "--format", "json", "--quiet"])
        XCTAssertEqual(r.code, 10, r.err)
        XCTAssertTrue(r.out.contains("--max-states 100 reached"), r.out)
        // --memory-limit holds for each rank (4 MiB: less than any process's resident memory).
        let m = try Self.runDistributed(2, ["check", "Benchmarks/task_work_fput.weave", "--const", "THREADS=2", "--const", "REQUESTS=3",
                                            "--const", "CLOSES=1", "--no-liveness", "--memory-limit", "4M", "--format", "json", "--quiet"])
        XCTAssertEqual(m.code, 10, m.err)
        XCTAssertTrue(m.out.contains("memory limit on 2 of 2 ranks"), m.out)
    }

    /// SIGINT to mpirun (which passes it on to the ranks as SIGTERM): every rank stops,
    /// and rank 0 reports the figures so far (incomplete: interrupted).
    func testInterruptStopsEveryRankWithFigures() throws {
        let mpi = try Self.mpirun(), exe = try FuzzTests.binary()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpi)
        p.arguments = (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "2", exe, "check",
            "Benchmarks/task_work_fput.weave", "--const", "THREADS=2", "--const", "REQUESTS=8", "--const", "CLOSES=1",
            "--no-liveness", "--distributed", "--format", "json"]
        p.currentDirectoryURL = URL(fileURLWithPath: Self.repo)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Interrupt once the search runs (its first progress line), or after 20 s.
        let errText = Box()
        let reading = DispatchGroup()
        reading.enter()
        DispatchQueue.global().async {
            var all = Data()
            while true {
                let d = err.fileHandleForReading.availableData
                if d.isEmpty { break }
                all.append(d)
                errText.set(all)
            }
            reading.leave()
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && p.isRunning && !String(decoding: errText.get(), as: UTF8.self).contains("progress ") {
            usleep(100_000)
        }
        XCTAssertTrue(p.isRunning, "the search ended before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        reading.wait()
        let report = String(decoding: stdout, as: UTF8.self)
        XCTAssertTrue(report.contains("\"verdict\" : \"incomplete\"") || report.contains("\"verdict\": \"incomplete\""), report)
        XCTAssertTrue(report.contains("interrupted"), report + String(decoding: errText.get(), as: UTF8.self))
        guard let o = try? JSONSerialization.jsonObject(with: stdout) as? [String: Any] else { return XCTFail("no JSON report: \(report)") }
        XCTAssertGreaterThan(o["distinct"] as? Int ?? 0, 0)
    }

    /// Each rank checkpoints its partition (DIR/rank-R-of-K); a search stopped by
    /// --max-states and resumed by as many ranks ends as an uninterrupted one-process run.
    func testCheckpointAndResumePerRank() throws {
        let exe = try FuzzTests.binary()
        let dir = NSTemporaryDirectory() + "weave-mpi-ckpt-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["check", "Benchmarks/task_work_fput.weave", "--const", "THREADS=2", "--const", "REQUESTS=4", "--const", "CLOSES=1",
                    "--no-liveness", "--format", "json", "--quiet"]
        let one = try FuzzTests.run(exe, args, timeout: 300, cwd: Self.repo)
        let stopped = try Self.runDistributed(2, args + ["--checkpoint", dir, "--checkpoint-interval", "0", "--max-states", "3000"])
        XCTAssertEqual(stopped.code, 10, stopped.err)
        for r in 0..<2 { XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/rank-\(r)-of-2/search.ckpt")) }
        // Another number of ranks cannot take the partitions over.
        let wrong = try Self.runDistributed(3, args + ["--resume", dir])
        XCTAssertEqual(wrong.code, 64, wrong.err)
        XCTAssertTrue(wrong.err.contains("mpirun -np 2"), wrong.err)
        let resumed = try Self.runDistributed(2, args + ["--resume", dir])
        XCTAssertEqual(resumed.code, one.code, resumed.err)
        XCTAssertEqual(Self.comparable(resumed.out), Self.comparable(one.out))
        XCTAssertNotNil(Self.comparable(one.out))
        // The resumed run read the checkpoints: a damaged one (rank 1's) ends the job (74), saying so.
        let file = "\(dir)/rank-1-of-2/search.ckpt"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        let damaged = try Self.runDistributed(2, args + ["--resume", dir])
        XCTAssertEqual(damaged.code, 74, damaged.err)
        XCTAssertTrue(damaged.err.contains("rank 1") && damaged.err.contains("checksum"), damaged.err)
    }

    /// Outside mpirun, and with flags the distributed search does not honour: usage errors (64).
    func testUsageErrors() throws {
        let exe = try FuzzTests.binary()
        let outside = try FuzzTests.run(exe, ["check", "Models/work_exited.weave", "--no-liveness", "--distributed"], timeout: 60, cwd: Self.repo)
        XCTAssertEqual(outside.code, 64)
        XCTAssertTrue(outside.err.contains("mpirun"), outside.err)
        for (flags, words) in [(["--dfs"], "--dfs"), (["--workers", "2"], "--workers")] {
            let r = try FuzzTests.run(exe, ["check", "Models/work_exited.weave", "--no-liveness", "--distributed"] + flags,
                                      timeout: 60, cwd: Self.repo)
            XCTAssertEqual(r.code, 64, "\(flags)")
            XCTAssertTrue(r.err.contains(words), r.err)
        }
        // Liveness is refused under mpirun too (the model declares liveness properties).
        let live = try Self.runDistributed(2, ["check", "Models/work_exited.weave"])
        XCTAssertEqual(live.code, 64, live.err)
        XCTAssertTrue(live.err.contains("--no-liveness"), live.err)
    }
}

extension SoundnessHarnessTests {
    /// The distributed search (2 ranks, through mpirun) against the one-process search on
    /// generated models: a small budget (each run starts an MPI job).
    func testDistributedSearchAgreesWithOneProcess() throws {
        let exe = try FuzzTests.binary()
        _ = try DistributedTests.mpirun()
        let t0 = Date()
        let work = NSTemporaryDirectory() + "weave-soundness-mpi-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var minimized = 0
        let count = max(2, Self.models / 16)
        var compared = 0
        for i in 0..<count {
            let seed = Self.seed(5, i)
            var rng = FuzzRNG(seed: seed)
            let text = SoundnessGenerator.explicitModel(&rng)
            let flags = ["--no-liveness", "--format", "json", "--quiet", "--no-minimize"] + (rng.below(3) == 0 ? ["--fingerprint"] : [])
            func compare(_ t: String) throws -> [SoundnessFinding] {
                let model = work + "/m\(i).weave"
                try t.write(toFile: model, atomically: true, encoding: .utf8)
                let one = try FuzzTests.run(exe, ["check", model] + flags, timeout: 120)
                guard let a = Self.jsonOutcome(one.out), a.kind != .incomplete else { SoundnessLedger.shared.add("skipped"); return [] }
                let two = try DistributedTests.runDistributed(2, ["check", model] + flags, timeout: 120)
                SoundnessLedger.shared.pair("bfs/1 vs mpirun -np 2 --distributed")
                guard let b = Self.jsonOutcome(two.out) else {
                    return [SoundnessFinding(engines: "bfs/1 vs mpirun -np 2 --distributed", what: "no report", left: "\(a)",
                                             right: "exit \(two.code): \(two.err.prefix(300))")]
                }
                var f = SoundnessRunner.compare(a, b, engines: "bfs/1 vs mpirun -np 2 --distributed", dfs: false, reduced: false)
                if f.isEmpty && one.code != two.code {
                    f.append(SoundnessFinding(engines: "bfs/1 vs mpirun -np 2 --distributed", what: "exit code",
                                              left: "\(one.code)", right: "\(two.code)"))
                }
                return f
            }
            guard SoundnessRunner.elaborate(text) != nil else { continue }
            SoundnessLedger.shared.add("explicit models")
            let f = try compare(text)
            compared += 1
            report(f, text: text, seed: seed, test: "mpi", minimized: &minimized) { _, t in (try? compare(t)) ?? [] }
        }
        XCTAssertGreaterThan(compared, 0)
        print("soundness: mpirun -np 2 --distributed: \(compared) models, \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
    }
}
