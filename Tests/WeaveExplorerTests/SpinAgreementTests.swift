import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// Soundness checks against an independent model checker. Each benchmark model in
/// Benchmarks/ has a Promela counterpart in Benchmarks/spin/ with the same atomicity (one
/// Promela atomic block per Weave step) and the same variables, so SPIN without
/// partial-order reduction (`-DNOREDUCE`) must store exactly as many states as Weave finds
/// distinct, at every size and design. SPIN runs as a program (`spin -a`, a C compiler,
/// `./pan`) in a temporary directory; the test is skipped when `spin` is not installed
/// (`apt-get install spin`; .ci/run installs it).
final class SpinAgreementTests: XCTestCase {
    /// One comparison: a model at one setting, as Weave overrides and as SPIN -D defines.
    struct Case {
        var model: String
        var weave: [String: String]
        var spin: [String: String]
        /// Check every property on both sides (the setting must hold). Otherwise neither
        /// side checks anything (Weave: no properties, no deadlock; pan -A -E), so a
        /// setting that violates a property is still searched in full.
        var checked: Bool
    }

    func testFlushRaceMatchesSpin() throws {
        // The design violates its assertion: compare the whole space, unchecked.
        try agree([
            Case(model: "flush_race", weave: ["THREADS": "2"], spin: ["THREADS": "2"], checked: false),
            Case(model: "flush_race", weave: ["THREADS": "3"], spin: ["THREADS": "3"], checked: false),
        ])
    }

    func testFlushRaceRoundsMatchesSpin() throws {
        // The benchmark's second knob: every thread serves ROUNDS requests.
        try agree([
            Case(model: "flush_race_rounds", weave: ["THREADS": "2", "ROUNDS": "3"], spin: ["THREADS": "2", "ROUNDS": "3"], checked: false),
            Case(model: "flush_race_rounds", weave: ["THREADS": "3", "ROUNDS": "2"], spin: ["THREADS": "3", "ROUNDS": "2"], checked: false),
        ])
    }

    func testTaskWorkFputMatchesSpin() throws {
        try agree([
            Case(model: "task_work_fput", weave: [:], spin: [:], checked: true),
            Case(model: "task_work_fput", weave: ["THREADS": "3", "REQUESTS": "1", "CLOSES": "2"],
                 spin: ["THREADS": "3", "REQUESTS": "1", "CLOSES": "2"], checked: true),
            Case(model: "task_work_fput", weave: ["design": "pf_runs_task_work", "CLOSES": "2"],
                 spin: ["PF_RUNS_TASK_WORK": "1", "CLOSES": "2"], checked: true),
            Case(model: "task_work_fput", weave: ["design": "pf_runs_task_work", "THREADS": "3"],
                 spin: ["PF_RUNS_TASK_WORK": "1", "THREADS": "3"], checked: true),
        ])
    }

    func testKernfsNotifyMatchesSpin() throws {
        try agree([
            // The patch with the seed's premises holds: everything checked on both sides.
            Case(model: "kernfs_notify", weave: [:], spin: [:], checked: true),
            Case(model: "kernfs_notify", weave: ["ARRAYS": "3", "WRITES": "1"],
                 spin: ["ARRAYS": "3", "WRITES": "1"], checked: true),
            Case(model: "kernfs_notify", weave: ["design": "system_wq", "kick_poll": "true"],
                 spin: ["RECLAIM_WQ": "0", "KICK_POLL": "1"], checked: true),
            // Settings that deadlock or fail a reachability goal: whole spaces, unchecked.
            Case(model: "kernfs_notify", weave: ["design": "system_wq", "ARRAYS": "3", "WRITES": "1"],
                 spin: ["RECLAIM_WQ": "0", "ARRAYS": "3", "WRITES": "1"], checked: false),
            Case(model: "kernfs_notify", weave: ["rwsem_writer": "true"],
                 spin: ["RWSEM_WRITER_PREMISE": "1"], checked: false),
            Case(model: "kernfs_notify", weave: ["mdmon_task_work_allocates": "true", "kick_poll": "true"],
                 spin: ["MDMON_TASK_WORK_ALLOCATES": "1", "KICK_POLL": "1"], checked: false),
            Case(model: "kernfs_notify", weave: ["kick_poll": "true", "mdmon_waits_in_poll": "false"],
                 spin: ["KICK_POLL": "1", "MDMON_WAITS_IN_POLL": "0"], checked: true),
        ])
    }

    // MARK: - Running both checkers

    private func agree(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) throws {
        let tools = try SpinTools.find()
        for c in cases {
            let settings = c.weave.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let what = "\(c.model) (\(settings.isEmpty ? "defaults" : settings.joined(separator: " ")))"
            let spin = try tools.storedStates(model: c.model, defines: c.spin, checked: c.checked)
            // A model that can do almost nothing would agree trivially.
            XCTAssertGreaterThan(spin, 8, what, file: file, line: line)
            let m = try modelFile("Benchmarks/\(c.model).weave", c.weave)
            for dfs in [false, true] {
                let r = try check(m, dfs: dfs, properties: c.checked ? .all : .only([]),
                                  deadlock: c.checked, liveness: false)
                if c.checked {
                    XCTAssertTrue(r.verdict.isHolds, "\(what): \(r.verdict)", file: file, line: line)
                } else {
                    XCTAssertNil(r.verdict.incompleteReason, what, file: file, line: line)
                }
                XCTAssertEqual(r.statistics.distinct, spin,
                               "\(what) (\(dfs ? "DFS" : "BFS")): Weave's distinct states vs SPIN's states stored",
                               file: file, line: line)
            }
        }
    }
}

/// SPIN and a C compiler found on PATH, and a way to count a Promela model's states.
struct SpinTools {
    var spin: String
    var cc: String

    static func find() throws -> SpinTools {
        guard let spin = which("spin") else {
            throw XCTSkip("spin is not installed (apt-get install spin): the SPIN agreement tests need it")
        }
        guard let cc = which("gcc") ?? which("cc") ?? which("clang") else {
            throw XCTSkip("no C compiler (gcc, cc, clang) on PATH to compile SPIN's pan.c")
        }
        return SpinTools(spin: spin, cc: cc)
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// SPIN's "states, stored" for Benchmarks/spin/MODEL.pml: spin -a, cc -DNOREDUCE, ./pan.
    /// Checked: pan checks assertions and end states and must report no error; otherwise
    /// it checks neither (-A -E). The compiler runs at -O0: the search is tiny, and
    /// -O2 would take several times longer to compile pan.c.
    func storedStates(model: String, defines: [String: String], checked: Bool) throws -> Int {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("weave-spin-\(getpid())-\(model)-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        try fm.copyItem(atPath: repoRoot + "/Benchmarks/spin/\(model).pml", toPath: dir.appendingPathComponent("model.pml").path)
        let d = defines.sorted { $0.key < $1.key }.map { "-D\($0.key)=\($0.value)" }
        try Self.run(spin, d + ["-a", "model.pml"], in: dir)
        try Self.run(cc, ["-O0", "-DNOREDUCE", "-DMEMLIM=2048"] + d + ["-o", "pan", "pan.c"], in: dir)
        let out = try Self.run(dir.appendingPathComponent("pan").path, ["-m100000"] + (checked ? [] : ["-A", "-E"]), in: dir)
        guard out.contains("errors: 0") else {
            throw SpinError.failed("pan found an error in \(model) \(d):\n\(out)")
        }
        guard !out.contains("max search depth too small") else {
            throw SpinError.failed("pan's -m depth is too small for \(model) \(d)")
        }
        for l in out.split(separator: "\n") where l.hasSuffix("states, stored") {
            if let n = Int(l.split(separator: " ").first ?? "") { return n }
        }
        throw SpinError.failed("no \"states, stored\" line in pan's output:\n\(out)")
    }

    /// Runs EXE with ARGS in DIR; returns stdout and stderr together; throws unless it exits 0.
    @discardableResult
    static func run(_ exe: String, _ args: [String], in dir: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = dir
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let out = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw SpinError.failed("\(exe) \(args.joined(separator: " ")) exited \(p.terminationStatus):\n\(out)")
        }
        return out
    }
}

enum SpinError: Error, CustomStringConvertible {
    case failed(String)
    var description: String { if case .failed(let s) = self { return s }; return "" }
}
