import WeaveIR
import WeaveExplorer
import WeaveReport

/// `weave graph`: the reachable state graph of a small model as Graphviz DOT.
public enum GraphDriver {
    public static func graph(path: String, overrides: [String: String], maxStates: Int, output: String?, io: Output) -> WeaveExit {
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else { return loaded.exit }
        for w in warnings { io.err(w.rendered() + "\n") }
        if let output, let why = Driver.outputClash([("--output", output)], inputs: source.paths) {
            io.err("weave: \(why)\n")
            return .usage
        }
        let space: StateSpace
        do { space = try StateSpace(model: model) } catch {
            io.err("weave: \(error.description)\n")
            return .modelError
        }
        guard let g = TraceTools(space: space).stateGraph(limit: maxStates) else {
            io.err("weave graph: the model has more than \(maxStates) reachable states; a graph that big does not help (raise --max-states)\n")
            return .incomplete
        }
        let text = Dot.render(model: model, graph: g)
        guard let output else {
            io.out(text)
            return .holds
        }
        do { try Driver.writeAtomically(text, to: output) } catch {
            io.err("weave: cannot write '\(output)': \(error.localizedDescription)\n")
            return .fileError
        }
        io.out("state graph (\(g.states.count) states, \(g.edges.count) edges) written to \(output)\n")
        return .holds
    }
}
