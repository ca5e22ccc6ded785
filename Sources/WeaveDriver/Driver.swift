import Foundation
import WeaveSource
import WeaveIR
import WeaveSema
import WeaveExplorer
import WeaveReport

/// Load, parse, elaborate, run a back end, report: what every `weave` subcommand shares.
public enum Driver {
    /// A model loaded and elaborated, or the exit code and message that explain why not.
    public enum Loaded {
        case model(Model, ModelSource, [Diagnostic])
        case failed(WeaveExit)

        /// The exit code of a load that failed (what a command returns then).
        public var exit: WeaveExit {
            if case .failed(let code) = self { return code }
            return .internalError
        }
    }

    /// Reads and elaborates a model file, printing diagnostics to `io.err`.
    public static func load(_ path: String, overrides: [String: String], lint: Bool = false, io: Output) -> Loaded {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            io.err("weave: cannot read '\(path)': no such file\n")
            return .failed(.fileError)
        }
        if isDir.boolValue {
            io.err("weave: '\(path)' is a directory; give a .weave file\n")
            return .failed(.fileError)
        }
        if !FileManager.default.isReadableFile(atPath: path) {
            io.err("weave: cannot read '\(path)': permission denied\n")
            return .failed(.fileError)
        }
        let source: ModelSource
        do {
            source = try Loader.load(path: path)
        } catch {
            printDiagnostics(error.diagnostics, io)
            return .failed(.modelError)
        }
        do {
            let (model, warnings) = try Sema.elaborate(source, overrides: overrides, lint: lint)
            return .model(model, source, warnings)
        } catch {
            printDiagnostics(error.diagnostics, io)
            if overrides.isEmpty { return .failed(.modelError) }
            if !error.diagnostics.contains(where: { $0.range != nil }) { return .failed(.usage) }
            // Errors in the model's text that its defaults do not have: the settings caused them
            // (a --const that empties a range or makes an array too large).
            if (try? Sema.elaborate(source)) != nil {
                io.err("weave: the model is valid with its defaults; the settings \(settingsText(overrides)) make it invalid\n")
                return .failed(.usage)
            }
            return .failed(.modelError)
        }
    }

    /// "--const THREADS=0 --param design=x", in a stable order.
    static func settingsText(_ overrides: [String: String]) -> String {
        overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// The first `Diagnostic.listingLimit` diagnostics, then a count of the rest and of the errors:
    /// a file of garbage gives a screenful, not gigabytes.
    public static func printDiagnostics(_ ds: [Diagnostic], _ io: Output) {
        io.err(Diagnostic.listing(ds))
    }

    /// The exit code for a verdict.
    public static func exitCode(_ v: Verdict) -> WeaveExit {
        switch v {
        case .holds: return .holds
        case .incomplete: return .incomplete
        case .violated(let x):
            switch x.kind {
            case .deadlock: return .deadlock
            case .liveness: return .livenessViolation
            default: return .safetyViolation
            }
        }
    }

    /// Output formats of `weave check`.
    public enum Format: String, Sendable, CaseIterable {
        case text, json, kernel, mermaid

        /// The `--format` help, from the cases.
        public static let help = "Output format: text, json, kernel (the race diagram of commit messages) or mermaid (a sequence diagram)."
        /// "--format must be text, json, kernel or mermaid, not 'x'", from the cases.
        public static func refusal(_ value: String) -> String {
            let names = allCases.map(\.rawValue)
            return "--format must be \(names.dropLast().joined(separator: ", ")) or \(names.last ?? ""), not '\(value)'"
        }
    }

    /// `weave check`.
    /// `memoryLimitSource` says where `options.memoryLimitBytes` came from ("--memory-limit",
    /// "half of MemAvailable ..."); unless `quiet`, the state size, the estimated bytes per
    /// state and the number of states the limit leaves room for go to `io.err` before the search.
    public static func check(path: String, overrides: [String: String], options: CheckOptions,
                             format: Format, traceOut: String?, minimize: Bool = true, html: String? = nil,
                             io: Output, quiet: Bool = true, memoryLimitSource: String? = nil) -> WeaveExit {
        let loaded = load(path, overrides: overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else { return loaded.exit }
        for w in warnings { io.err(w.rendered() + "\n") }
        var inputs = source.paths
        if let dir = options.resumeDirectory { inputs += filesIn(dir) }
        var outputs: [(flag: String, path: String)] = []
        if let traceOut { outputs.append(("--trace-out", traceOut)) }
        if let html { outputs.append(("--html", html)) }
        if let why = outputClash(outputs, inputs: inputs) {
            io.err("weave: \(why)\n")
            return .usage
        }
        if let dir = options.checkpointDirectory {
            if let input = inputMatching(dir, inputs) {
                io.err("weave: --checkpoint '\(dir)' is an input of this run ('\(input)'); name another directory\n")
                return .usage
            }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
                io.err("weave: --checkpoint '\(dir)' is a file, not a directory; name a directory (it is created if missing)\n")
                return .usage
            }
            if let out = outputs.first(where: { canonicalPath($0.path).hasPrefix(canonicalPath(dir) + "/") }) {
                io.err("weave: \(out.flag) '\(out.path)' is inside the checkpoint directory '\(dir)'; name a file outside it\n")
                return .usage
            }
        }
        if case .only(let names) = options.properties {
            let known = model.propertyNames
            let unknown = names.subtracting(known).sorted()
            if !unknown.isEmpty {
                for u in unknown {
                    let hint = Spelling.suggestion(for: u, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                    io.err("weave: no property named '\(u)'\(hint)\n")
                }
                io.err("the model's properties: \(known.joined(separator: ", "))\n")
                return .usage
            }
            if let why = contradiction(names, model: model, options: options) {
                io.err("weave: \(why)\n")
                return .usage
            }
        }
        if model.processes.isEmpty {
            // An empty file or a model of declarations only: no step, nothing to check.
            io.err("weave: nothing to check: the model has no process (no step can ever be taken)\n")
            return .modelError
        }
        if let what = onlyRuntimeErrors(model, options: options) { io.err("warning: \(what)\n") }
        if let why = tooManyInitialStates(model) {
            io.err("weave: \(why)\n")
            return overrides.isEmpty ? .modelError : .usage
        }
        let explorer: Explorer
        do {
            explorer = try Explorer(model: model, options: options)
            // --native: say whether the compiler built the code or the run interprets.
            if options.nativeCode == true, let status = explorer.nativeStatus { io.err("weave: \(status)\n") }
        } catch {
            io.err("weave: \(error.description)\n")
            if !overrides.isEmpty {
                io.err("weave: with the settings \(settingsText(overrides))\n")
                return .usage
            }
            return .modelError
        }
        if let dir = options.resumeDirectory {
            do { try explorer.resume(from: dir) } catch {
                io.err("weave: cannot resume: \(error.description)\n")
                return .fileError
            }
        }
        if !quiet { io.err(memoryLine(explorer, options: options, source: memoryLimitSource)) }
        var result = explorer.run()
        if let dir = options.checkpointDirectory, explorer.checkpointsWritten > 0 || options.resumeDirectory == dir {
            // A finished search needs no checkpoint: remove it (it can take gigabytes), and say so.
            if case .incomplete = result.verdict {} else {
                let file = dir + "/search.ckpt"
                if FileManager.default.fileExists(atPath: file), (try? FileManager.default.removeItem(atPath: file)) != nil, !quiet {
                    io.err("weave: the search finished; removed its checkpoint \(file)\n")
                }
            }
        }
        let minimized = minimize ? minimizeTrace(&result, model: model, options: options) : nil
        let reporter = Reporter(model: model, branches: nil)  // for ITF, which names no branch
        io.out(report(result, format: format, model: model, minimized: minimized))
        if let html {
            let code = writeHTML(result, model: model, to: html, quietly: format != .text, io: io)
            if code != .holds { return code }
        }
        if let traceOut, !hasTrace(result.verdict) {
            // The file is left as it was (it may hold an older run's trace): say so.
            io.err("weave: no trace written to '\(traceOut)': the run found no violation with a trace\n")
        }
        if let traceOut, case .violated(let v) = result.verdict, let t = v.trace,
           let failed = writeTrace(t, of: v, reporter: reporter, to: traceOut, format: format, io: io) {
            return failed
        }
        return exitCode(result.verdict)
    }

    /// Why `--property` names a property that another flag turns off, or nil. A run asked to
    /// check P and told not to check P's kind would check nothing and say HOLDS.
    static func contradiction(_ names: Set<String>, model: Model, options: CheckOptions) -> String? {
        let live = Set(model.liveness.map(\.name))
        if !options.checkLiveness, let p = names.intersection(live).sorted().first {
            return "--property \(p) is a liveness property and --no-liveness turns liveness checking off: drop one of the two flags"
        }
        if !options.checkDeadlock && names.contains(Model.deadlockProperty) {
            return "--property deadlock asks for deadlock and --no-deadlock turns it off: drop one of the two flags"
        }
        return nil
    }

    /// A warning when a run checks nothing but run-time errors (no declared property, or
    /// flags that deselect all of them and deadlock), so a HOLDS is not read as more than it is.
    static func onlyRuntimeErrors(_ model: Model, options: CheckOptions) -> String? {
        let sel = options.properties
        let declared = model.invariants.map(\.name) + model.reachables.map(\.name) + model.assertNames
            + model.overflowNames + (options.checkLiveness ? model.liveness.map(\.name) : [])
        if declared.contains(where: sel.includes) { return nil }
        if options.checkDeadlock && sel.includes(Model.deadlockProperty) {
            // Deadlock freedom is a real check, but say that it is the only one.
            return model.propertyNames.count <= 2
                ? "the model declares no property: only deadlock and run-time errors are checked" : nil
        }
        return "only run-time errors are checked: the run selects no invariant, assert, bound, reachable, liveness property or deadlock"
    }

    /// "memory: 40-byte states, about 76 bytes per state stored; limit 11.0 GiB (...): room for about 155,000,000 states".
    static func memoryLine(_ explorer: Explorer, options: CheckOptions, source: String?) -> String {
        let per = explorer.estimatedBytesPerState
        var line = "memory: \(explorer.stateBytes)-byte states, about \(per) bytes per state stored"
        if let limit = options.memoryLimitBytes {
            line += "; limit \(MemoryLimit.format(limit))" + (source.map { " (\($0))" } ?? "")
            line += ": room for about \(grouped(limit / max(1, per))) states"
        }
        return line + "\n"
    }

    /// 155000000 -> "155,000,000".
    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// The most initial states the explorer enumerates (it builds them all before the search).
    public static let maxInitialStates = 1 << 20

    /// Why the model cannot be explored because of its initial states (`any` and `in`
    /// over large types multiply), or nil. Counted up front: building the product first,
    /// as the explorer does, took 70 s and 1.2 GB to find out for three `0..4095 = any`.
    public static func tooManyInitialStates(_ model: Model) -> String? {
        var n = 1
        var overflow = false
        for c in model.initialSlotChoices() where c.count > 1 {
            let (p, o) = n.multipliedReportingOverflow(by: c.count)
            if o { overflow = true; break }
            n = p
        }
        guard overflow || n > maxInitialStates else { return nil }
        return "the model has \(overflow ? "more than 2^63" : grouped(n)) initial states (its `any` and `in` initial values multiply); "
            + "the explorer enumerates at most \(grouped(maxInitialStates)): give fewer variables nondeterministic initial values, or smaller types"
    }

    static func hasTrace(_ v: Verdict) -> Bool {
        if case .violated(let x) = v, x.trace != nil { return true }
        return false
    }

    /// A path as the file system names it: absolute, `.`/`..` resolved, symlinks followed.
    static func canonicalPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The input among `inputs` that `output` names (so writing it would destroy a model), if any.
    public static func inputMatching(_ output: String, _ inputs: [String]) -> String? {
        let target = canonicalPath(output)
        return inputs.first { canonicalPath($0) == target }
    }

    /// Why the outputs of a run cannot be written (one of them is an input: a model, an
    /// import, a trace, a checkpoint; or two outputs name one file), or nil. Checked before
    /// the run, so nothing the user gave is overwritten and nothing is written.
    public static func outputClash(_ outputs: [(flag: String, path: String)], inputs: [String]) -> String? {
        for (i, o) in outputs.enumerated() {
            if let input = inputMatching(o.path, inputs) {
                return "\(o.flag) '\(o.path)' is an input of this run ('\(input)'); name another file"
            }
            if let other = outputs[..<i].first(where: { canonicalPath($0.path) == canonicalPath(o.path) }) {
                return "\(other.flag) and \(o.flag) both name '\(o.path)'; give each output its own file"
            }
        }
        return nil
    }

    /// The regular files directly in a directory (a checkpoint's), as paths; none if unreadable.
    static func filesIn(_ dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.map { dir + "/" + $0 }
    }

    /// Writes through a temporary file and a rename, so a failed write never
    /// leaves a half-written file in place of the user's.
    public static func writeAtomically(_ text: String, to path: String) throws {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let url = URL(fileURLWithPath: absolute).standardizedFileURL
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).weave-tmp-\(getpid())")
        try Data(text.utf8).write(to: tmp)
        // rename(2) replaces the target atomically (Foundation's replaceItemAt fails on Linux
        // when the target exists).
        if rename(tmp.path, url.path) != 0 {
            let err = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: err])
        }
    }

    /// `weave parse`: the typed IR, so a user sees what will be explored.
    public static func parse(path: String, overrides: [String: String], io: Output) -> WeaveExit {
        let loaded = load(path, overrides: overrides, lint: true, io: io)
        guard case .model(let model, _, let warnings) = loaded else { return loaded.exit }
        for w in warnings { io.err(w.rendered() + "\n") }
        io.out(IRPrinter.text(model))
        return .holds
    }
}
