import ArgumentParser
import WeaveDriver

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a saved ITF trace (from --trace-out) against the model; say where it stops applying.",
        discussion: """
        Without --param/--const the settings saved in the trace are used. Exit 0: the trace replays and \
        shows its violation again; 20: it no longer does (a step stops applying, or the violation is gone); \
        65: the model or the trace file is malformed; 74: a file cannot be read.
        """)
    @Argument(help: "The model file (.weave).") var model: String
    @Argument(help: "The trace, ITF JSON as weave check --trace-out writes it.") var trace: String
    @Option(name: .customLong("param"), help: "Set a param: --param design=fput_sync (repeatable).") var params: [String] = []
    @Option(name: .customLong("const"), help: "Set a const: --const THREADS=3 (repeatable).") var consts: [String] = []
    func run() throws {
        let ov = try overrides(params: params, consts: consts)
        finish(ReplayDriver.replay(modelPath: model, tracePath: trace, overrides: ov, io: terminal))
    }
}
