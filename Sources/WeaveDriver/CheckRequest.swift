import Foundation
import WeaveExplorer
import WeaveMPI

/// What `weave check` and `weave simulate` are both asked, as the command line gave it:
/// the command line builds it one way for both, and the driver checks it one way.
public struct SearchRequest: Sendable {
    public var model = ""
    public var overrides: [String: String] = [:]
    /// `--property`: only these (empty: every property the run checks).
    public var properties: [String] = []
    public var noDeadlock = false
    public var timeLimit: Double? = nil
    public var maxStepInstructions = CheckRequest.defaultStepInstructions
    public var format = "text"
    public var traceOut: String? = nil
    public var noMinimize = false
    public var quiet = false
    public init() {}

    /// The output format, after refusing (exit 64) what neither run can honour: an unknown
    /// format, a time limit that is negative or not a number, a step limit below 1.
    func validated() throws(CheckRequest.UsageError) -> Driver.Format {
        guard let fmt = Driver.Format(rawValue: format) else {
            throw CheckRequest.UsageError(Driver.Format.refusal(format))
        }
        if let t = timeLimit, !(t >= 0) || !t.isFinite {
            throw CheckRequest.UsageError("--time-limit takes a number of seconds, not \(t)")
        }
        if maxStepInstructions < 1 { throw CheckRequest.UsageError("--max-step-instructions must be at least 1") }
        return fmt
    }
}

/// What `weave check` was asked, as the command line gave it: the driver validates it
/// and builds the explorer's options, so the command line only parses arguments.
public struct CheckRequest: Sendable {
    /// What `weave simulate` is asked too: the model, its properties, the output.
    public var search = SearchRequest()
    public var depthFirst = false
    /// `--seed`: the depth-first search's successor order (with --dfs only).
    public var seed: UInt64? = nil
    public var noLiveness = false
    public var maxStates: Int? = nil
    public var maxDepth: Int? = nil
    public var workers: Int? = nil
    public var fingerprint = false
    public var checkpoint: String? = nil
    public var checkpointInterval: Double = 60
    public var resume: String? = nil
    public var html: String? = nil
    public var memoryLimit: String? = nil
    public var noSymmetry = false
    public var fairness: String? = nil
    /// Search across the ranks of the MPI job this process belongs to (`--distributed`).
    public var distributed = false
    /// `--native`: the model's expressions compiled to machine code by the system's C compiler.
    public var native = false

    /// The engine's default limit of instructions per step (`--max-step-instructions`).
    public static let defaultStepInstructions = CheckOptions.defaultStepInstructionLimit

    public init() {}

    /// A flag combination the run cannot honour (exit 64), with the sentence that says why.
    public struct UsageError: Error, Sendable {
        public let message: String
        init(_ m: String) { message = m }
    }

    /// The explorer's options for this request, where the memory limit came from, and the
    /// notes to print first (a capped worker count).
    public func options(cores: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws(UsageError) -> (options: CheckOptions, limitSource: String?, format: Driver.Format, notes: [String]) {
        let fmt = try search.validated()
        if let m = maxStates, m <= 0 { throw UsageError("--max-states must be positive") }
        if let m = maxDepth, m < 0 { throw UsageError("--max-depth must not be negative") }
        let cores = max(1, cores)
        var notes: [String] = []
        var n = workers ?? cores
        if n < 1 { throw UsageError("--workers must be at least 1") }
        // More threads than cores only cost memory (each has its engine, store and
        // outboxes, and the outboxes grow as workers squared): capped, and said so.
        if n > cores {
            notes.append("weave: --workers \(n) capped at \(cores) (the machine's cores)")
            n = cores
        }
        if !(checkpointInterval >= 0) { throw UsageError("--checkpoint-interval must not be negative") }
        if (checkpoint != nil || resume != nil) && depthFirst {
            throw UsageError("--checkpoint and --resume work with breadth-first search, not --dfs")
        }
        // Flags that a depth-first search would silently ignore are refused: the user asked for something not done.
        if depthFirst, let w = workers, w > 1 { throw UsageError("--dfs searches with one thread: drop --workers \(w) or --dfs") }
        if depthFirst && fingerprint {
            throw UsageError("--fingerprint works with breadth-first search, not --dfs: drop one of the two flags")
        }
        if seed != nil && !depthFirst {
            throw UsageError("--seed permutes the depth-first search's successor order: add --dfs (or use weave simulate --seed)")
        }
        if distributed {
            if depthFirst { throw UsageError("--distributed searches breadth-first: drop --dfs") }
            if let w = workers, w > 1 {
                throw UsageError("--distributed searches with one thread per rank: start more ranks (mpirun -np K) instead of --workers \(w)")
            }
            n = 1
            notes.removeAll()
        }
        var o = CheckOptions()
        o.depthFirst = depthFirst
        o.dfsSeed = seed
        if native { o.nativeCode = true }
        o.checkDeadlock = !search.noDeadlock
        o.checkLiveness = !noLiveness
        o.maxStates = maxStates
        o.maxDepth = maxDepth
        o.timeLimit = search.timeLimit
        o.workers = n
        o.fingerprintOnly = fingerprint
        o.checkpointDirectory = checkpoint
        o.checkpointInterval = checkpointInterval
        o.resumeDirectory = resume
        o.symmetry = !noSymmetry
        o.maxStepInstructions = search.maxStepInstructions
        if let f = fairness {
            switch f {
            case "none": o.fairness = .unfair
            case "weak": o.fairness = .weak
            case "strong": o.fairness = .strong
            default: throw UsageError("--fairness must be none, weak or strong, not '\(f)'")
            }
        }
        if !search.properties.isEmpty { o.properties = .only(Set(search.properties)) }
        var limitSource: String? = nil
        if let text = memoryLimit {
            guard let bytes = MemoryLimit.parse(text) else {
                throw UsageError("--memory-limit takes a size such as 512M or 8G, not '\(text)'")
            }
            o.memoryLimitBytes = bytes
            limitSource = "--memory-limit"
        } else if let d = MemoryLimit.systemDefault() {
            o.memoryLimitBytes = d.bytes
            limitSource = d.source
        }
        // The limit is the process's: its resident memory counts, not only the stores.
        o.countResidentMemory = true
        return (o, limitSource, fmt, notes)
    }
}

extension Driver {
    /// `weave check` from a request: options, signals, progress, the run.
    public static func check(_ r: CheckRequest, io: Output) throws(CheckRequest.UsageError) -> WeaveExit {
        var (o, limitSource, fmt, notes) = try r.options()
        if r.distributed { return try checkDistributed(r, options: o, limitSource: limitSource, format: fmt, io: io) }
        for n in notes { io.err(n + "\n") }
        Interrupt.install(io: io)
        o.shouldStop = { Interrupt.requested }
        if !r.search.quiet {
            o.progress = { s in
                io.err("progress states=\(s.generated) distinct=\(s.distinct) queue=\(s.queued) depth=\(s.depth) rate=\(Int(s.statesPerSecond))/s\n")
            }
        }
        let s = r.search
        return check(path: s.model, overrides: s.overrides, options: o, format: fmt, traceOut: s.traceOut,
                     minimize: !s.noMinimize, html: r.html, io: io, quiet: s.quiet, memoryLimitSource: limitSource)
    }
}

extension Driver {
    /// `weave check --distributed`: joins the MPI job, runs the distributed search on
    /// every rank, and reports from rank 0 (the other ranks print nothing and exit 0;
    /// rank 0's exit code, the verdict's, is mpirun's).
    static func checkDistributed(_ r: CheckRequest, options: CheckOptions, limitSource: String?, format: Driver.Format,
                                 io: Output) throws(CheckRequest.UsageError) -> WeaveExit {
        var o = options
        guard MPITransport.launchedByMPI else {
            throw CheckRequest.UsageError("--distributed runs under MPI: mpirun -np K weave check MODEL --distributed "
                + "(this process was not started by mpirun or srun)")
        }
        // Under mpirun every rank refuses alike; rank 0 alone says why (the job's exit code is 64 all the same).
        let quietRank = (ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"]
                         ?? ProcessInfo.processInfo.environment["PMIX_RANK"]).map { $0 != "0" } ?? false
        // Liveness needs the whole state graph in one process: refused, not skipped.
        if o.checkLiveness, case .model(let model, _, _) = load(r.search.model, overrides: r.search.overrides, io: Output(out: { _ in }, err: { _ in })),
           let l = model.liveness.first(where: { o.properties.includes($0.name) }) {
            if quietRank { return .usage }
            throw CheckRequest.UsageError("--distributed checks safety properties only, and the model has liveness property "
                + "'\(l.name)': add --no-liveness (or check it without --distributed)")
        }
        let transport: MPITransport
        do { transport = try MPITransport.start() } catch {
            switch error {
            case .notUnderMPI: throw CheckRequest.UsageError("--distributed runs under MPI (mpirun -np K ...)")
            case .unavailable(let why):
                if !quietRank { io.err("weave: --distributed: \(why)\n") }
                return .usage
            }
        }
        let root = transport.rank == 0
        // Each rank saves and resumes its own partition: DIR/rank-R-of-K (a checkpoint is
        // resumed by as many ranks as wrote it).
        let sub = "/rank-\(transport.rank)-of-\(transport.size)"
        if let d = o.checkpointDirectory { o.checkpointDirectory = d + sub }
        if let d = o.resumeDirectory {
            o.resumeDirectory = d + sub
            let names = (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []
            if !names.contains(String(sub.dropFirst())), let other = names.first(where: { $0.hasPrefix("rank-0-of-") }) {
                if root {
                    io.err("weave: --resume \(d) holds a search of \(other.dropFirst(10)) ranks; resume it with mpirun -np \(other.dropFirst(10))\n")
                }
                transport.abort(WeaveExit.usage.rawValue)
                return .usage
            }
        }
        // The other ranks keep their messages, to print them only if they end the job.
        let held = HeldMessages()
        let out = root ? io : Output(out: { _ in }, err: { held.append($0) })
        Interrupt.install(io: out)
        o.shouldStop = { Interrupt.requested }
        o.transport = transport
        if !r.search.quiet && root {
            o.progress = { s in
                io.err("progress states=\(s.generated) distinct=\(s.distinct) queue=\(s.queued) depth=\(s.depth) rate=\(Int(s.statesPerSecond))/s\n")
            }
        }
        let code = check(path: r.search.model, overrides: r.search.overrides, options: o, format: format, traceOut: root ? r.search.traceOut : nil,
                         minimize: !r.search.noMinimize, html: root ? r.html : nil, io: out, quiet: r.search.quiet,
                         memoryLimitSource: limitSource)
        guard let f = transport.figures else {
            // This rank stopped before or outside the search (the model, a checkpoint it
            // cannot resume, ...): the others may be waiting for it in the search, so the
            // job ends here, with this rank's exit code.
            if !root {
                // A failure every rank meets (the model does not load) is rank 0's to report: it
                // ends the job first; a failure of this rank alone is said after a second.
                // (mpirun ends the ranks with SIGTERM, which the interrupt handler takes.)
                sleep(1)
                if Interrupt.requested { exit(code.rawValue) }
                io.err(held.text.split(separator: "\n").map { "weave (rank \(transport.rank)): \($0)\n" }.joined())
            }
            transport.abort(code.rawValue)
            return code
        }
        transport.finalize()
        if root && !r.search.quiet { io.err(distributedLine(f)) }
        // mpirun exits with the first non-zero code of a rank and ends the others when one
        // exits non-zero: rank 0 alone carries the verdict, so that no rank is ended while
        // rank 0 writes the report (the verdict is the same on every rank).
        return root ? code : .holds
    }

    /// "distributed: 4 ranks, ..." (stderr, after the report).
    static func distributedLine(_ f: DistributedFigures) -> String {
        let perRecord = f.recordsExchanged > 0 ? Double(f.bytesExchanged) / Double(f.recordsExchanged) : 0
        return "distributed: \(f.ranks) ranks, \(f.rounds) exchange rounds, \(f.recordsExchanged) successors exchanged "
            + "(\(f.bytesExchanged) bytes, \(Int(perRecord.rounded())) per successor), "
            + String(format: "%.3f s in communication (all ranks; at most %.3f s on one), ", f.communicationSeconds, f.maxCommunicationSeconds)
            + "\(f.fewestStates)-\(f.mostStates) states per rank, "
            + String(format: "%.3f s\n", f.elapsedSeconds)
    }
}

/// Messages of a rank other than 0, kept in case that rank ends the job.
final class HeldMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ s: String) { lock.lock(); parts.append(s); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return parts.joined() }
}
