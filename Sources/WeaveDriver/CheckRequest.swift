import Foundation
import WeaveExplorer

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
        var o = CheckOptions()
        o.depthFirst = depthFirst
        o.dfsSeed = seed
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
