import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveSema
import XCTest

/// `weave explore` as it is used: scripted sessions through a pipe, a session in a
/// pseudo-terminal (line editing and history), every shipped model started, stepped,
/// saved and replayed, bad commands, `eval` and `check` from the current state.
final class ExploreTests: XCTestCase {
    static let root = CLITests.root
    static let flush = "Models/flush_delayed_fput.weave"

    /// Runs `weave` in the repository root with `input` on stdin.
    func run(_ args: [String], input: String) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = try weaveExecutable()
        p.arguments = args
        p.currentDirectoryURL = Self.root
        let i = Pipe(), o = Pipe(), e = Pipe()
        p.standardInput = i
        p.standardOutput = o
        p.standardError = e
        try p.run()
        i.fileHandleForWriting.write(Data(input.utf8))
        try i.fileHandleForWriting.close()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        let err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-explore-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func session(_ path: String = flush, _ overrides: [String: String] = [:]) throws -> ExploreSession {
        let cwd = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(Self.root.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        let quiet = Output(out: { _ in }, err: { _ in })
        guard case .success(let s) = ExploreSession.open(path: path, overrides: overrides, io: quiet) else {
            XCTFail("cannot open \(path)")
            throw CocoaError(.fileReadUnknown)
        }
        return s
    }

    /// The flush race by hand, as the README shows it: six steps, the last one fails;
    /// the saved trace is reproduced by `weave replay`.
    func testScriptedSessionReachesTheFlushRaceAndReplayReproducesIt() throws {
        let dir = try scratch("race")
        let file = dir.appendingPathComponent("race.itf.json").path
        let script = "1\n1\nnfsd(1).close\nnfsd(1).flush\nnfsd(0).flush\nnfsd(0).rename\ntrace\nsave \(file)\n"
        let r = try run(["explore", Self.flush], input: script)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.err, "")
        XCTAssertTrue(r.out.contains("state 6: after nfsd(0).rename   (the step fails: VIOLATES close completed before rename)"), r.out)
        XCTAssertTrue(r.out.contains("VIOLATED: assertion \"close completed before rename\" fails in nfsd(0)"), r.out)
        // The echoed commands make the output a transcript.
        XCTAssertTrue(r.out.contains("explore> nfsd(1).flush\n"), r.out)
        // Before the last step, the failing step is marked among the enabled ones.
        XCTAssertTrue(r.out.contains("nfsd(0).rename   vfs_rename(): the cached open must be gone   -> VIOLATES close completed before rename"), r.out)
        XCTAssertTrue(r.out.contains("path (6 steps):"), r.out)
        XCTAssertTrue(r.out.contains("path (6 steps) written to \(file)"), r.out)
        let replay = try runWeave(["replay", Self.flush, file], cwd: Self.root)
        XCTAssertEqual(replay.code, 0, replay.out + replay.err)
        XCTAssertTrue(replay.out.contains("REPRODUCED: all 6 steps apply and the trace ends in assertion \"close completed before rename\" fails in nfsd(0)"), replay.out)
    }

    /// The README's session, run as written: its commands give every line it shows
    /// (lines with `...` are elided there), and its replay reproduces the race.
    func testReadmeSession() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "$ weave explore Models/flush_delayed_fput.weave\n"))
        let block = readme[start.upperBound...]
        let body = String(block[..<(try XCTUnwrap(block.range(of: "```")).lowerBound)])
        let lines = body.split(separator: "\n").map(String.init)
        let commands = lines.filter { $0.hasPrefix("explore> ") }.map { String($0.dropFirst("explore> ".count)) }
        XCTAssertEqual(commands.filter { Int($0) != nil || $0.contains(").") }.count, 6, "six steps")
        let dir = try scratch("readme")
        let p = Process()
        p.executableURL = try weaveExecutable()
        p.arguments = ["explore", Self.root.appendingPathComponent(Self.flush).path]
        p.currentDirectoryURL = dir
        let i = Pipe(), o = Pipe()
        p.standardInput = i
        p.standardOutput = o
        try p.run()
        i.fileHandleForWriting.write(Data((commands.joined(separator: "\n") + "\n").utf8))
        try i.fileHandleForWriting.close()
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let outLines = Set(out.split(separator: "\n").map(String.init))
        var checked = 0
        for l in lines where !l.contains("...") && !l.hasPrefix("$ ") && !l.hasPrefix("REPRODUCED") {
            XCTAssertTrue(outLines.contains(l), "README line not in the session's output: \(l)\n\(out)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30)
        let replay = try runWeave(["replay", Self.root.appendingPathComponent(Self.flush).path, "race.itf.json"], cwd: dir)
        XCTAssertEqual(replay.code, 0, replay.out)
        let said = try XCTUnwrap(lines.first { $0.hasPrefix("REPRODUCED") })
        XCTAssertTrue(replay.out.contains(said + "\n"), replay.out)
    }

    /// Numbers, back, restart, eval, trace in two formats, save; the saved path (no
    /// violation) replays; a saved path edited so one step no longer applies does not.
    func testScriptedSessionBackRestartEvalTraceSave() throws {
        let dir = try scratch("script")
        let file = dir.appendingPathComponent("path.itf.json").path
        let script = """
        1
        2
        back
        restart
        2
        1
        eval len(delayed_fput_list)
        eval at(nfsd(1), schedule)
        eval at(nfsd(0), schedule)
        eval closed[0] || closed[1]
        trace
        trace json
        trace kernel
        trace --format mermaid
        save \(file)

        """
        let r = try run(["explore", Self.flush], input: script)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.err, "")
        // restart then 2, 1: nfsd(1) closes, then nfsd(0) (after 'back' and 'restart' the first moves are gone).
        XCTAssertTrue(r.out.contains("state 2: after nfsd(0).close"), r.out)
        XCTAssertTrue(r.out.contains("explore> eval len(delayed_fput_list)\n2\n"), r.out)
        XCTAssertTrue(r.out.contains("explore> eval at(nfsd(1), schedule)\ntrue\n"), r.out)
        XCTAssertTrue(r.out.contains("explore> eval at(nfsd(0), schedule)\nfalse\n"), r.out)
        XCTAssertTrue(r.out.contains("explore> eval closed[0] || closed[1]\nfalse\n"), r.out)
        let trace = try XCTUnwrap(r.out.components(separatedBy: "explore> trace\n").last)
        XCTAssertTrue(trace.hasPrefix("path (2 steps):\n  0  initial state\n"), trace)
        XCTAssertTrue(trace.contains("  1  nfsd(1).close\n"), trace)
        XCTAssertTrue(trace.contains("  2  nfsd(0).close\n"), trace)
        XCTAssertTrue(r.out.contains("\"action\": \"nfsd(0).close\""), r.out)
        XCTAssertTrue(r.out.contains("explore> trace kernel\n"), r.out)
        XCTAssertTrue(r.out.contains("explore> trace --format mermaid\n```mermaid\nsequenceDiagram"), r.out)
        // The kernel view: a column per process, nfsd(1) first in time.
        let kernel = try XCTUnwrap(r.out.components(separatedBy: "explore> trace kernel\n").last)
        let k1 = try XCTUnwrap(kernel.range(of: "close: filp_close()")), header = try XCTUnwrap(kernel.range(of: "nfsd(1)"))
        XCTAssertLessThan(header.lowerBound, k1.lowerBound, kernel)
        let replay = try runWeave(["replay", Self.flush, file], cwd: Self.root)
        XCTAssertEqual(replay.code, 0, replay.out + replay.err)
        XCTAssertTrue(replay.out.contains("REPLAYS: all 2 steps apply"), replay.out)
        // A path whose second step no longer applies is not reproduced.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let broken = dir.appendingPathComponent("broken.itf.json").path
        try text.replacingOccurrences(of: "\"action\": \"nfsd(0).close\"", with: "\"action\": \"worker.idle\"")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try runWeave(["replay", Self.flush, broken], cwd: Self.root)
        XCTAssertEqual(bad.code, 20, bad.out + bad.err)
    }

    /// A refused command is one line on stderr and the session goes on; the end of input ends it with 0.
    func testBadCommandsAreOneLineAndTheSessionGoesOn() throws {
        let commands = ["frobnicate", "99", "0", "back", "trace nope", "eval no_such_variable", "eval 1 +",
                        "eval delayed_fput_list", "save", "load /nonexistent/x.itf.json", "1 2", "restart 7", "back -1",
                        "check lots", "follow", "nfsd(7).close"]
        let r = try run(["explore", Self.flush], input: commands.joined(separator: "\n") + "\n1\nstate\n")
        XCTAssertEqual(r.code, 0, r.err)
        let lines = r.err.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, commands.count, r.err)
        for l in lines { XCTAssertTrue(l.hasPrefix("error: "), String(l)) }
        XCTAssertTrue(r.err.contains("error: unknown command 'frobnicate'"), r.err)
        XCTAssertTrue(r.err.contains("error: no step 99: choose 1 to 2"), r.err)
        XCTAssertTrue(r.err.contains("error: already at the initial state"), r.err)
        XCTAssertTrue(r.err.contains("error: cannot read '/nonexistent/x.itf.json'"), r.err)
        XCTAssertTrue(r.err.contains("no_such_variable"), r.err)
        // After all that, step 1 was taken and shown again by 'state'.
        XCTAssertEqual(r.out.components(separatedBy: "state 1: after nfsd(0).close").count - 1, 2, r.out)
        // A model that does not load: its exit code, no session.
        let missing = try run(["explore", "Models/no_such_model.weave"], input: "")
        XCTAssertEqual(missing.code, 74)
    }

    /// Every shipped model starts, takes its first enabled step a few times, saves, and
    /// `weave replay` accepts what was saved.
    func testEveryShippedModelStartsStepsSavesAndReplays() throws {
        let dir = try scratch("models")
        let models = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Models").path)
            .filter { $0.hasSuffix(".weave") }.sorted()
        XCTAssertGreaterThanOrEqual(models.count, 6)
        for m in models {
            let path = "Models/" + m
            let file = dir.appendingPathComponent(m + ".itf.json").path
            let r = try run(["explore", path], input: "1\n1\n1\n1\nsave \(file)\n")
            XCTAssertEqual(r.code, 0, "\(m): \(r.err)")
            XCTAssertTrue(r.out.contains("steps enabled:\n  1  "), "\(m): \(r.out)")
            XCTAssertTrue(r.out.contains("state 1: after "), m)
            XCTAssertTrue(r.out.contains("written to \(file) as ITF"), "\(m): \(r.out) \(r.err)")
            let replay = try runWeave(["replay", path, file], cwd: Self.root)
            XCTAssertEqual(replay.code, 0, "\(m): \(replay.out) \(replay.err)")
            XCTAssertTrue(replay.out.contains("REPLAYS: all") || replay.out.contains("REPRODUCED: all"), "\(m): \(replay.out)")
        }
    }

    /// `load` continues from `weave check --trace-out`'s counterexample: back one step,
    /// and the failing step is enabled again.
    func testLoadContinuesFromACounterexample() throws {
        let dir = try scratch("load")
        let cex = dir.appendingPathComponent("cex.itf.json").path
        let check = try runWeave(["check", Self.flush, "--trace-out", cex], cwd: Self.root)
        XCTAssertEqual(check.code, 12, check.err)
        let r = try run(["explore", Self.flush], input: "load \(cex)\nback\ntrace\n")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.err, "")
        XCTAssertTrue(r.out.contains("loaded \(cex): 6 steps"), r.out)
        XCTAssertTrue(r.out.contains("state 5: after nfsd(0).flush"), r.out)
        XCTAssertTrue(r.out.contains("-> VIOLATES close completed before rename"), r.out)
        XCTAssertTrue(r.out.contains("path (5 steps):"), r.out)
        // A trace saved with other settings is refused, and says which.
        let other = try run(["explore", Self.flush, "--const", "THREADS=1"], input: "load \(cex)\n")
        XCTAssertTrue(other.err.contains("the trace was saved with FILES=2, THREADS=2; this session has FILES=1, THREADS=1"), other.err)
    }

    /// `check` searches from the current state, says so, and finds the shortest trace from
    /// there: from the initial state as long as `weave check`'s, shorter further along.
    func testCheckSearchesFromTheCurrentState() throws {
        let s = try session()
        let fromStart = s.checkText()
        XCTAssertTrue(fromStart.hasPrefix("check from the current state (the initial state): "), fromStart)
        XCTAssertTrue(fromStart.contains("shortest trace from the current state (the initial state) (6 steps):"), fromStart)
        for n in [1, 1, 2] { XCTAssertNil(s.take(n)) }      // nfsd(0) close, schedule; nfsd(1) close
        let here = s.checkText()
        XCTAssertTrue(here.hasPrefix("check from the current state (state 3 of the path), not from the initial state"), here)
        XCTAssertTrue(here.contains("VIOLATED from here: assertion \"close completed before rename\" fails in nfsd("), here)
        XCTAssertTrue(here.contains("shortest trace from the current state (state 3 of the path) (3 steps):\n  0  current state (state 3 of the path)\n"), here)
        // follow applies only from the state check searched from.
        XCTAssertNil(s.back())
        XCTAssertNil(s.take(3))
        XCTAssertNotNil(s.follow())
        XCTAssertEqual(s.depth, 3)
        XCTAssertNil(s.back())
        XCTAssertNil(s.take(2))
        XCTAssertNil(s.follow())
        XCTAssertEqual(s.depth, 6)
        XCTAssertTrue(s.endedInFailure)
        // A design that holds: no violation reachable from a state in the middle.
        let safe = try session(Self.flush, ["design": "fput_sync"])
        XCTAssertNil(safe.take(1))
        let ok = safe.checkText()
        XCTAssertTrue(ok.contains("HOLDS from here: no violation in the "), ok)
        guard case .none(let n) = safe.search() else { return XCTFail("expected no violation") }
        // Every state reachable from state 1 was searched: an independent count by the state graph.
        let graph = try XCTUnwrap(TraceTools(space: try StateSpace(model: safe.model)).stateGraph(limit: 100_000))
        var reach: Set<Int> = [try XCTUnwrap(graph.states.firstIndex(of: safe.current))]
        var work = Array(reach)
        while let a = work.popLast() {
            for e in graph.edges where e.from == a { if let b = e.to, reach.insert(b).inserted { work.append(b) } }
        }
        XCTAssertEqual(n, reach.count)
        XCTAssertLessThan(n, graph.states.count)
        // A limit that stops it is INCOMPLETE, not HOLDS.
        XCTAssertTrue(safe.checkText(limit: 3).contains("INCOMPLETE: stopped after"), safe.checkText(limit: 3))
    }

    /// `eval` on the current state: values of every printable type, errors as one message.
    func testEval() throws {
        let s = try session()
        XCTAssertEqual(try s.evaluate("len(delayed_fput_list)").get(), "0")
        XCTAssertEqual(try s.evaluate("at(nfsd(0), close)").get(), "true")
        XCTAssertEqual(try s.evaluate("forall t: 0..1: !closed[t]").get(), "true")
        XCTAssertEqual(try s.evaluate("count t: 0..1: at(nfsd(t), close)").get(), "2")
        XCTAssertNil(s.take(1))
        XCTAssertEqual(try s.evaluate("len(delayed_fput_list) + 40").get(), "41")
        XCTAssertEqual(try s.evaluate("nfsd(0).was_empty").get(), "true")
        XCTAssertEqual(try s.evaluate("at(nfsd(0), close)").get(), "false")
        if case .success(let v) = s.evaluate("no_such") { XCTFail("evaluated an unknown name to \(v)") }
        if case .success(let v) = s.evaluate("1 +") { XCTFail("evaluated '1 +' to \(v)") }
        if case .success(let v) = s.evaluate("1\ndef x = 2") { XCTFail("took two declarations: \(v)") }
    }

    /// Runs `weave explore ARGS` in a pseudo-terminal (`script`, util-linux), typing each
    /// `keys` once the output shows `afterPrompts` prompts (and `delay` seconds more);
    /// returns the exit status and the output without carriage returns.
    func ptySession(_ args: [String], _ keys: [(keys: String, afterPrompts: Int, delay: Double)]) throws -> (Int32, String) {
        let script = "/usr/bin/script"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: script), "script (util-linux) is not installed")
        let exe = try weaveExecutable().path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = ["-qec", ([exe, "explore"] + args).joined(separator: " "), "/dev/null"]
        p.currentDirectoryURL = Self.root
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        p.environment = env
        let i = Pipe(), o = Pipe()
        p.standardInput = i
        p.standardOutput = o
        p.standardError = o
        let buffer = OutputBuffer()
        o.fileHandleForReading.readabilityHandler = { h in buffer.append(h.availableData) }
        try p.run()
        for k in keys {
            let deadline = Date().addingTimeInterval(20)
            while buffer.count(of: "explore> ") < k.afterPrompts && Date() < deadline { usleep(20_000) }
            if k.delay > 0 { usleep(UInt32(k.delay * 1_000_000)) }
            i.fileHandleForWriting.write(Data(k.keys.utf8))
        }
        let deadline = Date().addingTimeInterval(20)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); XCTFail("the session did not end") }
        p.waitUntilExit()
        o.fileHandleForReading.readabilityHandler = nil
        return (p.terminationStatus, buffer.text.replacingOccurrences(of: "\r", with: ""))
    }

    /// A session in a pseudo-terminal (`script`, util-linux): typed keys go through the
    /// line editor: history (up), left-arrow insertion, ctrl-A, backspace, ctrl-C drops a
    /// line, ctrl-D ends the session with 0.
    func testTerminalSessionEditsLinesAndRecallsHistory() throws {
        let (code, out) = try ptySession([Self.flush], [
            ("1\r", 1, 0),                          // nfsd(0).close
            ("\u{1B}[A\r", 2, 0),                   // up: '1' again, nfsd(0).schedule
            ("eval 12\u{1B}[D+\r", 3, 0),           // left arrow, insert: eval 1+2
            ("val 40+2\u{01}e\r", 4, 0),            // ctrl-A, insert: eval 40+2
            ("garbage\u{03}", 5, 0),                // ctrl-C drops the line
            ("backx\u{7F}\r", 6, 0),                // backspace: back
            ("\u{04}", 7, 0),                       // ctrl-D on an empty line: the end
        ])
        XCTAssertEqual(code, 0, out)
        XCTAssertTrue(out.contains("state 2: after nfsd(0).schedule"), out)
        XCTAssertTrue(out.contains("\n3\n"), out)
        XCTAssertTrue(out.contains("\n42\n"), out)
        XCTAssertTrue(out.contains("^C"), out)
        XCTAssertFalse(out.contains("unknown command"), out)
        // 'back' after the two steps: state 1 shown again (it was shown once when taken).
        XCTAssertEqual(out.components(separatedBy: "state 1: after nfsd(0).close").count - 1, 2, out)
    }

    /// ctrl-C in a terminal stops a long `check` (INCOMPLETE, interrupted) and the session goes on.
    func testCtrlCStopsACheckFromHere() throws {
        let dir = try scratch("ctrlc")
        let model = dir.appendingPathComponent("counters.weave")
        try """
        // Three counters that never stop: 10^9 states, more than a check from here finishes soon.
        type C = 0..999
        process p(i: 0..2) {
          var n: C = 0
          tick: n = (n + 1) % 1000
                goto tick
        }

        """.write(to: model, atomically: true, encoding: .utf8)
        let (code, out) = try ptySession([model.path], [("check\r", 1, 0), ("\u{03}", 1, 0.5), ("1\r", 2, 0), ("\u{04}", 3, 0)])
        XCTAssertEqual(code, 0, out)
        XCTAssertTrue(out.contains("INCOMPLETE: interrupted after "), out)
        XCTAssertTrue(out.contains("state 1: after p(0).tick"), out)
    }

    /// The breadth-first search from a state is a new search path: against the explorer
    /// on the soundness harness's random models, from their initial states (the same
    /// verdict and the same shortest length), and from a state along the way (a violation
    /// from there is never nearer than the explorer's from the start, minus the way there).
    func testSearchFromAStateAgreesWithTheExplorer() throws {
        let dir = try scratch("agree")
        var compared = 0, violated = 0, midway = 0
        // A longer campaign with the harness's knobs: WEAVE_SOUNDNESS_MODELS, WEAVE_SOUNDNESS_SEED.
        let count = SoundnessHarnessTests.env("WEAVE_SOUNDNESS_MODELS") ?? 40
        for i in 0..<count {
            var rng = FuzzRNG(seed: SoundnessHarnessTests.seed(0xE7, i))
            let text = SoundnessGenerator.explicitModel(&rng)
            let file = dir.appendingPathComponent("m\(i).weave")
            try text.write(to: file, atomically: true, encoding: .utf8)
            guard let m = SoundnessRunner.elaborate(text) else { continue }
            var o = CheckOptions()
            o.properties = .only(Set(m.invariants.map(\.name) + m.assertNames + m.overflowNames + [Model.deadlockProperty]))
            o.checkLiveness = false
            o.maxStates = 200_000
            let r = try Explorer(model: m, options: o).run()
            let s = try session(file.path)
            // From every initial state: the nearest violation over all of them.
            var best: Int? = nil
            var incomplete = false
            for k in 0..<s.initialCount {
                XCTAssertNil(s.restart(initial: k))
                switch s.search(limit: 200_000) {
                case .violation(let steps, _): best = min(best ?? Int.max, steps.count)
                case .incomplete: incomplete = true
                case .none: break
                }
            }
            if incomplete { continue }
            switch r.verdict {
            case .incomplete: continue
            case .holds: XCTAssertNil(best, "model \(i): the explorer holds, the search from the initial states finds a violation\n\(text)")
            case .violated(let v):
                violated += 1
                XCTAssertEqual(best, v.trace?.steps.count, "model \(i): \(v.message)\n\(text)")
                // From state k of a shortest trace of L steps the nearest violation is exactly L - k
                // steps away: the rest of the trace is one, and a nearer one would make a shorter trace.
                if let t = v.trace, t.steps.count >= 2 {
                    let k = t.steps.count / 2
                    guard case .violation(let steps, _) = s.search(from: t.states[k], limit: 200_000) else {
                        XCTFail("model \(i): no violation from state \(k) of the explorer's trace\n\(text)")
                        continue
                    }
                    XCTAssertEqual(steps.count, t.steps.count - k, "model \(i) from state \(k)\n\(text)")
                    midway += 1
                }
            }
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, count * 3 / 4)
        XCTAssertGreaterThanOrEqual(violated, count / 8)
        XCTAssertGreaterThanOrEqual(midway, count / 16)
    }
}

/// `weave explore --serve` at the HTTP level: bound to 127.0.0.1 only, requests for
/// another host or POSTs not sent as the page sends them refused, the JSON endpoints act
/// on the one session, the ITF download replays.
final class ExploreServerTests: XCTestCase {
    /// One raw HTTP/1.1 exchange with 127.0.0.1:`port`: status and body.
    func request(_ port: Int, _ method: String, _ path: String, host: String? = nil, type: String? = nil, body: String = "") throws -> (Int, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(ok, 0, "connect")
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nContent-Length: \(body.utf8.count)\r\n"
        if let type { head += "Content-Type: \(type)\r\n" }
        let bytes = Array((head + "\r\n" + body).utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let payload = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, payload)
    }

    func testServerIsLocalAndActsOnTheSession() throws {
        let server = Process()
        server.executableURL = try weaveExecutable()
        server.arguments = ["explore", ExploreTests.flush, "--serve", "--port", "0"]
        server.currentDirectoryURL = ExploreTests.root
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var first = Data()
        while !first.contains(UInt8(ascii: "\n")) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            first.append(d)
        }
        let line = String(decoding: first, as: UTF8.self)
        let portText = try XCTUnwrap(line.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression).map { line[$0].split(separator: ":")[1] }, line)
        let port = try XCTUnwrap(Int(portText))

        // The listening socket is bound to 127.0.0.1 (0100007F in /proc/net/tcp), not to any address.
        let tcp = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        let hexPort = String(format: "%04X", port)
        let listening = tcp.split(separator: "\n").filter { $0.contains(":\(hexPort) ") && $0.split(separator: " ")[3] == "0A" }
        XCTAssertEqual(listening.count, 1, tcp)
        XCTAssertTrue(listening.first?.split(separator: " ")[1] == "0100007F:\(hexPort)", tcp)

        let (s0, state) = try request(port, "GET", "/api/state")
        XCTAssertEqual(s0, 200)
        XCTAssertTrue(state.contains(#""depth":0"#), state)
        XCTAssertEqual(try request(port, "GET", "/api/state", host: "evil.example:\(port)").0, 403)
        XCTAssertEqual(try request(port, "GET", "/api/state", host: "localhost:\(port)").0, 200)
        XCTAssertEqual(try request(port, "POST", "/api/step/1").0, 403, "a POST not sent as JSON")
        XCTAssertEqual(try request(port, "POST", "/api/step/1", type: "text/plain").0, 403)
        let (s1, stepped) = try request(port, "POST", "/api/step/1", type: "application/json")
        XCTAssertEqual(s1, 200, stepped)
        XCTAssertTrue(stepped.contains(#""depth":1"#), stepped)
        let (s2, refused) = try request(port, "POST", "/api/step/99", type: "application/json")
        XCTAssertEqual(s2, 400)
        XCTAssertTrue(refused.contains(#""error":"no step 99: choose 1 to 2""#), refused)
        let (s3, value) = try request(port, "POST", "/api/eval", type: "application/json", body: "len(delayed_fput_list)")
        XCTAssertEqual(s3, 200)
        XCTAssertTrue(value.contains(#""value":"1""#), value)
        XCTAssertEqual(try request(port, "GET", "/nothing").0, 404)
        XCTAssertEqual(try request(port, "DELETE", "/api/state").0, 405)
        let (s4, page) = try request(port, "GET", "/")
        XCTAssertEqual(s4, 200)
        XCTAssertFalse(page.contains("http://") || page.contains("https://") || page.contains("src=\""), "no outside resources")
        // The download of the path replays.
        let (s5, itf) = try request(port, "GET", "/api/trace.itf.json")
        XCTAssertEqual(s5, 200)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("weave-explore-\(getpid())-web.itf.json")
        try itf.write(to: file, atomically: true, encoding: .utf8)
        let replay = try runWeave(["replay", ExploreTests.flush, file.path], cwd: ExploreTests.root)
        XCTAssertEqual(replay.code, 0, replay.out + replay.err)
        XCTAssertTrue(replay.out.contains("REPLAYS: all 1 steps apply"), replay.out)
        // load: the page sends a counterexample of weave check; the session continues from it.
        let cex = FileManager.default.temporaryDirectory.appendingPathComponent("weave-explore-\(getpid())-cex.itf.json")
        XCTAssertEqual(try runWeave(["check", ExploreTests.flush, "--trace-out", cex.path], cwd: ExploreTests.root).code, 12)
        let (s6, loaded) = try request(port, "POST", "/api/load", type: "application/json", body: try String(contentsOf: cex, encoding: .utf8))
        XCTAssertEqual(s6, 200, loaded)
        XCTAssertTrue(loaded.contains(#""depth":6"#), loaded)
        XCTAssertTrue(loaded.contains(#""violation":"assertion \"close completed before rename\" fails in nfsd(0)""#), loaded)
        let (s7, checked) = try request(port, "POST", "/api/back", type: "application/json")
        XCTAssertEqual(s7, 200)
        XCTAssertTrue(checked.contains(#""depth":5"#), checked)
        let (s8, bad) = try request(port, "POST", "/api/load", type: "application/json", body: "{}")
        XCTAssertEqual(s8, 400)
        XCTAssertTrue(bad.contains("is not an ITF trace"), bad)
    }
}

/// Bytes read from a pipe on another thread.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.withLock { data.append(d) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    func count(of s: String) -> Int { text.components(separatedBy: s).count - 1 }
}
