import Foundation
import WeaveIR
import WeaveSource
import WeaveExplorer
import WeaveProver
import WeaveReport

/// `weave prove` and `weave bmc`: load a model or proof file, run the Z3 back end,
/// print a readable report.
public enum ProverDriver {
    /// k-induction of `properties` (empty: every invariant, assert and overflow bound);
    /// the file's other invariants are the lemmas. Exit 0 proved, 14 refuted, 15 unknown.
    public static func prove(path: String, overrides: [String: String], properties: [String], k: Int,
                             timeoutMs: UInt32?, smtLog: String?, io: Output) -> WeaveExit {
        if let smtLog, let problem = smtLogProblem(smtLog) {
            io.err("weave: --smt-log '\(smtLog)': \(problem)\n")
            return .fileError
        }
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, _, let warnings) = loaded else {
            if case .failed(let code) = loaded { return code }
            return .internalError
        }
        for w in warnings { io.err(w.rendered() + "\n") }
        var options = ProverOptions()
        options.k = max(1, k)
        options.timeoutMs = timeoutMs
        options.smtLogDir = smtLog
        let result = Prover.prove(model, properties: properties, options: options)
        io.out(report(model, result))
        if let smtLog { io.out("SMT-LIB queries written to \(smtLog)/ (replay: z3 FILE.smt2)\n") }
        switch result.verdict {
        case .proved: return .holds
        case .refuted: return .proofRefuted
        case .unknown: return .proofUnknown
        }
    }

    /// Bounded model checking to `depth` steps. Exit 0 no violation within `depth` steps (a
    /// bounded result: verdict `bounded`, never "holds"), 14 a violation, 15 unknown.
    /// A violation is printed in `format` as `weave check` prints one (text, JSON, kernel
    /// view, Mermaid), and `traceOut` receives it as ITF, which `weave replay` checks
    /// against the explorer.
    public static func bmc(path: String, overrides: [String: String], depth: Int,
                           format: Driver.Format = .text, traceOut: String? = nil, io: Output) -> WeaveExit {
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else {
            if case .failed(let code) = loaded { return code }
            return .internalError
        }
        if let traceOut, let input = Driver.inputMatching(traceOut, source.units.map(\.file.path)) {
            io.err("weave: --trace-out '\(traceOut)' is an input of this run ('\(input)'); name another file\n")
            return .usage
        }
        for w in warnings { io.err(w.rendered() + "\n") }
        let reporter = Reporter(model: model)
        let head = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        let t0 = Date()
        let r = BoundedModelChecker.check(model, depth: depth)
        let seconds = Date().timeIntervalSince(t0)
        let secs = String(format: "%.2f", seconds)
        switch r {
        case .noViolation(let d):
            if format == .json {
                io.out(bmcJSON(model, verdict: "bounded", depth: d, seconds: seconds, extra: []).serialized(pretty: true) + "\n")
            } else {
                let steps = d == 1 ? "1 step" : "\(d) steps"
                io.out(head + "NO VIOLATION within \(steps) (a bounded check: runs longer than \(steps) were not checked; "
                       + "invariants, asserts, overflows and run-time errors, not deadlock) in \(secs) s\n")
            }
            if let traceOut { io.err("weave: no trace written to '\(traceOut)': BMC found no violation\n") }
            return .holds
        case .violation(let property, let message, let trace, let failed):
            let v = violation(model, property: property, message: message, trace: trace, failedInsideStep: failed)
            switch format {
            case .text:
                var out = head + "VIOLATED: \(message)\n"
                if let range = v.range { out += "  at \(range.description)\n" }
                out += "\ntrace (\(trace.steps.count) step\(trace.steps.count == 1 ? "" : "s"), found by BMC in \(secs) s):\n"
                out += reporter.traceText(trace, failedInsideStep: failed)
                io.out(out)
            case .json:
                var kv: [(String, JSON)] = [("property", .string(v.property)), ("kind", .string(v.kind.rawValue)),
                                            ("message", .string(v.message))]
                if let range = v.range { kv.append(("location", .string(range.description))) }
                kv.append(("trace", reporter.traceJSON(trace)))
                io.out(bmcJSON(model, verdict: "violated", depth: trace.steps.count, seconds: seconds, extra: kv)
                    .serialized(pretty: true) + "\n")
            case .kernel:
                io.out(KernelView.render(model: model, trace: trace, violation: v))
            case .mermaid:
                io.out("```mermaid\n" + Mermaid.render(model: model, trace: trace, violation: v) + "```\n")
            }
            if let traceOut {
                let text = reporter.itf(trace, description: v.message, violation: v).serialized(pretty: true) + "\n"
                do {
                    try Driver.writeAtomically(text, to: traceOut)
                    if format == .text { io.out("ITF trace written to \(traceOut)\n") }
                } catch {
                    io.err("weave: cannot write '\(traceOut)': \(error.localizedDescription)\n")
                    return .fileError
                }
            }
            return .proofRefuted
        case .unknown(let why):
            if format == .json {
                io.out(bmcJSON(model, verdict: "unknown", depth: depth, seconds: seconds, extra: [("reason", .string(why))])
                    .serialized(pretty: true) + "\n")
            } else {
                io.out(head + "UNKNOWN: \(why)\n")
            }
            return .proofUnknown
        }
    }

    /// A BMC violation as the explorer reports the same one: its kind, and where in the
    /// model it is checked (the invariant, the assert, the push).
    static func violation(_ model: Model, property: String, message: String, trace: Trace,
                          failedInsideStep: Bool) -> Violation {
        let kind: ViolationKind
        var range: SourceRange? = nil
        if let inv = model.invariants.first(where: { $0.name == property }), !failedInsideStep {
            kind = .invariant
            range = inv.range
        } else if property == "runtime error" {
            kind = .runtimeError
        } else {
            kind = property.hasPrefix("overflow(") ? .overflow : .assertion
            range = model.siteRange(forViolation: property)
        }
        return Violation(kind: kind, property: property, message: message, range: range, trace: trace,
                         failedInsideStep: failedInsideStep)
    }

    /// The JSON object of a BMC run: the fields `weave check --format json` has that BMC
    /// knows, and `engine: bmc`.
    static func bmcJSON(_ model: Model, verdict: String, depth: Int, seconds: Double, extra: [(String, JSON)]) -> JSON {
        .object([("model", .string(model.name)),
                 ("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) })),
                 ("engine", .string("bmc")), ("verdict", .string(verdict))]
                + extra + [("depth", .int(Int64(depth))), ("elapsedSeconds", .double(seconds))])
    }

    /// One line per obligation, with its outcome and Z3 time (per-size and symbolic reports).
    static func obligationLines(_ obligations: [Obligation]) -> String {
        var out = ""
        for o in obligations {
            let status: String
            switch o.status {
            case .proved: status = "proved"
            case .refuted: status = "REFUTED"
            case .unknown(let why): status = "unknown (\(why))"
            }
            out += "  \(o.name): \(status)   \(String(format: "%.1f", o.milliseconds)) ms\n"
        }
        return out
    }

    /// Why `--smt-log DIR` cannot take the queries (nil: the directory exists now). A
    /// path that names a file is refused, and the file is left alone.
    static func smtLogProblem(_ dir: String) -> String? {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            return isDir.boolValue ? nil : "is a file, not a directory (the queries go into a directory)"
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return nil
        } catch {
            return "cannot create the directory: \(error.localizedDescription)"
        }
    }

    /// The text report of a proof attempt.
    public static func report(_ model: Model, _ r: ProofResult) -> String {
        let reporter = Reporter(model: model)
        var out = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        out += "prove \(r.targets.joined(separator: ", ")) by \(r.k == 1 ? "induction" : "\(r.k)-induction")"
        out += r.lemmas.isEmpty ? " (no lemmas)\n" : " with lemmas \(r.lemmas.joined(separator: ", "))\n"
        out += "encoding: \(r.pathCount) step paths in \(String(format: "%.2f", r.encodingSeconds)) s\n"
        out += obligationLines(r.obligations)
        let total = r.obligations.reduce(0) { $0 + $1.milliseconds }
        switch r.verdict {
        case .proved:
            out += "PROVED (Z3 total \(String(format: "%.1f", total)) ms)\n"
        case .unknown(let why):
            out += "UNKNOWN: \(why)\n"
        case .refuted(let c):
            out += "REFUTED: \(c.obligation)\n"
            if c.isInitiation {
                out += "\nan initial state violates \(c.property):\n"
                out += reporter.traceText(c.trace)
            } else {
                out += c.failedInsideStep ? "\ncounterexample to induction (the last step fails: \(c.property)):\n"
                                          : "\ncounterexample to induction (\(c.property) fails after the step):\n"
                out += reporter.traceText(c.trace, failedInsideStep: c.failedInsideStep)
                    .replacingOccurrences(of: "  0  initial state\n", with: "  0  a state satisfying every invariant (not necessarily initial)\n")
                out += "the pre-state is " + reachability(model, c.preState) + "\n"
            }
        }
        return out
    }

    /// Whether the explorer can reach `state`: "reachable (a real bug)", "unreachable
    /// (strengthen the lemmas)" or "unknown (too many states to tell)".
    public static func reachability(_ model: Model, _ state: [Int64]) -> String {
        guard Driver.tooManyInitialStates(model) == nil, let space = try? StateSpace(model: model) else {
            return "unknown (too many states to tell)"
        }
        if let all = space.reachableStates(limit: 2_000_000) {
            return all.contains(state) ? "reachable (a real bug)" : "unreachable (strengthen the lemmas)"
        }
        // The explorer stops at the first violation or run-time error (a run-time error CTI
        // is often one); search the states reachable without one instead.
        var seen = Set<[Int64]>()
        var queue = space.initialStates()
        seen.formUnion(queue)
        var next = 0
        while next < queue.count {
            if queue[next] == state { return "reachable (a real bug)" }
            guard let succ = space.successors(of: queue[next]) else { break }
            next += 1
            for x in succ where x.kind == .state && seen.insert(x.state).inserted {
                queue.append(x.state)
            }
            if seen.count > 300_000 { return "unknown (too many states to tell)" }
        }
        return next == queue.count ? "unreachable (strengthen the lemmas)" : "unknown (too many states to tell)"
    }
}
