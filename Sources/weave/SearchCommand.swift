import ArgumentParser
import WeaveDriver

/// A command that searches a model's states, `weave check` or `weave simulate`: the options
/// the two share. Each command declares them itself (their help differs, and each --help
/// lists its options in its own order); the shared part of the request is built here, once.
protocol SearchCommand: ParsableCommand {
    var model: ModelOptions { get }
    var property: [String] { get }
    var noDeadlock: Bool { get }
    var timeLimit: Double? { get }
    var maxStepInstructions: Int { get }
    var format: String { get }
    var traceOut: String? { get }
    var noMinimize: Bool { get }
    var quiet: Bool { get }
}

extension SearchCommand {
    /// The request's shared part, as the options give it (the driver validates it).
    func searchRequest() throws -> SearchRequest {
        var r = SearchRequest()
        r.model = model.model
        r.overrides = try overrides(params: model.params, consts: model.consts)
        r.properties = property
        r.noDeadlock = noDeadlock
        r.timeLimit = timeLimit
        r.maxStepInstructions = maxStepInstructions
        r.format = format
        r.traceOut = traceOut
        r.noMinimize = noMinimize
        r.quiet = quiet
        return r
    }
}
