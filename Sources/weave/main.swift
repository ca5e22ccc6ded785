import ArgumentParser
import Foundation
import WeaveDriver

/// Terminal output: stdout is flushed after each write so progress and results interleave correctly.
let terminal = Output(
    out: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
    err: { s in FileHandle.standardError.write(Data(s.utf8)) })

func finish(_ code: WeaveExit) -> Never { Foundation.exit(code.rawValue) }

/// `--param k=v` / `--const K=N` into one override table.
func overrides(params: [String], consts: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for (flag, items) in [("--param", params), ("--const", consts)] {
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("\(flag) takes NAME=VALUE, not '\(item)'")
            }
            if let old = out[parts[0]], old != parts[1] {
                throw ValidationError("\(parts[0]) is set twice (\(old) and \(parts[1]))")
            }
            out[parts[0]] = parts[1]
        }
    }
    return out
}

struct Weave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weave",
        abstract: "A model checker for kernel concurrency protocols.",
        discussion: """
        Exit codes: 0 every property holds (search complete); 10 incomplete (a limit stopped the search);
        11 deadlock; 12 safety violation; 13 liveness violation; 14 proof refuted; 15 proof unknown;
        20 weave ci: an outcome differs from its expectation (weave replay: the trace no longer reproduces); 64 usage error; 65 model error;
        70 internal error; 71 the system refused memory (out of memory, or an address-space limit such as ulimit -v); 74 file error.
        """,
        version: "weave \(WeaveVersion.text)",
        subcommands: [Check.self, Parse.self, RunCI.self, Prove.self, BMC.self, Replay.self, Graph.self, Simulate.self, Explore.self])
}

struct ModelOptions: ParsableArguments {
    @Argument(help: "The model file (.weave).") var model: String
    @Option(name: .customLong("param"), help: "Set a param: --param design=fput_sync (repeatable).") var params: [String] = []
    @Option(name: .customLong("const"), help: "Set a const: --const THREADS=3 (repeatable).") var consts: [String] = []
    @Option(name: .customShort("I"), help: ArgumentHelp("Look for imports in this directory too (repeatable; before WEAVE_PATH).", valueName: "dir"))
    var includes: [String] = []

    /// `-I DIR` goes in front of WEAVE_PATH, where the loader looks for imports.
    mutating func validate() throws {
        guard !includes.isEmpty else { return }
        let old = ProcessInfo.processInfo.environment["WEAVE_PATH"].map { [$0] } ?? []
        setenv("WEAVE_PATH", (includes + old).joined(separator: ":"), 1)
    }
}

struct Check: SearchCommand {
    static let configuration = CommandConfiguration(abstract: "Explore every reachable state and check the model's properties.")
    @OptionGroup var model: ModelOptions
    @Flag(help: "Depth-first search (breadth-first, the default, finds shortest traces).") var dfs = false
    @Option(help: "With --dfs: permute the successor order by this seed (swarm search: one seed per array-job task).") var seed: UInt64?
    @Flag(name: .customLong("no-deadlock"), help: "Do not report deadlocks.") var noDeadlock = false
    @Flag(name: .customLong("no-liveness"), help: "Check only safety properties.") var noLiveness = false
    @Option(help: "Check only these properties (repeatable; names, assert messages, overflow(q), deadlock).") var property: [String] = []
    @Option(name: .customLong("max-states"), help: "Stop (incomplete) after this many distinct states.") var maxStates: Int?
    @Option(name: .customLong("max-depth"), help: "Do not explore beyond this depth (incomplete).") var maxDepth: Int?
    @Option(name: .customLong("time-limit"), help: "Stop (incomplete) after this many seconds.") var timeLimit: Double?
    @Option(help: "Search threads for breadth-first safety search (default, and at most: the machine's cores). Liveness and --dfs use one.") var workers: Int?
    @Flag(name: .customLong("fingerprint"), help: "Store 64-bit fingerprints, not states: 10-15 bytes a state; a small chance of missing states (printed).") var fingerprint = false
    @Option(help: "Save the search in this directory at level boundaries (every --checkpoint-interval seconds).") var checkpoint: String?
    @Option(name: .customLong("checkpoint-interval"), help: "Seconds between checkpoints.") var checkpointInterval: Double = 60
    @Option(help: "Continue the search saved in this directory by --checkpoint (same model, settings, workers and options).") var resume: String?
    @Option(help: ArgumentHelp(Driver.Format.help)) var format: String = "text"
    @Option(help: "Also write a self-contained HTML report (trace, state at each step, figures) to this file.") var html: String?
    @Flag(name: .customLong("no-minimize"), help: "Show the BFS trace as found (default: among traces as short, one with the fewest processes and context switches).") var noMinimize = false
    @Option(name: .customLong("trace-out"), help: "Write the counterexample as ITF JSON to this file.") var traceOut: String?
    @Flag(name: .customLong("quiet"), help: "No progress lines on stderr.") var quiet = false
    @Option(name: .customLong("memory-limit"),
            help: "Stop (incomplete) before the process's resident memory exceeds this size: 512M, 8G, ... (default: half of MemAvailable, or of the room under a cgroup limit).")
    var memoryLimit: String?
    @Flag(name: .customLong("no-symmetry"), help: "Do not reduce by the model's symmetric types (store every state, not one per orbit).") var noSymmetry = false
    @Option(help: "Fairness of every process for this run, instead of the declarations: none, weak or strong (as SPIN's -f).")
    var fairness: String?
    @Option(name: .customLong("max-step-instructions"),
            help: "Engine limit: instructions one step may run (its loops included) before the run stops incomplete (default: 1000000).")
    var maxStepInstructions: Int = CheckRequest.defaultStepInstructions
    @Flag(help: "Search across the ranks of an MPI job, one partition of the states each (run under mpirun -np K; safety properties, breadth-first).")
    var distributed = false
    @Flag(help: "Compile the model's expressions to machine code with the system's C compiler (cc, or $WEAVE_CC) before the search: faster on large models, about a second to compile; interpreted when no compiler is found.")
    var native = false

    func run() throws {
        var r = CheckRequest()
        r.search = try searchRequest()
        r.depthFirst = dfs
        r.seed = seed
        r.noLiveness = noLiveness
        r.maxStates = maxStates
        r.maxDepth = maxDepth
        r.workers = workers
        r.fingerprint = fingerprint
        r.checkpoint = checkpoint
        r.checkpointInterval = checkpointInterval
        r.resume = resume
        r.html = html
        r.memoryLimit = memoryLimit
        r.noSymmetry = noSymmetry
        r.fairness = fairness
        r.distributed = distributed
        r.native = native
        do { finish(try Driver.check(r, io: terminal)) } catch { throw ValidationError(error.message) }
    }
}

struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse and type-check a model; print its typed IR.")
    @OptionGroup var model: ModelOptions
    func run() throws {
        let ov = try overrides(params: model.params, consts: model.consts)
        finish(Driver.parse(path: model.model, overrides: ov, io: terminal))
    }
}

struct RunCI: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ci",
        abstract: "Run every model's declared expectations; exit 20 if any outcome differs.",
        discussion: """
        Exit 0 only when every expectation ran and gave its expected outcome. 20: an outcome differs; \
        65: a model does not load; 10: interrupted (the rest is reported as not run); 64: nothing to check \
        (no models, or none with an expect line) or a report file that is an input of the run; 74: a report cannot be written.
        """)
    @Argument(help: "Model and proof files or directories (default: Models and Proofs).") var paths: [String] = []
    @Option(help: "Write JUnit XML to this file (models that do not load are errors, expectations not run are skipped).") var junit: String?
    @Option(help: "Write SARIF 2.1.0 to this file (each differing outcome at its expect line, each model error at its position).") var sarif: String?
    func run() throws {
        Interrupt.install(io: terminal)
        finish(CI.run(paths: paths, junit: junit, sarif: sarif, io: terminal))
    }
}

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove invariants inductive with Z3 (Init => P; P and lemmas and Step => P'); the file's other invariants are the lemmas.",
        discussion: """
        Exit 0: proved. 14: refuted (a counterexample to induction; whether it is a real bug, a lemma that is \
        not an invariant, or a sign that the lemmas are too weak is printed, with a run from an initial state \
        when BMC finds one within 10 steps). 15: unknown (Z3 timeout). 65: nothing to prove (no invariant, \
        assert or overflow bound, and no step that can hit a run-time error), a model error, or (--symbolic) \
        a construct outside the symbolic fragment.
        """)
    @OptionGroup var model: ModelOptions
    @Option(name: .customLong("property"), help: "A property to prove (repeatable; default: every invariant, assert, overflow bound and \"runtime error\").") var properties: [String] = []
    @Option(help: "k for k-induction.") var k: Int = 1
    @Option(name: .customLong("timeout"), help: "Z3 time limit per query, in milliseconds (default: none; 120000 with --symbolic).") var timeoutMs: UInt32?
    @Option(name: .customLong("smt-log"), help: "Write every query as SMT-LIB2 into this directory.") var smtLog: String?
    @Option(name: .customLong("symbolic"), help: "Prove for every value N >= 1 of this const (e.g. THREADS), with quantified invariants.") var symbolic: String?
    func run() throws {
        if k < 1 { throw ValidationError("--k must be at least 1") }
        let ov = try overrides(params: model.params, consts: model.consts)
        if let symbolic {
            if k != 1 { throw ValidationError("--symbolic proves by induction (k = 1); drop --k") }
            finish(ProverDriver.proveSymbolic(path: model.model, overrides: ov, constName: symbolic, properties: properties,
                                              timeoutMs: timeoutMs, smtLog: smtLog, io: terminal))
        }
        finish(ProverDriver.prove(path: model.model, overrides: ov, properties: properties, k: k,
                                  timeoutMs: timeoutMs, smtLog: smtLog, io: terminal))
    }
}

struct BMC: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bmc",
        abstract: "Bounded model checking with Z3: any safety violation within --depth steps, with its trace.",
        discussion: """
        Checks invariants, asserts, overflow bounds and run-time errors (not deadlock) in every run of at most \
        --depth steps. Exit 0: no violation within --depth steps ("NO VIOLATION within K steps", JSON verdict \
        "bounded"): a bounded check, not a proof; longer runs are not checked. 14: a violation (its trace); \
        15: Z3 could not decide.
        """)
    @OptionGroup var model: ModelOptions
    @Option(help: "Number of steps to unroll (runs longer than this are not checked).") var depth: Int = 10
    @Option(help: ArgumentHelp(Driver.Format.help)) var format: String = "text"
    @Option(name: .customLong("trace-out"), help: "Write a violation's trace as ITF JSON (for weave replay).")
    var traceOut: String?
    func run() throws {
        if depth < 0 { throw ValidationError("--depth must not be negative") }
        guard let fmt = Driver.Format(rawValue: format) else { throw ValidationError(Driver.Format.refusal(format)) }
        let ov = try overrides(params: model.params, consts: model.consts)
        finish(ProverDriver.bmc(path: model.model, overrides: ov, depth: depth, format: fmt, traceOut: traceOut, io: terminal))
    }
}

Weave.main()
