import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveProver
import WeaveSema
import WeaveSource
import XCTest

/// A mutation fuzzer over the shipped models. Every mutant must give clean
/// diagnostics or a model; every model must explore (with small limits) to a
/// verdict whose figures are consistent, with BFS and DFS agreeing where both
/// finish; the real binary must exit with a documented code, never a signal or a hang.
///
/// The fixed budgets here take a few seconds in a debug build. For a longer
/// campaign, `scripts/fuzz.sh` sets WEAVE_FUZZ_ITERATIONS, WEAVE_FUZZ_BINARY_RUNS
/// and WEAVE_FUZZ_SEED. Each in-process mutant is written to
/// `$TMPDIR/weave-fuzz-current.weave` before it runs, so a crash leaves its input there.
final class FuzzTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func env(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    static var seedValue: UInt64 {
        ProcessInfo.processInfo.environment["WEAVE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_260_612
    }

    /// Where a crashing in-process input is left.
    static let currentFile = FileManager.default.temporaryDirectory.appendingPathComponent("weave-fuzz-current.weave").path

    // MARK: in process: Loader, Sema, Explorer (BFS and DFS), and the prover's encoder

    func testFuzzPipelineInProcess() throws {
        let seeds = FuzzSeed.all(root: FuzzTests.root)
        XCTAssertGreaterThanOrEqual(seeds.count, 10, "seed models not found")
        var m = Mutator(seed: FuzzTests.seedValue, seeds: seeds)
        let iterations = FuzzTests.env("WEAVE_FUZZ_ITERATIONS", 150)
        var tally = Tally()
        for i in 0..<iterations {
            let (seed, text) = m.next()
            try? text.write(toFile: FuzzTests.currentFile, atomically: false, encoding: .utf8)
            let problems = FuzzTests.pipeline(text, seed: seed, index: i, tally: &tally)
            for p in problems {
                XCTFail("mutant \(i) of \(seed.name): \(p)\n--- mutant ---\n\(text)\n--- end ---")
            }
        }
        try? FileManager.default.removeItem(atPath: FuzzTests.currentFile)
        print("fuzz: \(iterations) mutants: \(tally.loadErrors) parse errors, \(tally.semaErrors) sema errors, "
              + "\(tally.engineErrors) refused by the engine, \(tally.explored) explored (\(tally.complete) completely), "
              + "\(tally.bmc) also through BMC")
        // The budget is wasted if nothing gets past the front end.
        XCTAssertGreaterThan(tally.explored, iterations / 20, "too few mutants reach the explorer")
    }

    struct Tally {
        var loadErrors = 0, semaErrors = 0, engineErrors = 0, explored = 0, complete = 0, bmc = 0
    }

    /// Runs one mutant through the pipeline; returns what was wrong (empty: fine).
    static func pipeline(_ text: String, seed: FuzzSeed, index: Int, tally: inout Tally) -> [String] {
        var problems: [String] = []
        func checkDiagnostics(_ ds: [Diagnostic], _ stage: String) {
            if ds.isEmpty { problems.append("\(stage) failed with no diagnostic") }
            for d in ds where d.rendered().isEmpty { problems.append("\(stage): an empty diagnostic") }
            if !ds.contains(where: { $0.severity == .error }) { problems.append("\(stage) failed with no error") }
        }
        let source: ModelSource
        do { source = try Loader.load(text: text, path: seed.name, directory: seed.directory) } catch {
            tally.loadErrors += 1
            checkDiagnostics(error.diagnostics, "load")
            return problems
        }
        let model: Model
        do { model = try Sema.elaborate(source).0 } catch {
            tally.semaErrors += 1
            checkDiagnostics(error.diagnostics, "sema")
            return problems
        }
        if Driver.tooManyInitialStates(model) != nil {
            tally.engineErrors += 1
            return problems
        }
        var o = CheckOptions()
        o.maxStates = 2000
        o.timeLimit = 10
        let bfs: CheckResult, dfs: CheckResult
        do {
            bfs = try Explorer(model: model, options: o).run()
            o.depthFirst = true
            dfs = try Explorer(model: model, options: o).run()
        } catch {
            tally.engineErrors += 1
            if error.description.isEmpty { problems.append("engine error with no message") }
            return problems
        }
        tally.explored += 1
        problems += consistency(bfs, "BFS") + consistency(dfs, "DFS")
        // Where both searches finish with every property holding, they saw the same states.
        if case .holds = bfs.verdict {
            tally.complete += 1
            if case .holds = dfs.verdict {
                if bfs.statistics.distinct != dfs.statistics.distinct {
                    problems.append("BFS found \(bfs.statistics.distinct) states, DFS \(dfs.statistics.distinct)")
                }
            } else if case .violated(let v) = dfs.verdict, v.kind != .liveness {
                // (Liveness runs only after a BFS; DFS may not record the graph.)
                problems.append("BFS holds but DFS finds \(v.message)")
            }
        }
        if case .violated(let v) = bfs.verdict, v.kind != .liveness, v.kind != .unreachable {
            if case .holds = dfs.verdict { problems.append("BFS finds \(v.message) but DFS holds") }
        }
        // The prover's encoder on every fourth model: one BMC step, short timeout.
        if index % 4 == 0 {
            tally.bmc += 1
            var po = ProverOptions()
            po.timeoutMs = 2000
            po.maxPathNodes = 20_000
            _ = BoundedModelChecker.check(model, depth: 1, options: po)
        }
        return problems
    }

    /// Figures and traces that must fit together whatever the verdict.
    static func consistency(_ r: CheckResult, _ what: String) -> [String] {
        var p: [String] = []
        let s = r.statistics
        if s.distinct < 0 || s.generated < 0 || s.queued < 0 { p.append("\(what): negative figures") }
        if case .holds = r.verdict, s.distinct > 2001 { p.append("\(what): holds with \(s.distinct) states past --max-states 2000") }
        if case .violated(let v) = r.verdict {
            if v.message.isEmpty { p.append("\(what): a violation with no message") }
            if v.kind != .unreachable {
                guard let t = v.trace else { p.append("\(what): \(v.kind) with no trace"); return p }
                if t.states.count != t.steps.count + 1 {
                    p.append("\(what): trace with \(t.steps.count) steps and \(t.states.count) states")
                }
            }
        }
        return p
    }

    // MARK: the real binary, with a timeout

    func testFuzzBinaryExitCodes() throws {
        let exe = try FuzzTests.binary()
        let seeds = FuzzSeed.all(root: FuzzTests.root)
        let work = try FuzzTests.scratchCopy()
        defer { try? FileManager.default.removeItem(atPath: work) }
        var m = Mutator(seed: FuzzTests.seedValue &+ 1, seeds: seeds)
        let runs = FuzzTests.env("WEAVE_FUZZ_BINARY_RUNS", 12)
        let saveDir = ProcessInfo.processInfo.environment["WEAVE_FUZZ_SAVE"]
        for i in 0..<runs {
            let (seed, text) = m.next()
            let file = work + "/" + (seed.name as NSString).deletingLastPathComponent + "/fuzz-mutant.weave"
            try text.write(toFile: file, atomically: false, encoding: .utf8)
            var command: [String] = i % 3 == 2 ? ["parse", file]
                : ["check", file, "--max-states", "2000", "--time-limit", "10", "--quiet"]
            // Odd settings from the command line: a declared const or param, or a misspelt one.
            if i % 2 == 1 { command += m.commandLineSetting(text) }
            let r = try FuzzTests.run(exe, command, timeout: 60)
            let allowed: Set<Int32> = command[0] == "parse" ? [0, 64, 65, 74] : [0, 10, 11, 12, 13, 64, 65, 74]
            var bad: String? = nil
            if r.timedOut { bad = "hang (killed after 60 s)" }
            else if r.signalled { bad = "killed by signal \(r.code)" }
            else if !allowed.contains(r.code) { bad = "exit \(r.code), not a documented code" }
            else if r.err.contains("Fatal error") { bad = "a Swift trap message on stderr" }
            if let bad {
                if let saveDir {
                    try? FileManager.default.createDirectory(atPath: saveDir, withIntermediateDirectories: true)
                    try? text.write(toFile: saveDir + "/crash-\(FuzzTests.seedValue)-\(i).weave", atomically: true, encoding: .utf8)
                }
                XCTFail("weave \(command[0]) on mutant \(i) of \(seed.name): \(bad)\n\(r.err.prefix(2000))\n--- mutant ---\n\(text)\n--- end ---")
            }
        }
    }

    /// A copy of the model trees, so mutants sit where their imports resolve.
    static func scratchCopy() throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("weave-fuzz-\(getpid())").path
        try? FileManager.default.removeItem(atPath: work)
        for dir in ["Models", "Proofs", "Tests/Fixtures", "Benchmarks"] {
            let dst = work + "/" + dir
            try FileManager.default.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: root + "/" + dir, toPath: dst)
        }
        return work
    }

    static func binary() throws -> String {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for c in [bin.appendingPathComponent("weave"), bin.deletingLastPathComponent().appendingPathComponent("weave")]
        where FileManager.default.isExecutableFile(atPath: c.path) {
            return c.path
        }
        throw XCTSkip("weave binary not built next to the tests")
    }

    struct RunResult {
        let code: Int32
        let signalled: Bool
        let timedOut: Bool
        let out: String
        let err: String
    }

    /// Runs the binary; kills it (SIGKILL) after `timeout` seconds.
    static func run(_ exe: String, _ args: [String], timeout: Double, cwd: String? = nil) throws -> RunResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let outData = Box(), errData = Box()
        let group = DispatchGroup()
        for (pipe, box) in [(o, outData), (e, errData)] {
            group.enter()
            DispatchQueue.global().async {
                box.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(5_000)
        }
        p.waitUntilExit()
        group.wait()
        return RunResult(code: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal, timedOut: timedOut,
                         out: String(decoding: outData.get(), as: UTF8.self), err: String(decoding: errData.get(), as: UTF8.self))
    }
}

/// A value written by one thread and read by another after a `DispatchGroup.wait`.
final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
