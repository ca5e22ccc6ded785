import Foundation
import WeaveSource
import WeaveReport
import WeaveIR
import WeaveSema
import WeaveExplorer

/// `weave ci`: runs every `expect` line of every model and compares outcomes.
///
/// No false green: the run fails when it checked nothing (no models, or none with an
/// `expect` line: exit 64), a model that does not load is an error case in the JUnit and
/// SARIF files (exit 65), and the expectations an interrupt left unrun are listed as not
/// run (exit 10). The output files are written once before anything runs (every
/// expectation marked "did not finish"), so a run killed midway never leaves an older
/// run's green report in place.
public enum CI {
    /// How one case of the run ended (the type is WeaveReport's, which writes JUnit and SARIF).
    public typealias Status = CaseResult.Status

    /// One case: an expectation run and its outcome, a model that does not load, or a
    /// model with nothing to check.
    public typealias Row = CaseResult

    /// Model files under the given paths (directories searched recursively, `kernel/` libraries included
    /// but they declare no expectations).
    public static func modelFiles(_ paths: [String]) -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { out.append(p); continue }
            if isDir.boolValue {
                let e = FileManager.default.enumerator(atPath: p)
                var files: [String] = []
                while let f = e?.nextObject() as? String {
                    if f.hasSuffix(".weave") { files.append(p + "/" + f) }
                }
                out += files.sorted()
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// One thing the run does, in order: report a model that does not load, note a model
    /// with no expectation, or run one expectation with one combination of settings.
    enum Item {
        case loadFailed(file: String, [Diagnostic])
        case noExpectations(file: String)
        case run(file: String, ModelSource, Expectation, [(String, String)])
    }

    /// Why the items not run were not run.
    enum Unfinished {
        /// Written before the run: if the process dies, the file says so.
        case didNotFinish
        case interrupted(String)
    }

    public static func run(paths: [String], junit: String?, sarif: String? = nil, io: Output) -> WeaveExit {
        // What to check. A gate that checks nothing must not pass.
        var roots = paths
        if roots.isEmpty {
            roots = ["Models", "Proofs"].filter { FileManager.default.fileExists(atPath: $0) }
            if roots.isEmpty {
                io.err("weave ci: nothing to check: no paths given, and there is no Models or Proofs directory in "
                       + "'\(FileManager.default.currentDirectoryPath)'; name the model files or directories to check\n")
                return .usage
            }
        }
        let files = modelFiles(roots)
        if files.isEmpty {
            io.err("weave ci: nothing to check: no .weave files under \(roots.map { "'\($0)'" }.joined(separator: ", "))\n")
            return .usage
        }
        for root in roots where isDirectory(root) && modelFiles([root]).isEmpty {
            io.err("weave ci: warning: no .weave files under '\(root)'\n")
        }
        if let junit, let sarif, Driver.canonicalPath(junit) == Driver.canonicalPath(sarif) {
            io.err("weave ci: --junit and --sarif name the same file ('\(junit)'); name two files\n")
            return .usage
        }

        // Load every model first: the outputs are checked against every input (models and
        // their imports) before anything runs or is written.
        var loaded: [(file: String, result: Result<ModelSource, DiagnosticsError>)] = []
        var inputs = files
        for file in files {
            guard FileManager.default.fileExists(atPath: file) else {
                let d = Diagnostic(.error, "cannot read '\(file)': no such file or directory", at: nil)
                loaded.append((file, .failure(DiagnosticsError([d]))))
                continue
            }
            do {
                let source = try Loader.load(path: file)
                inputs += source.paths
                loaded.append((file, .success(source)))
            } catch {
                // The files named in the errors were read too (the model, its imports).
                inputs += error.diagnostics.compactMap { $0.range?.file.path }
                loaded.append((file, .failure(error)))
            }
        }
        for (flag, output) in [("--junit", junit), ("--sarif", sarif)] {
            if let output, let input = Driver.inputMatching(output, inputs) {
                io.err("weave ci: \(flag) '\(output)' is an input of this run ('\(input)'); name another file\n")
                return .usage
            }
        }

        // Files another model of the run imports are libraries: no expectation expected.
        var imported = Set<String>()
        for case (_, .success(let source)) in loaded {
            for path in source.paths.dropFirst() { imported.insert(Driver.canonicalPath(path)) }
        }
        var items: [Item] = []
        var bare: [String] = []
        for (file, result) in loaded {
            switch result {
            case .failure(let error):
                items.append(.loadFailed(file: file, error.diagnostics))
            case .success(let source):
                let expectations = Sema.expectations(source)
                if expectations.isEmpty {
                    if !imported.contains(Driver.canonicalPath(file)) {
                        bare.append(file)
                        items.append(.noExpectations(file: file))
                    }
                    continue
                }
                for exp in expectations {
                    for run in exp.runs { items.append(.run(file: file, source, exp, run)) }
                }
            }
        }
        for file in bare {
            io.err("weave ci: warning: '\(file)' declares no expectation (no `expect` line); nothing in it is checked\n")
        }
        let runs = items.filter { if case .run = $0 { return true } else { return false } }.count
        let loadFailures = items.filter { if case .loadFailed = $0 { return true } else { return false } }.count
        if runs == 0 && loadFailures == 0 {
            let what = files.count == 1 ? "'\(files[0])' declares no expectation"
                                        : "none of the \(files.count) model files declares an expectation"
            io.err("weave ci: nothing to check: \(what); add `expect` lines (see docs/LANGUAGE.md)\n")
            return .usage
        }

        // Replace any older report before running: a run that dies leaves "did not finish".
        let before = rows(done: [], pending: items[...], why: .didNotFinish)
        if let code = write(before, junit: junit, sarif: sarif, invocation: invocation(before, .didNotFinish), io: io) {
            return code
        }

        var done: [Row] = []
        var interrupted = false
        var next = 0
        while next < items.count {
            if Interrupt.requested { interrupted = true; break }
            switch items[next] {
            case .loadFailed(let file, let diagnostics):
                Driver.printDiagnostics(diagnostics, io)
                done.append(loadFailedRow(file: file, diagnostics))
            case .noExpectations(let file):
                done.append(noExpectationsRow(file: file))
            case .run(let file, let source, let exp, let run):
                let row = runOne(file: file, source: source, exp: exp, run: run, io: io)
                // A run the interrupt cut short is not an outcome: it is listed as not run.
                if Interrupt.requested && row.got == "incomplete" { interrupted = true; break }
                done.append(row)
                let mark = row.passed ? "ok  " : "FAIL"
                io.out("\(mark) \(row.model) [\(row.settings)] \(row.property): expected \(row.expected), got \(row.got)"
                       + " (\(row.distinct) states, \(String(format: "%.2f", row.seconds)) s)\n")
                if !row.passed && !row.detail.isEmpty { io.out("     \(row.detail)\n") }
            }
            if interrupted { break }
            next += 1
        }
        let why: Unfinished = .interrupted(Interrupt.name(Interrupt.signal))
        let all = rows(done: done, pending: items[next...], why: why)
        let passed = all.filter { $0.status == .passed }.count
        let failed = all.filter { $0.status == .failed }.count
        let notRun = all.filter { if $0.status == .notRun, !$0.expected.isEmpty { return true } else { return false } }.count
        var summary = "\(passed) passed, \(failed) failed"
        if loadFailures > 0 { summary += ", \(loadFailures) model\(loadFailures == 1 ? "" : "s") did not load" }
        if notRun > 0 { summary += ", \(notRun) not run" }
        io.out(summary + "\n")
        if interrupted {
            io.out("interrupted (\(Interrupt.name(Interrupt.signal))): the remaining expectations were not run\n")
        }
        if let code = write(all, junit: junit, sarif: sarif, invocation: invocation(all, interrupted ? why : nil), io: io) {
            return code
        }
        if loadFailures > 0 { return .modelError }
        if failed > 0 { return .ciMismatch }
        return interrupted ? .incomplete : .holds
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// The rows of the items run, then a row for each item not run.
    static func rows(done: [Row], pending: ArraySlice<Item>, why: Unfinished) -> [Row] {
        var out = done
        for item in pending {
            switch item {
            case .loadFailed(let file, let diagnostics): out.append(loadFailedRow(file: file, diagnostics))
            case .noExpectations(let file): out.append(noExpectationsRow(file: file))
            case .run(let file, let source, let exp, let run):
                let (expected, property) = describe(exp.verdict)
                let (got, status, detail): (String, Status, String) = {
                    switch why {
                    case .didNotFinish:
                        return ("not run", .error, "not run: weave ci did not finish (it was killed or crashed before writing its results)")
                    case .interrupted(let signal):
                        return ("not run", .notRun, "not run: interrupted (\(signal))")
                    }
                }()
                out.append(Row(model: modelName(source), file: file, settings: settingsText(run), property: property, expected: expected,
                               got: got, status: status, detail: detail, range: exp.range))
            }
        }
        return out
    }

    /// The name elaboration gives the model (its `model` line, else the file's name), for
    /// the rows of expectations not run.
    static func modelName(_ source: ModelSource) -> String {
        for d in source.root.decls { if case .model(let n) = d { return n.name } }
        return source.root.file.path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? "model"
    }

    static func loadFailedRow(file: String, _ diagnostics: [Diagnostic]) -> Row {
        let errors = diagnostics.filter { $0.severity == .error }
        let first = errors.first
        return Row(model: file, file: file, property: "the model loads", got: "model error", status: .error,
                   detail: Diagnostic.listing(diagnostics), range: first?.range,
                   diagnostics: errors)
    }

    static func noExpectationsRow(file: String) -> Row {
        Row(model: file, file: file, property: "expectations", got: "none", status: .notRun,
            detail: "the model declares no expectation (no `expect` line); nothing in it was checked", range: nil)
    }

    /// The SARIF `invocations` entry: successful only when every item was run.
    static func invocation(_ rows: [Row], _ why: Unfinished?) -> Sarif.Invocation {
        let pending = rows.filter { $0.got == "not run" }.count
        switch why {
        case nil:
            return Sarif.Invocation(successful: true, notifications: [])
        case .didNotFinish:
            return Sarif.Invocation(successful: false, notifications: [
                "weave ci did not finish: it was killed or crashed before writing its results (\(pending) expectation\(pending == 1 ? "" : "s") not run)"])
        case .interrupted(let signal):
            return Sarif.Invocation(successful: false, notifications: [
                "interrupted (\(signal)): \(pending) expectation\(pending == 1 ? " was" : "s were") not run"])
        }
    }

    /// Writes the JUnit and SARIF files; the exit code if one cannot be written.
    static func write(_ rows: [Row], junit: String?, sarif: String?, invocation: Sarif.Invocation, io: Output) -> WeaveExit? {
        for (path, text) in [(junit, { JUnit.xml(rows) }), (sarif, { Sarif.render(Sarif.findings(rows), invocation: invocation) })] {
            guard let path else { continue }
            do { try Driver.writeAtomically(text(), to: path) } catch {
                io.err("weave ci: cannot write '\(path)': \(error.localizedDescription)\n")
                return .fileError
            }
        }
        return nil
    }

    static func settingsText(_ run: [(String, String)]) -> String {
        run.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
    }

    /// The expected verdict and the properties it names: ("holds", "all properties").
    static func describe(_ verdict: Expectation.Verdict) -> (expected: String, property: String) {
        switch verdict {
        case .holds(let ps): return ("holds", ps.isEmpty ? "all properties" : ps.joined(separator: ", "))
        case .violated(let p): return ("violated", p)
        case .proved(let ps): return ("proved", ps.joined(separator: ", "))
        case .covered(let except): return ("covered", except.isEmpty ? "every step" : "every step except " + except.joined(separator: ", "))
        }
    }

    static func runOne(file: String, source: ModelSource, exp: Expectation, run: [(String, String)], io: Output) -> Row {
        var overrides: [String: String] = [:]
        for (k, v) in run { overrides[k] = v }
        let (expected, property) = describe(exp.verdict)
        let selection: PropertySelection = {
            switch exp.verdict {
            case .holds(let ps): return ps.isEmpty ? .all : .only(Set(ps))
            case .violated(let p): return .only([p])
            case .proved(let ps): return .only(Set(ps))
            case .covered: return .only([])
            }
        }()
        func row(_ got: String, _ passed: Bool, _ distinct: Int, _ secs: Double, _ detail: String, model: String = file) -> Row {
            Row(model: model, file: file, settings: settingsText(run), property: property, expected: expected, got: got,
                status: passed ? .passed : .failed, distinct: distinct, seconds: secs, detail: detail, range: exp.range)
        }
        if !symbolicConsts(run).isEmpty {
            let t0 = Date()
            return runSymbolic(source: source, exp: exp, run: run) { got, ok, detail, name in
                row(got, ok, 0, Date().timeIntervalSince(t0), detail, model: name ?? file)
            }
        }
        let model: Model
        do { (model, _) = try Sema.elaborate(source, overrides: overrides) } catch {
            return row("model error", false, 0, 0, error.diagnostics.map { $0.rendered() }.joined(separator: "\n"))
        }
        if case .only(let names) = selection {
            let known = Set(model.propertyNames)
            let unknown = names.subtracting(known)
            if !unknown.isEmpty {
                return row("unknown property", false, 0, 0,
                           "\(exp.range.description): no property named \(unknown.sorted().joined(separator: ", ")); the model has: \(model.propertyNames.joined(separator: ", "))",
                           model: model.name)
            }
        }
        if case .proved(let ps) = exp.verdict {
            let t0 = Date()
            let (got, ok, detail) = ProverHook.prove(model, ps)
            return row(got, ok, 0, Date().timeIntervalSince(t0), detail, model: model.name)
        }
        if let why = Driver.tooManyInitialStates(model) {
            return row("error", false, 0, 0, why, model: model.name)
        }
        var options = CheckOptions()
        options.properties = selection
        if case .covered = exp.verdict {
            // Coverage needs the whole state space: no property may stop the search early.
            options.checkDeadlock = false
            options.checkLiveness = false
        }
        options.maxStates = 20_000_000
        options.shouldStop = { Interrupt.requested }
        let explorer: Explorer
        do { explorer = try Explorer(model: model, options: options) } catch {
            return row("error", false, 0, 0, error.description, model: model.name)
        }
        let r = explorer.run()
        let s = r.statistics
        if case .covered(let except) = exp.verdict {
            guard case .holds = r.verdict else {
                return row("incomplete", false, s.distinct, s.elapsedSeconds, "the search did not cover the whole state space", model: model.name)
            }
            // Steps the setting's params remove from the code are not counted (Coverage does that).
            let never = Set(r.coverage.neverFired.map { "\($0.process).\($0.label)" })
            let missing = never.subtracting(except).sorted()
            let fired = Set(except).subtracting(never).sorted()
            if missing.isEmpty && fired.isEmpty { return row("covered", true, s.distinct, s.elapsedSeconds, "", model: model.name) }
            var why: [String] = []
            if !missing.isEmpty { why.append("never fired: " + missing.joined(separator: ", ")) }
            if !fired.isEmpty { why.append("listed after 'except' but fired: " + fired.joined(separator: ", ")) }
            return row("not covered", false, s.distinct, s.elapsedSeconds, why.joined(separator: "; "), model: model.name)
        }
        switch (r.verdict, exp.verdict) {
        case (.holds, .holds):
            return row("holds", true, s.distinct, s.elapsedSeconds, "", model: model.name)
        case (.violated(let v), .violated(let p)) where v.propertyID == PropertyID(p):
            return row("violated", true, s.distinct, s.elapsedSeconds, "", model: model.name)
        case (.violated(let v), _):
            return row("violated \(v.property)", false, s.distinct, s.elapsedSeconds,
                       "\(v.message)" + (v.range.map { " at \($0.description)" } ?? ""), model: model.name)
        case (.holds, _):
            return row("holds", false, s.distinct, s.elapsedSeconds, "", model: model.name)
        case (.incomplete(let reason), _):
            return row("incomplete", false, s.distinct, s.elapsedSeconds, reason, model: model.name)
        }
    }
}
