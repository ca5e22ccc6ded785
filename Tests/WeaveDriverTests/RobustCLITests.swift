import Foundation
import WeaveDriver
import XCTest

/// Issue 9 through the real binary: run-time errors, bad command lines, the memory
/// limit, interrupts, and output files.
final class RobustCLITests: XCTestCase {
    static let root = FuzzTests.root

    func weave(_ args: [String], cwd: String = RobustCLITests.root, timeout: Double = 120) throws -> FuzzTests.RunResult {
        let r = try FuzzTests.run(try FuzzTests.binary(), args, timeout: timeout, cwd: cwd)
        XCTAssertFalse(r.timedOut, "weave \(args.joined(separator: " ")) did not finish in \(timeout) s")
        XCTAssertFalse(r.signalled, "weave \(args.joined(separator: " ")) died by signal \(r.code)")
        return r
    }

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-robust-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func write(_ text: String, _ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: run-time errors: violations with a trace and the source position, exit 12

    func testEveryRuntimeErrorIsAViolationWithPositionThroughTheBinary() throws {
        let dir = try scratch()
        // (model, message, line:col of the failing expression or statement), positions checked by hand.
        let cases: [(String, String, String, String)] = [
            ("index", "var a: [0..1] bool = false\nvar i: 0..2 = 0\nprocess p {\n  s: i = 2\n  t: a[i] = true\n}\n",
             "run-time error: index out of range: the index must be in 0..1", "5:8"),
            ("pop", "var q: queue<0..1, 2> = []\nvar x: 0..1 = 0\nprocess p {\n  s: x = pop(q)\n}\n",
             "run-time error: pop from an empty queue", "4:6"),
            ("head", "var q: stack<0..1, 2> = []\nvar x: 0..1 = 0\nprocess p {\n  s: x = head(q)\n}\n",
             "run-time error: head of an empty queue or stack", "4:10"),
            ("push", "var q: queue<0..1, 1> = []\nprocess p {\n  s: push(q, 1)\n  t: push(q, 0)\n}\n",
             "overflow(q): p pushes onto a full q", "4:6"),
            ("range", "var x: 0..3 = 3\nprocess p {\n  s: x = x + 1\n}\n",
             "run-time error: value out of range: the variable's type is 0..3", "3:6"),
            ("div", "var x: 0..3 = 0\nvar y: 0..3 = 1\nprocess p {\n  s: y = y / x\n}\n",
             "run-time error: division by zero", "4:10"),
            ("mod", "var x: 0..3 = 0\nvar y: 0..3 = 1\nprocess p {\n  s: y = y % x\n}\n",
             "run-time error: division by zero (%)", "4:10"),
            ("overflow", "var x: 0..1 = 1\nvar y: 0..1 = 0\nprocess p {\n  s: y = if x * 9223372036854775807 * 4 > 0 then 1 else 0\n}\n",
             "run-time error: integer overflow", "4:13"),
            ("minover", "var x: -1..1 = -1\nvar y: 0..1 = 0\nprocess p {\n  s: y = if (x * 9223372036854775807 - 1) / x > 0 then 1 else 0\n}\n",
             "run-time error: integer overflow (the minimum integer divided by -1)", "4:13"),
            ("invariant", "var a: [0..1] bool = false\nvar i: 0..2 = 0\nprocess p {\n  s: i = 2\n}\ninvariant ok: a[i] || true\n",
             "run-time error: index out of range", "6:17"),
        ]
        for (name, text, message, position) in cases {
            let f = try write(text, name + ".weave", in: dir)
            let r = try weave(["check", f, "--quiet"])
            XCTAssertEqual(r.code, 12, "\(name): \(r.out)\(r.err)")
            XCTAssertTrue(r.out.contains("VIOLATED: " + message), "\(name): \(r.out)")
            XCTAssertTrue(r.out.contains("  at \(f):\(position)\n"), "\(name) should point at \(position): \(r.out)")
            XCTAssertTrue(r.out.contains("shortest trace ("), "\(name): \(r.out)")
            XCTAssertFalse(r.err.contains("Fatal error"), name)
            // JSON gives the same facts.
            let j = try weave(["check", f, "--quiet", "--format", "json"])
            XCTAssertEqual(j.code, 12, name)
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
            XCTAssertEqual(obj["kind"] as? String, name == "push" ? "overflow" : "runtime error", name)
            XCTAssertEqual(obj["location"] as? String, "\(f):\(position)", name)
        }
    }

    // MARK: bad command lines

    func testUnknownNamesAndValuesListWhatIsAllowed() throws {
        let m = "Models/flush_delayed_fput.weave"
        let name = try weave(["check", m, "--param", "desing=fput_sync"])
        XCTAssertEqual(name.code, 64, name.err)
        XCTAssertTrue(name.err.contains("no param or const named 'desing'"), name.err)
        XCTAssertTrue(name.err.contains("did you mean 'design'?"), name.err)
        XCTAssertTrue(name.err.contains("params and consts: RWSEM_WRITER, THREADS, FILES, design, release_takes_held_lock, release_takes_own_lock, flush_waits_for_work"), name.err)

        let value = try weave(["check", m, "--param", "design=fput_sinc"])
        XCTAssertEqual(value.code, 64, value.err)
        XCTAssertTrue(value.err.contains("allowed: flush_delayed_fput, fput_sync, fput_queued, flush_waits_for_all"), value.err)
        XCTAssertTrue(value.err.contains("did you mean 'fput_sync'?"), value.err)
        // One error, not a cascade of "unknown name 'design'" from the model's text.
        XCTAssertTrue(value.err.hasSuffix("1 error\n"), value.err)
        XCTAssertFalse(value.err.contains("unknown name"), value.err)

        let bool = try weave(["check", m, "--param", "flush_waits_for_work=yes"])
        XCTAssertEqual(bool.code, 64)
        XCTAssertTrue(bool.err.contains("allowed: true, false"), bool.err)
        XCTAssertFalse(bool.err.contains("unknown name"), bool.err)

        let notInt = try weave(["check", m, "--const", "THREADS=two"])
        XCTAssertEqual(notInt.code, 64)
        XCTAssertTrue(notInt.err.contains("--const THREADS=two: the value must be an integer"), notInt.err)
        XCTAssertFalse(notInt.err.contains("unknown name"), notInt.err)

        let twice = try weave(["check", m, "--param", "design=fput_sync", "--param", "design=fput_queued"])
        XCTAssertEqual(twice.code, 64)
        XCTAssertTrue(twice.err.contains("design is set twice"), twice.err)
    }

    func testConstThatEmptiesARangeIsAUsageError() throws {
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--const", "THREADS=0"])
        XCTAssertEqual(r.code, 64, r.err)
        XCTAssertTrue(r.err.contains("error: the range 0..-1 is empty"), r.err)
        XCTAssertTrue(r.err.contains("the model is valid with its defaults; the settings THREADS=0 make it invalid"), r.err)
    }

    func testConstThatMakesTheStateHugeIsRefusedWithItsSize() throws {
        let dir = try scratch()
        // Two arrays of N values of 0..1000 (2 bytes each): 4N bytes of state plus the pc.
        let f = try write("""
        const N = 2
        var a: [0..<N] 0..1000 = 0
        var b: [0..<N] 0..1000 = 0
        process p { s: a[0] = 1 }
        """, "big.weave", in: dir)
        XCTAssertEqual(try weave(["check", f, "--quiet"]).code, 0)
        let r = try weave(["check", f, "--const", "N=20000", "--quiet"])
        XCTAssertEqual(r.code, 64, r.err)
        // 2 * 20000 * 2 bytes + 1 byte of pc = 80001, rounded up to words: 80008.
        XCTAssertTrue(r.err.contains("a state would take 80008 bytes; the limit is 65536"), r.err)
        XCTAssertTrue(r.err.contains("with the settings N=20000"), r.err)
        // One array too large by itself: the front end says how many bytes that is.
        let one = try weave(["check", f, "--const", "N=70000", "--quiet"])
        XCTAssertEqual(one.code, 64, one.err)
        XCTAssertTrue(one.err.contains("variable 'a' has 70000 slots (at least 70000 bytes of every state)"), one.err)
    }

    // MARK: memory

    func testMemoryLimitStopsCleanlyWithFigures() throws {
        let m = "Models/flush_delayed_fput.weave"
        let r = try weave(["check", m, "--param", "design=flush_waits_for_all", "--const", "THREADS=3", "--memory-limit", "64K"])
        XCTAssertEqual(r.code, 10, r.out + r.err)
        XCTAssertTrue(r.out.contains("INCOMPLETE: memory limit"), r.out)
        XCTAssertTrue(r.out.contains("states:") && r.out.contains("distinct"), r.out)
        XCTAssertTrue(r.out.contains("memory "), r.out)
        // The estimate up front: the explorer's state size plus its bookkeeping.
        XCTAssertTrue(r.err.contains("memory: "), r.err)
        XCTAssertTrue(r.err.contains("-byte states, about "), r.err)
        XCTAssertTrue(r.err.contains("limit 64.0 KiB (--memory-limit): room for about"), r.err)
        // JSON says the same.
        let j = try weave(["check", m, "--param", "design=flush_waits_for_all", "--memory-limit", "64K", "--format", "json", "--quiet"])
        XCTAssertEqual(j.code, 10)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["verdict"] as? String, "incomplete")
        XCTAssertTrue((obj["reason"] as? String ?? "").hasPrefix("memory limit"), "\(obj)")
        // A limit the run fits in changes nothing.
        let ok = try weave(["check", m, "--memory-limit", "1G", "--quiet"])
        XCTAssertEqual(ok.code, 12, ok.out)
        // The default comes from the machine and says so.
        let d = try weave(["check", m, "--param", "design=fput_sync"])
        XCTAssertEqual(d.code, 0)
        XCTAssertTrue(d.err.contains("(half of "), d.err)
        for bad in ["abc", "0", "-5M", "12Q", "M"] {
            let b = try weave(["check", m, "--memory-limit=" + bad])
            XCTAssertEqual(b.code, 64, bad)
            XCTAssertTrue(b.err.contains("--memory-limit takes a size"), b.err)
        }
    }

    /// Under an address-space limit (`ulimit -v`, valgrind) the stores reserve less
    /// address space and the run goes on; when even that is refused, the process says so
    /// and exits 71, never by a signal.
    func testAddressSpaceLimit() throws {
        let exe = try FuzzTests.binary()
        for (limit, workers) in [(1_500_000, 1), (1_500_000, 2), (400_000, 2)] {
            let cmd = "ulimit -v \(limit); exec '\(exe)' check Models/flush_delayed_fput.weave --workers \(workers) --quiet"
            let r = try FuzzTests.run("/bin/sh", ["-c", cmd], timeout: 120, cwd: RobustCLITests.root)
            let what = "ulimit -v \(limit), \(workers) workers: \(r.out)\(r.err)"
            XCTAssertFalse(r.signalled, what)
            XCTAssertTrue([12, 71].contains(r.code), what)
            if limit >= 1_500_000 { XCTAssertEqual(r.code, 12, what) }
            if r.code == 71 {
                XCTAssertTrue(r.err.contains("the system refused") && r.err.contains("ulimit -v"), what)
                XCTAssertFalse(r.err.contains("Fatal error"), what)
            }
        }
    }

    func testMemoryLimitSizes() {
        XCTAssertEqual(MemoryLimit.parse("512M"), 512 << 20)
        XCTAssertEqual(MemoryLimit.parse("8G"), 8 << 30)
        XCTAssertEqual(MemoryLimit.parse("8g"), 8 << 30)
        XCTAssertEqual(MemoryLimit.parse("1.5G"), 3 << 29)
        XCTAssertEqual(MemoryLimit.parse("64KiB"), 64 << 10)
        XCTAssertEqual(MemoryLimit.parse("100"), 100)
        XCTAssertEqual(MemoryLimit.parse("100B"), 100)
        XCTAssertEqual(MemoryLimit.parse("2T"), 2 << 40)
        for bad in ["", "0", "-1", "1e3", "G", "5 G", "12Q", "nan", "inf", "99999999999T"] {
            XCTAssertNil(MemoryLimit.parse(bad), bad)
        }
        let d = MemoryLimit.systemDefault()
        if FileManager.default.fileExists(atPath: "/proc/meminfo") {
            let avail = try? XCTUnwrap(MemoryLimit.meminfo("MemAvailable"))
            XCTAssertNotNil(d)
            if let d, let avail { XCTAssertLessThanOrEqual(d.bytes, max(avail / 2, 1 << 20)) }
        }
    }

    // MARK: interrupts

    /// Starts a long run, waits for its first progress line, sends the signal, and
    /// expects "incomplete: interrupted" with the figures so far and exit 10.
    func interruptedRun(_ sig: Int32) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try FuzzTests.binary())
        // About 2 minutes in a debug build; the first progress line comes after 2 s.
        p.arguments = ["check", "Benchmarks/flush_race.weave", "--const", "THREADS=5", "--property", "renamed"]
        p.currentDirectoryURL = URL(fileURLWithPath: RobustCLITests.root)
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let outBox = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            outBox.set(o.fileHandleForReading.readDataToEndOfFile())
            done.signal()
        }
        var err = Data()
        let deadline = Date().addingTimeInterval(120)
        while !String(decoding: err, as: UTF8.self).contains("progress states=") && Date() < deadline && p.isRunning {
            err.append(e.fileHandleForReading.availableData)
        }
        XCTAssertTrue(p.isRunning, "the run ended before it could be interrupted")
        kill(p.processIdentifier, sig)
        err.append(e.fileHandleForReading.readDataToEndOfFile())
        p.waitUntilExit()
        done.wait()
        XCTAssertEqual(p.terminationReason, .exit, "killed by the signal instead of stopping")
        return (p.terminationStatus, String(decoding: outBox.get(), as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testSIGINTStopsWithFiguresAndExit10() throws {
        _ = try FuzzTests.binary()
        let r = try interruptedRun(SIGINT)
        XCTAssertEqual(r.code, 10, r.out + r.err)
        XCTAssertTrue(r.err.contains("SIGINT: stopping the search"), r.err)
        XCTAssertTrue(r.out.contains("INCOMPLETE: interrupted; no violation found in the "), r.out)
        // The figures so far: at least as many states as the progress line showed.
        let shown = try XCTUnwrap(Int(r.err.components(separatedBy: "distinct=")[1].prefix { $0.isNumber }))
        let final = try XCTUnwrap(Int(r.out.components(separatedBy: "generated, ")[1].prefix { $0.isNumber }))
        XCTAssertGreaterThanOrEqual(final, shown)
        XCTAssertTrue(r.out.contains("left in queue"), r.out)
    }

    func testSIGTERMStopsWithFiguresAndExit10() throws {
        _ = try FuzzTests.binary()
        let r = try interruptedRun(SIGTERM)
        XCTAssertEqual(r.code, 10, r.out + r.err)
        XCTAssertTrue(r.err.contains("SIGTERM: stopping the search"), r.err)
        XCTAssertTrue(r.out.contains("INCOMPLETE: interrupted"), r.out)
        XCTAssertTrue(r.out.contains("states:"), r.out)
    }

    // MARK: output files

    func testFailedWriteLeavesTheOldFileIntact() throws {
        let dir = try scratch()
        let target = try write("the user's old trace\n", "trace.itf.json", in: dir)
        // Make the temporary file impossible to create: a directory sits at its name.
        let blocker = dir + "/.trace.itf.json.weave-tmp-\(getpid())"
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
        XCTAssertThrowsError(try Driver.writeAtomically("new contents\n", to: target))
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "the user's old trace\n")
        // And a rename that fails (the target is a non-empty directory) removes the temporary file.
        try FileManager.default.removeItem(atPath: blocker)
        let dirTarget = dir + "/adir"
        try FileManager.default.createDirectory(atPath: dirTarget, withIntermediateDirectories: false)
        _ = try write("x", "inside", in: dirTarget)
        XCTAssertThrowsError(try Driver.writeAtomically("new\n", to: dirTarget))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["adir", "trace.itf.json"])
        // A successful write replaces the file whole.
        try Driver.writeAtomically("new contents\n", to: target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new contents\n")
    }

    func testOutputNeverReplacesAModelFile() throws {
        let dir = try scratch()
        let text = try String(contentsOfFile: RobustCLITests.root + "/Models/flush_delayed_fput.weave", encoding: .utf8)
        try FileManager.default.copyItem(atPath: RobustCLITests.root + "/Models/kernel", toPath: dir + "/kernel")
        let f = try write(text, "m.weave", in: dir)
        // The trace written over the model itself, or over a file it imports: refused.
        for target in [f, dir + "/kernel/llist.weave", "m.weave"] {
            let r = try weave(["check", f, "--trace-out", target, "--quiet"], cwd: dir)
            XCTAssertEqual(r.code, 64, "\(target): \(r.err)")
            XCTAssertTrue(r.err.contains("is an input of this run"), r.err)
        }
        XCTAssertEqual(try String(contentsOfFile: f, encoding: .utf8), text)
        let j = try weave(["ci", f, "--junit", f], cwd: dir)
        XCTAssertEqual(j.code, 64, j.err)
        XCTAssertEqual(try String(contentsOfFile: f, encoding: .utf8), text)
        // No violation, no trace: an existing file is left alone, and the user is told.
        let old = try write("old", "old.itf.json", in: dir)
        let h = try weave(["check", f, "--param", "design=fput_sync", "--trace-out", old, "--quiet"], cwd: dir)
        XCTAssertEqual(h.code, 0)
        XCTAssertEqual(try String(contentsOfFile: old, encoding: .utf8), "old")
        XCTAssertTrue(h.err.contains("no trace written"), h.err)
    }
}
