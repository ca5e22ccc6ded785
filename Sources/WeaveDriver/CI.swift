import Foundation
import WeaveSource
import WeaveReport
import WeaveIR
import WeaveSema
import WeaveExplorer
import WeaveReport

/// `weave ci`: runs every `expect` line of every model and compares outcomes.
public enum CI {
    /// One expectation run and its outcome.
    public struct Row: Sendable {
        public let model: String
        public let file: String
        public let settings: String
        public let property: String
        public let expected: String
        public let got: String
        public let passed: Bool
        public let distinct: Int
        public let seconds: Double
        public let detail: String
        public let location: String
    }

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

    public static func run(paths: [String], junit: String?, sarif: String? = nil, io: Output) -> WeaveExit {
        var rows: [Row] = []
        var failedLoads = 0
        let defaults = ["Models", "Proofs"].filter { FileManager.default.fileExists(atPath: $0) }
        let files = modelFiles(paths.isEmpty ? defaults : paths)
        if let junit, let input = Driver.inputMatching(junit, files) {
            io.err("weave ci: --junit '\(junit)' is an input of this run ('\(input)'); name another file\n")
            return .usage
        }
        var imports: [String] = []
        var interrupted = false
        for file in files {
            if Interrupt.requested { interrupted = true; break }
            guard FileManager.default.fileExists(atPath: file) else {
                io.err("weave ci: no such file or directory: \(file)\n")
                failedLoads += 1
                continue
            }
            let source: ModelSource
            do { source = try Loader.load(path: file) } catch {
                Driver.printDiagnostics(error.diagnostics, io)
                failedLoads += 1
                continue
            }
            imports += source.units.map(\.file.path)
            for exp in Sema.expectations(source) {
                for run in exp.runs {
                    if Interrupt.requested { interrupted = true; break }
                    let row = runOne(file: file, source: source, exp: exp, run: run, io: io)
                    // A run the interrupt cut short is not an outcome.
                    if Interrupt.requested && row.got == "incomplete" { interrupted = true; break }
                    rows.append(row)
                    let mark = row.passed ? "ok  " : "FAIL"
                    io.out("\(mark) \(row.model) [\(row.settings)] \(row.property): expected \(row.expected), got \(row.got)"
                           + " (\(row.distinct) states, \(String(format: "%.2f", row.seconds)) s)\n")
                    if !row.passed && !row.detail.isEmpty { io.out("     \(row.detail)\n") }
                }
            }
        }
        let failed = rows.filter { !$0.passed }.count
        io.out("\(rows.count - failed) passed, \(failed) failed\n")
        if interrupted { io.out("interrupted (\(Interrupt.name(Interrupt.signal))): the remaining expectations were not run\n") }
        if let junit, let input = Driver.inputMatching(junit, imports) {
            io.err("weave ci: --junit '\(junit)' is a file the models import ('\(input)'); not written\n")
            return .usage
        }
        if let junit {
            do { try Driver.writeAtomically(JUnit.xml(rows), to: junit) } catch {
                io.err("weave ci: cannot write '\(junit)': \(error.localizedDescription)\n")
                return .fileError
            }
        }
        if let sarif {
            do { try Driver.writeAtomically(Sarif.render(sarifFindings(rows)), to: sarif) } catch {
                io.err("weave ci: cannot write '\(sarif)': \(error.localizedDescription)\n")
                return .fileError
            }
        }
        if failedLoads > 0 { return .modelError }
        if failed > 0 { return .ciMismatch }
        return interrupted ? .incomplete : .holds
    }

    static func runOne(file: String, source: ModelSource, exp: Expectation, run: [(String, String)], io: Output) -> Row {
        var overrides: [String: String] = [:]
        for (k, v) in run { overrides[k] = v }
        let settingsText = run.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
        let (expected, property, selection): (String, String, PropertySelection) = {
            switch exp.verdict {
            case .holds(let ps): return ("holds", ps.isEmpty ? "all properties" : ps.joined(separator: ", "), ps.isEmpty ? .all : .only(Set(ps)))
            case .violated(let p): return ("violated", p, .only([p]))
            case .proved(let ps): return ("proved", ps.joined(separator: ", "), .only(Set(ps)))
            }
        }()
        func row(_ got: String, _ passed: Bool, _ distinct: Int, _ secs: Double, _ detail: String, model: String = file) -> Row {
            Row(model: model, file: file, settings: settingsText, property: property, expected: expected, got: got,
                passed: passed, distinct: distinct, seconds: secs, detail: detail, location: exp.range.description)
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
        options.maxStates = 20_000_000
        options.shouldStop = { Interrupt.requested }
        let explorer: Explorer
        do { explorer = try Explorer(model: model, options: options) } catch {
            return row("error", false, 0, 0, error.description, model: model.name)
        }
        let r = explorer.run()
        let s = r.statistics
        switch (r.verdict, exp.verdict) {
        case (.holds, .holds):
            return row("holds", true, s.distinct, s.elapsedSeconds, "", model: model.name)
        case (.violated(let v), .violated(let p)) where v.property == p:
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

/// JUnit XML for `weave ci --junit`: one test case per expectation run.
enum JUnit {
    static func xml(_ rows: [CI.Row]) -> String {
        let failures = rows.filter { !$0.passed }.count
        let total = rows.reduce(0.0) { $0 + $1.seconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"weave ci\" tests=\"\(rows.count)\" failures=\"\(failures)\" time=\"\(String(format: "%.3f", total))\">\n"
        var byModel: [(String, [CI.Row])] = []
        for r in rows {
            if let i = byModel.firstIndex(where: { $0.0 == r.file }) { byModel[i].1.append(r) } else { byModel.append((r.file, [r])) }
        }
        for (file, rs) in byModel {
            let f = rs.filter { !$0.passed }.count
            out += "  <testsuite name=\"\(xmlEscape(file))\" tests=\"\(rs.count)\" failures=\"\(f)\">\n"
            for r in rs {
                let name = "[\(r.settings)] \(r.property): \(r.expected)"
                out += "    <testcase classname=\"\(xmlEscape(r.model))\" name=\"\(xmlEscape(name))\" time=\"\(String(format: "%.3f", r.seconds))\""
                if r.passed {
                    out += "/>\n"
                } else {
                    out += ">\n      <failure message=\"expected \(xmlEscape(r.expected)), got \(xmlEscape(r.got))\">\(xmlEscape(r.location + ": " + r.detail))</failure>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }
}
