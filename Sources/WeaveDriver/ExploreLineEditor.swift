import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `weave explore` reads its commands from.
public protocol ExploreLineSource: AnyObject {
    /// The next line (without its newline), or nil at the end of input.
    func readLine(prompt: String) -> String?
    /// The session is over (a terminal gets its mode back).
    func finish()
    /// Whether the user asked a running command to stop (ctrl-C in a terminal).
    func interrupted() -> Bool
}

/// Plain lines (a pipe, a file), each echoed after the prompt.
public final class PlainLineSource: ExploreLineSource {
    let io: Output
    public init(io: Output) { self.io = io }
    public func finish() {}
    /// On a pipe SIGINT keeps its default action (the session ends).
    public func interrupted() -> Bool { false }
    public func readLine(prompt: String) -> String? {
        // The line is echoed after the prompt, so a scripted session's output reads as a transcript.
        guard let line = Swift.readLine(strippingNewline: true) else { return nil }
        io.out(prompt + line + "\n")
        return line
    }
}

/// A small line editor for a terminal: raw mode (termios) during the session, so the
/// cursor keys work; left/right, home/end and ctrl-A/ctrl-E, backspace and delete,
/// ctrl-K/ctrl-U, up/down through the history; ctrl-C drops the line, ctrl-D on an
/// empty line ends the input. `finish` gives the terminal its mode back.
public final class TerminalLineEditor: ExploreLineSource {
    let fd: Int32
    public private(set) var history: [String] = []

    public init(fd: Int32 = STDIN_FILENO) { self.fd = fd }

    /// Whether `fd` is a terminal (else read plain lines).
    public static func isTerminal(_ fd: Int32 = STDIN_FILENO) -> Bool { isatty(fd) != 0 }

    private func emit(_ s: String) {
        let bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            // The line being edited goes to the terminal even when stdout is redirected.
            let to = isatty(STDOUT_FILENO) != 0 ? STDOUT_FILENO : fd
            let n = bytes[off...].withUnsafeBytes { Glibc.write(to, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Keys read while a command ran (by `interrupted`), given to the next line first.
    private var typedAhead: [UInt8] = []

    /// ctrl-C typed while a command runs (the terminal is raw: no SIGINT); other keys are kept for the next line.
    public func interrupted() -> Bool {
        guard saved != nil else { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 0) > 0 && p.revents & Int16(POLLIN) != 0 {
            var b: UInt8 = 0
            guard Glibc.read(fd, &b, 1) == 1 else { return false }
            if b == 3 { return true }
            typedAhead.append(b)
        }
        return false
    }

    private func readByte() -> UInt8? {
        if !typedAhead.isEmpty { return typedAhead.removeFirst() }
        var b: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// The terminal's mode before the session, while the session keeps it raw.
    private var saved: termios? = nil

    /// Raw mode for the whole session (not per line: keys typed ahead while a command runs
    /// would otherwise meet the kernel's line editing, and ctrl-C its SIGINT). Output
    /// processing stays on, so `\n` still starts a new line.
    private func enterRaw() -> Bool {
        if saved != nil { return true }
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else { return false }
        var raw = old
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(ICRNL | IXON)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return false }
        saved = old
        return true
    }

    public func finish() {
        if var old = saved { tcsetattr(fd, TCSANOW, &old); saved = nil }
    }

    deinit { finish() }

    public func readLine(prompt: String) -> String? {
        guard enterRaw() else {
            emit(prompt)
            return Swift.readLine(strippingNewline: true)
        }
        var line: [Character] = []
        var cursor = 0
        var browse = history.count          // index into history; history.count: the line being edited
        var draft: [Character] = []
        func redraw() {
            var s = "\r" + prompt + String(line) + "\u{1B}[K"
            let back = line.count - cursor
            if back > 0 { s += "\u{1B}[\(back)D" }
            emit(s)
        }
        func setLine(_ l: [Character]) { line = l; cursor = l.count; redraw() }
        emit(prompt)
        while true {
            guard let b = readByte() else {
                emit("\r\n")
                return line.isEmpty ? nil : String(line)
            }
            switch b {
            case 13, 10:                                   // enter
                emit("\r\n")
                let text = String(line)
                if !text.trimmingCharacters(in: .whitespaces).isEmpty, history.last != text { history.append(text) }
                return text
            case 3:                                        // ctrl-C: drop the line
                emit("^C\r\n")
                line = []; cursor = 0; browse = history.count
                emit(prompt)
            case 4:                                        // ctrl-D: end of input on an empty line, else delete
                if line.isEmpty { emit("\r\n"); return nil }
                if cursor < line.count { line.remove(at: cursor); redraw() }
            case 1: cursor = 0; redraw()                   // ctrl-A
            case 5: cursor = line.count; redraw()          // ctrl-E
            case 2: if cursor > 0 { cursor -= 1; redraw() }            // ctrl-B
            case 6: if cursor < line.count { cursor += 1; redraw() }   // ctrl-F
            case 11: line.removeSubrange(cursor...); redraw()          // ctrl-K
            case 21: line.removeSubrange(..<cursor); cursor = 0; redraw()   // ctrl-U
            case 127, 8:                                   // backspace
                if cursor > 0 { line.remove(at: cursor - 1); cursor -= 1; redraw() }
            case 27:                                       // an escape sequence
                guard let b1 = readByte() else { continue }
                guard b1 == UInt8(ascii: "[") || b1 == UInt8(ascii: "O") else { continue }
                guard var b2 = readByte() else { continue }
                var digits = ""
                while b2 >= UInt8(ascii: "0") && b2 <= UInt8(ascii: "9") {
                    digits.append(Character(UnicodeScalar(b2)))
                    guard let n = readByte() else { break }
                    b2 = n
                }
                switch (b2, digits) {
                case (UInt8(ascii: "A"), _):               // up
                    if browse > 0 {
                        if browse == history.count { draft = line }
                        browse -= 1
                        setLine(Array(history[browse]))
                    }
                case (UInt8(ascii: "B"), _):               // down
                    if browse < history.count {
                        browse += 1
                        setLine(browse == history.count ? draft : Array(history[browse]))
                    }
                case (UInt8(ascii: "C"), _): if cursor < line.count { cursor += 1; redraw() }
                case (UInt8(ascii: "D"), _): if cursor > 0 { cursor -= 1; redraw() }
                case (UInt8(ascii: "H"), _), (UInt8(ascii: "~"), "1"), (UInt8(ascii: "~"), "7"): cursor = 0; redraw()
                case (UInt8(ascii: "F"), _), (UInt8(ascii: "~"), "4"), (UInt8(ascii: "~"), "8"): cursor = line.count; redraw()
                case (UInt8(ascii: "~"), "3"):             // delete
                    if cursor < line.count { line.remove(at: cursor); redraw() }
                default: break
                }
            default:
                if b < 32 { continue }
                // A UTF-8 character: its lead byte says how many bytes follow.
                var bytes = [b]
                let extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0
                for _ in 0..<extra { if let c = readByte() { bytes.append(c) } }
                for c in String(decoding: bytes, as: UTF8.self) { line.insert(c, at: cursor); cursor += 1 }
                redraw()
            }
        }
    }
}
