import ArgumentParser
import WeaveDriver

struct Simulate: SearchCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seeded random walks checking the safety properties weave check checks: a search for bugs in models too large to exhaust.",
        discussion: """
        Each of --walks walks starts in an initial state and takes at most --depth steps, each chosen uniformly \
        among the successor states of the current one by a generator seeded with --seed (the same seed and model \
        give the same walks). Every visited state is checked for invariants, asserts, overflows, run-time errors \
        and deadlock (unless --no-deadlock); liveness and reachable properties are not checked. A violation is \
        replayed before it is reported, shortened by a breadth-first search bounded by the walk's length, and \
        printed as weave check prints one. Exit 0: no violation in the walks ("NO VIOLATION FOUND ...: a random \
        search, not a proof"; JSON verdict "sampled"), never a proof that the properties hold; 11 deadlock; \
        12 safety violation; 10 a limit or an interrupt stopped the walks early. Independent runs with different \
        seeds sample different walks: an array job runs one seed per task (README: "Random simulation and swarm search").
        """)
    @OptionGroup var model: ModelOptions
    @Option(help: "Seed of the walks (an array job passes its task index).") var seed: UInt64 = 0
    @Option(help: "Number of random walks.") var walks: Int = 1000
    @Option(help: "Steps per walk at most.") var depth: Int = 1000
    @Option(name: .customLong("time-limit"), help: "Stop (incomplete) after this many seconds.") var timeLimit: Double?
    @Flag(name: .customLong("no-deadlock"), help: "Do not report deadlocks.") var noDeadlock = false
    @Option(help: "Check only these properties (repeatable; names, assert messages, overflow(q), deadlock).") var property: [String] = []
    @Option(help: ArgumentHelp(Driver.Format.help)) var format: String = "text"
    @Option(name: .customLong("trace-out"), help: "Write the counterexample as ITF JSON to this file (for weave replay).") var traceOut: String?
    @Flag(name: .customLong("no-minimize"), help: "Show the walk's trace (loops cut out) instead of a shortest one of the same property.") var noMinimize = false
    @Flag(name: .customLong("quiet"), help: "No progress lines on stderr.") var quiet = false
    @Option(name: .customLong("max-step-instructions"),
            help: "Engine limit: instructions one step may run before the run stops incomplete (default: 1000000).")
    var maxStepInstructions: Int = CheckRequest.defaultStepInstructions

    func run() throws {
        let r = SimulateRequest(search: try searchRequest(), seed: seed, walks: walks, depth: depth)
        do { finish(try Driver.simulate(r, io: terminal)) } catch { throw ValidationError(error.message) }
    }
}
