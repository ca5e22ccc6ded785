import ArgumentParser
import WeaveDriver

struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk a model by hand: take enabled steps, go back, evaluate, search from here, save the path.",
        discussion: """
        In a terminal the line is edited (arrows, history); from a pipe plain lines are read, so a session \
        can be scripted (weave explore M < steps.txt). help lists the commands. With --serve the same runs \
        as a web page on 127.0.0.1 (never another address). Exit 0 at the end of input or quit; 64, 65, 74 \
        as for weave check when the model cannot be loaded.
        """)
    @OptionGroup var model: ModelOptions
    @Flag(help: "Serve the session as a web page on 127.0.0.1 instead of reading commands.") var serve = false
    @Option(help: "The port for --serve (default 8080; 0: any free port; the URL is printed).") var port: Int?
    func run() throws {
        if !serve && port != nil { throw ValidationError("--port is for --serve") }
        let port = self.port ?? 8080
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
        let ov = try overrides(params: model.params, consts: model.consts)
        let session: ExploreSession
        switch ExploreSession.open(path: model.model, overrides: ov, io: terminal) {
        case .success(let s): session = s
        case .failure(.failed(let code)): finish(code)
        }
        if serve { finish(ExploreWeb.serve(session, port: UInt16(port), io: terminal)) }
        let lines: ExploreLineSource = TerminalLineEditor.isTerminal() ? TerminalLineEditor() : PlainLineSource(io: terminal)
        finish(ExploreTerminal.run(session, lines: lines, io: terminal))
    }
}
