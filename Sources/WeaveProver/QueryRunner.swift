import Foundation
import WeaveIR
import WeaveZ3

/// One incremental solver with the per-query timeout, timing, and the optional
/// SMT-LIB log (each query written as `NNN-name.smt2`, replayable with plain `z3`).
final class QueryRunner {
    let solver: Z3Solver
    let logDir: String?
    let prefix: String
    /// SMT-LIB options written at the top of each logged query (the solver's own settings).
    var preamble = ""
    private var counter = 0

    init(_ context: Z3Context, options: ProverOptions, prefix: String = "") {
        self.prefix = prefix
        solver = Z3Solver(context)
        if let t = options.timeoutMs { solver.setTimeout(milliseconds: t) }
        logDir = options.smtLogDir
        if let d = logDir { try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    }

    /// Checks the current assertions; returns the result and the Z3 time in milliseconds.
    func check(_ name: String) throws -> (Z3Result, Double) {
        counter += 1
        if let d = logDir {
            let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(60))
            let file = d + "/" + prefix + String(format: "%04d", counter) + "-" + safe + ".smt2"
            let text = "; \(name)\n" + preamble + solver.toSMTLIB2() + "(check-sat)\n"
            try? Data(text.utf8).write(to: URL(fileURLWithPath: file))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let r = try solver.check()
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        return (r, ms)
    }

    /// Runs `body` inside a push/pop scope.
    func scoped<T>(_ body: () throws -> T) throws -> T {
        solver.push()
        defer { try? solver.pop() }
        return try body()
    }

    /// The slot values of a state in the last model.
    static func decode(_ m: Z3Model, _ s: [Z3Expr]) throws -> [Int64] {
        try s.map { try ValueCodec.decode(m.eval($0)) ?? 0 }
    }
}

/// A proof session's obligations as they are checked (per-size and symbolic sessions).
protocol ObligationRecorder: AnyObject {
    var obligations: [ObligationOutcome] { get set }
    /// The first counterexample found, for the verdict.
    var firstCTI: CounterexampleToInduction? { get set }
    /// The first obligation Z3 could not decide, for the verdict.
    var unknownReason: String? { get set }
}

extension ObligationRecorder {
    /// Records the outcome of the query for obligation `name`.
    func record(_ name: String, _ r: Z3Result, _ ms: Double) {
        switch r {
        case .unsat: obligations.append(ObligationOutcome(name: name, status: .proved, milliseconds: ms))
        case .sat: obligations.append(ObligationOutcome(name: name, status: .refuted, milliseconds: ms))
        case .unknown(let why):
            obligations.append(ObligationOutcome(name: name, status: .unknown(why), milliseconds: ms))
            if unknownReason == nil { unknownReason = "\(name): Z3 says unknown (\(why))" }
        }
    }
}

extension ObligationRecorder {
    /// The first counterexample, else the first reason Z3 could not decide, else proved.
    func verdict() -> ProofVerdict {
        if let c = firstCTI { return .refuted(c) }
        if let u = unknownReason { return .unknown(u) }
        return .proved
    }
}
