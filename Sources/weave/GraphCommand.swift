import ArgumentParser
import WeaveDriver

struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the reachable state graph of a small model as Graphviz DOT (dot -Tsvg).")
    @OptionGroup var model: ModelOptions
    @Option(name: .customLong("max-states"), help: "Refuse (exit 10) if the model has more reachable states than this.") var maxStates: Int = 500
    @Option(help: "Write the DOT text to this file instead of stdout.") var output: String?
    func run() throws {
        if maxStates <= 0 { throw ValidationError("--max-states must be positive") }
        let ov = try overrides(params: model.params, consts: model.consts)
        finish(GraphDriver.graph(path: model.model, overrides: ov, maxStates: maxStates, output: output, io: terminal))
    }
}
