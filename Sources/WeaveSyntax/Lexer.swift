import WeaveSource

/// Turns a source file into tokens. Never fails: bad characters become diagnostics.
public struct Lexer {
    private let file: SourceFile
    private let b: [UInt8]
    private var i = 0
    /// Unexpected characters seen so far.
    private var errors = 0
    public private(set) var diagnostics = DiagnosticBag()

    public init(file: SourceFile) {
        self.file = file
        self.b = file.bytes
    }

    private func range(_ s: Int, _ e: Int) -> SourceRange { SourceRange(file: file, start: s, end: e) }

    private static let keywords: [String: Keyword] = {
        var m: [String: Keyword] = [:]
        for k in Keyword.allCases { m[k.rawValue] = k }
        return m
    }()

    /// Lexes the whole file; the last token is `.eof`.
    public mutating func tokenize() -> [Token] {
        var out: [Token] = []
        while true {
            let t = next()
            // Collapse runs of newlines: the parser treats one or many alike.
            if case .newline = t.kind, let last = out.last, case .newline = last.kind { continue }
            out.append(t)
            if case .eof = t.kind { break }
        }
        return out
    }

    private func peek(_ k: Int = 0) -> UInt8 { i + k < b.count ? b[i + k] : 0 }

    private mutating func next() -> Token {
        // A loop, not recursion, so a file of garbage bytes cannot overflow the stack.
        while true {
            if let t = scan() { return t }
        }
    }

    /// One token, or nil after skipping a bad byte (already diagnosed).
    private mutating func scan() -> Token? {
        // Skip blanks and comments.
        while i < b.count {
            let c = b[i]
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            if c == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/") {
                while i < b.count && b[i] != 0x0A { i += 1 }
                continue
            }
            if c == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                let s = i
                i += 2
                var closed = false
                while i < b.count {
                    if b[i] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") { i += 2; closed = true; break }
                    i += 1
                }
                if !closed { diagnostics.report(.unterminatedBlockComment, at: range(s, s + 2)) }
                continue
            }
            break
        }
        let s = i
        guard i < b.count else { return Token(kind: .eof, range: range(b.count, b.count)) }
        let c = b[i]
        if c == 0x0A { i += 1; return Token(kind: .newline, range: range(s, s + 1)) }
        if isIdentStart(c) {
            while i < b.count && isIdentChar(b[i]) { i += 1 }
            let text = String(decoding: b[s..<i], as: UTF8.self)
            if let k = Lexer.keywords[text] { return Token(kind: .keyword(k), range: range(s, i)) }
            return Token(kind: .identifier(text), range: range(s, i))
        }
        if c >= 0x30 && c <= 0x39 {
            var v: Int64 = 0
            var overflow = false
            while i < b.count && ((b[i] >= 0x30 && b[i] <= 0x39) || b[i] == UInt8(ascii: "_")) {
                if b[i] != UInt8(ascii: "_") {
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(b[i] - 0x30))
                    if o1 || o2 { overflow = true } else { v = a }
                }
                i += 1
            }
            if overflow {
                diagnostics.report(.integerTooLarge, at: range(s, i))
                v = 0
            }
            return Token(kind: .integer(v), range: range(s, i))
        }
        if c == UInt8(ascii: "\"") {
            i += 1
            var bytes: [UInt8] = []
            while i < b.count && b[i] != UInt8(ascii: "\"") && b[i] != 0x0A {
                if b[i] == UInt8(ascii: "\\") && i + 1 < b.count && b[i + 1] != 0x0A { i += 1 }
                bytes.append(b[i])
                i += 1
            }
            if i < b.count && b[i] == UInt8(ascii: "\"") {
                i += 1
            } else {
                diagnostics.report(.unterminatedString, at: range(s, s + 1))
            }
            return Token(kind: .string(String(decoding: bytes, as: UTF8.self)), range: range(s, i))
        }
        // Longest-match symbols.
        for len in [3, 2, 1] where i + len <= b.count {
            let text = String(decoding: b[i..<(i + len)], as: UTF8.self)
            if let sym = Symbol(rawValue: text) {
                i += len
                return Token(kind: .symbol(sym), range: range(s, i))
            }
        }
        // A single & or | (C's bitwise operators, or a typo): say what was meant, and read it
        // as && or || so that the rest of the line parses without a knock-on error.
        if c == UInt8(ascii: "&") || c == UInt8(ascii: "|") {
            i += 1
            let amp = c == UInt8(ascii: "&")
            diagnostics.report(.bitwiseOperator(and: amp), at: range(s, i))
            return Token(kind: .symbol(amp ? .and : .or), range: range(s, i))
        }
        // An unknown character: report the whole UTF-8 scalar once and skip it.
        i += 1
        while i < b.count && (b[i] & 0xC0) == 0x80 { i += 1 }
        errors += 1
        if errors > Lexer.maxErrors {
            // A file this full of stray characters is not a model (a binary, the wrong file):
            // more errors would only bury the first ones.
            diagnostics.report(.tooManyUnexpectedCharacters(limit: Lexer.maxErrors), at: range(s, i))
            i = b.count
            return Token(kind: .eof, range: range(b.count, b.count))
        }
        diagnostics.report(Lexer.unexpected(String(decoding: b[s..<i], as: UTF8.self)), at: range(s, i))
        return nil
    }

    /// After this many unexpected characters the lexer stops: the file is not a model.
    public static let maxErrors = 50

    /// "unexpected character '@'", with a character that does not show named by its code point.
    static func unexpected(_ shown: String) -> SyntaxDiagnostic {
        guard let s = shown.unicodeScalars.first else { return .unexpectedEndOfFile }
        switch s {
        case "\u{FFFD}": return .invalidUTF8
        case "\u{FEFF}": return .misplacedByteOrderMark
        case "\u{0}": return .nulByte
        default:
            if Diagnostic.isInvisible(s) { return .invisibleCharacter(codePoint: Diagnostic.codePoint(s)) }
            if s.value >= 0x80 && !s.properties.isWhitespace {
                return .nonASCIICharacter(shown: shown, codePoint: Diagnostic.codePoint(s))
            }
            if s.properties.isWhitespace { return .nonASCIISpace(codePoint: Diagnostic.codePoint(s)) }
            return .unexpectedCharacter(shown: shown)
        }
    }

    private func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
    }
    private func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || (c >= 0x30 && c <= 0x39) }
}
