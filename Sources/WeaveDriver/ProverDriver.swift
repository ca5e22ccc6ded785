import Foundation
import WeaveIR
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

    /// Bounded model checking to `depth` steps. Exit 0 no violation, 14 a violation, 15 unknown.
    public static func bmc(path: String, overrides: [String: String], depth: Int, io: Output) -> WeaveExit {
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, _, let warnings) = loaded else {
            if case .failed(let code) = loaded { return code }
            return .internalError
        }
        for w in warnings { io.err(w.rendered() + "\n") }
        let reporter = Reporter(model: model)
        let head = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        let t0 = Date()
        let r = BoundedModelChecker.check(model, depth: depth)
        let secs = String(format: "%.2f", Date().timeIntervalSince(t0))
        switch r {
        case .noViolation(let d):
            io.out(head + "NO VIOLATION up to depth \(d) (invariants, asserts, overflows, run-time errors; deadlock not checked) in \(secs) s\n")
            return .holds
        case .violation(_, let message, let trace, let failed):
            var out = head + "VIOLATED: \(message)\n\ntrace (\(trace.steps.count) step\(trace.steps.count == 1 ? "" : "s"), found by BMC in \(secs) s):\n"
            out += reporter.traceText(trace, failedInsideStep: failed)
            io.out(out)
            return .proofRefuted
        case .unknown(let why):
            io.out(head + "UNKNOWN: \(why)\n")
            return .proofUnknown
        }
    }

    /// The text report of a proof attempt.
    public static func report(_ model: Model, _ r: ProofResult) -> String {
        let reporter = Reporter(model: model)
        var out = "model \(model.name) (\(reporter.settingsText.isEmpty ? "no params" : reporter.settingsText))\n"
        out += "prove \(r.targets.joined(separator: ", ")) by \(r.k == 1 ? "induction" : "\(r.k)-induction")"
        out += r.lemmas.isEmpty ? " (no lemmas)\n" : " with lemmas \(r.lemmas.joined(separator: ", "))\n"
        out += "encoding: \(r.pathCount) step paths in \(String(format: "%.2f", r.encodingSeconds)) s\n"
        for o in r.obligations {
            let status: String
            switch o.status {
            case .proved: status = "proved"
            case .refuted: status = "REFUTED"
            case .unknown(let why): status = "unknown (\(why))"
            }
            out += "  \(o.name): \(status)   \(String(format: "%.1f", o.milliseconds)) ms\n"
        }
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
