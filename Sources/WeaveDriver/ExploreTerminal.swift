import Foundation
import WeaveIR

/// The command loop of `weave explore` in a terminal or on a pipe: the state and the
/// enabled steps go to `io.out`, a refused command is one line on `io.err` and the
/// session goes on; the end of input (or `quit`) ends it with exit 0.
public enum ExploreTerminal {
    public static let help = """
    commands:
      N               take enabled step N (or name it: nfsd(1).flush)
      back [N]        go back one step (or N)
      restart [N]     back to the initial state (N: the Nth initial state, when there are several)
      state           show the state and the enabled steps again
      trace [FORMAT]  the path so far: text (default), json, kernel, mermaid or itf
      save FILE       write the path as ITF (weave replay MODEL FILE checks it)
      load FILE       continue from a saved ITF trace (weave check --trace-out, or save)
      check [N]       breadth-first search from the current state (up to N states; ctrl-C stops it): the shortest trace from here
      follow          take the steps of the trace check found
      eval EXPR       the value of an expression (as in an invariant) in the current state
      help            this list
      quit            end the session (so does the end of input, ctrl-D)

    """

    /// Runs the session until the end of input or `quit`.
    public static func run(_ s: ExploreSession, lines: ExploreLineSource, io: Output) -> WeaveExit {
        let settings = s.model.settings.map(\.description).joined(separator: ", ")
        io.out("weave explore: model \(s.model.name)" + (settings.isEmpty ? "" : " (\(settings))") + "; help lists the commands\n")
        io.out(s.screen())
        defer { lines.finish() }
        while let raw = lines.readLine(prompt: "explore> ") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            switch execute(line, s, interrupted: lines.interrupted) {
            case .output(let text): io.out(text)
            case .refused(let why): io.err("error: \(why)\n")
            case .quit: return .holds
            }
        }
        return .holds
    }

    /// What one command gives.
    public enum Reply {
        case output(String)
        case refused(String)
        case quit
    }

    /// One command line.
    /// `interrupted` is polled by long commands (`check`): true stops them.
    public static func execute(_ line: String, _ s: ExploreSession, interrupted: () -> Bool = { false }) -> Reply {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let word = parts[0].lowercased()
        let rest = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        func moved(_ why: String?) -> Reply { why.map { .refused($0) } ?? .output(s.screen()) }
        func count(_ text: String, default d: Int, what: String) -> Result<Int, ExploreError> {
            if text.isEmpty { return .success(d) }
            guard let n = Int(text), n >= 1 else { return .failure(ExploreError("\(what) takes a positive number, not '\(text)'")) }
            return .success(n)
        }
        if let n = Int(word) {
            guard rest.isEmpty else { return .refused("a step number stands alone, not '\(line)'") }
            return moved(s.take(n))
        }
        // A step by its name (`nfsd(1).flush`), when that names one enabled outcome.
        let named = s.enabled.indices.filter { s.enabled[$0].step.name == line }
        if named.count == 1 { return moved(s.take(named[0] + 1)) }
        if named.count > 1 {
            return .refused("\(line) has \(named.count) outcomes here: take one by number (\(named.map { String($0 + 1) }.joined(separator: ", ")))")
        }
        switch word {
        case "help", "?", "h":
            return .output(help)
        case "quit", "exit", "q":
            return .quit
        case "state", "show", "s":
            return .output(s.screen())
        case "back", "b":
            switch count(rest, default: 1, what: "back") {
            case .success(let n): return moved(s.back(n))
            case .failure(let e): return .refused(e.description)
            }
        case "restart":
            if rest.isEmpty { return moved(s.restart()) }
            switch count(rest, default: 1, what: "restart") {
            case .success(let n): return moved(s.restart(initial: n - 1))
            case .failure(let e): return .refused(e.description)
            }
        case "trace", "t":
            var format = rest.isEmpty ? "text" : rest
            if format.hasPrefix("--format") {
                format = String(format.dropFirst("--format".count)).trimmingCharacters(in: CharacterSet(charactersIn: " ="))
            }
            guard let text = s.traceText(format: format) else {
                return .refused("trace formats are \(ExploreSession.traceFormats.joined(separator: ", ")), not '\(format)'")
            }
            return .output(text)
        case "save":
            guard !rest.isEmpty else { return .refused("save needs a file name: save FILE.itf.json") }
            if let why = s.save(to: rest) { return .refused(why) }
            return .output("path (\(s.depth) step\(s.depth == 1 ? "" : "s")) written to \(rest) as ITF; weave replay checks it\n")
        case "load":
            guard !rest.isEmpty else { return .refused("load needs a file name: load FILE.itf.json") }
            if let why = s.load(from: rest) { return .refused(why) }
            return .output("loaded \(rest): \(s.depth) step\(s.depth == 1 ? "" : "s")\n" + s.screen())
        case "check":
            switch count(rest, default: 1_000_000, what: "check") {
            case .success(let n): return .output(s.checkText(limit: n, shouldStop: interrupted))
            case .failure(let e): return .refused(e.description)
            }
        case "follow":
            if let why = s.follow() { return .refused(why) }
            return .output(s.screen())
        case "eval", "e", "print", "p":
            guard !rest.isEmpty else { return .refused("eval needs an expression: eval x + 1") }
            switch s.evaluate(rest) {
            case .success(let v): return .output(v + "\n")
            case .failure(let e): return .refused(e.description)
            }
        default:
            return .refused("unknown command '\(parts[0])' (a step number, or help for the commands)")
        }
    }
}
