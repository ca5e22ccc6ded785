import Foundation

/// A deterministic generator (SplitMix64).
struct FuzzRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

/// A seed model for the fuzzer: its text and the directory its imports resolve against.
struct FuzzSeed {
    let name: String
    let directory: String
    let text: String

    /// The shipped models, kernel library, proofs, fixtures and benchmarks.
    static func all(root: String) -> [FuzzSeed] {
        var out: [FuzzSeed] = []
        for dir in ["Models", "Models/kernel", "Proofs", "Tests/Fixtures", "Benchmarks"] {
            let d = root + "/" + dir
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []).filter { $0.hasSuffix(".weave") }.sorted()
            for n in names {
                if let t = try? String(contentsOfFile: d + "/" + n, encoding: .utf8) {
                    out.append(FuzzSeed(name: dir + "/" + n, directory: d, text: t))
                }
            }
        }
        return out
    }
}

/// Mutations of model text: byte edits (the parser's error paths), and token and
/// line edits that keep most of the model well formed, so that many mutants
/// elaborate and reach the explorer with odd sizes, labels, bounds and statements.
struct Mutator {
    var rng: FuzzRNG
    let seeds: [FuzzSeed]

    /// Values at the edges of what the front end and the engine accept.
    static let boundaryNumbers = ["0", "1", "-1", "2", "3", "63", "64", "65", "255", "256", "1023", "1024", "4096", "4097",
                                  "65535", "65536", "65537", "2147483647", "4294967296", "9223372036854775807",
                                  "-9223372036854775808", "9223372036854775808", "99999999999999999999"]
    static let fragments = ["{", "}", "(", ")", "[", "]", "<", ">", ":", ";", ",", ".", "=", "==", "..", "..<", "in", "!", "-",
                            "done", "skip", "goto close", "goto idle", "await false", "await true", "end", "fair", "strong",
                            "either { skip } or { skip }", "while true { skip }", "x: skip", "assert false \"m\"",
                            "push(q, 1)", "pop(q)", "any", "forall i: 0..3: true", "count i: bool: i", "if true then 1 else 0",
                            "self", "at(p, done)", "import \"kernel/lock.weave\"", "import \"nope.weave\"", "import \"\"",
                            "const", "param", "var", "type", "macro", "def", "process", "invariant", "reachable", "liveness",
                            "expect", "leadsto", "eventually", "always", "set<bool>", "queue<bool, 0>", "stack<0..1, 4097>",
                            "\"", "/*", "*/", "//", "\u{0}", "\u{FEFF}", "é", "\t", "\r\n"]

    init(seed: UInt64, seeds: [FuzzSeed]) {
        rng = FuzzRNG(seed: seed)
        self.seeds = seeds
    }

    /// One mutant: a seed and its edited text.
    mutating func next() -> (seed: FuzzSeed, text: String) {
        let seed = rng.pick(seeds)
        var text = seed.text
        let edits = 1 + rng.below(3)
        for _ in 0..<edits {
            switch rng.below(10) {
            case 0, 1: text = byteEdit(text)
            case 2, 3: text = numberEdit(text)
            case 4: text = identifierEdit(text)
            case 5: text = lineEdit(text)
            case 6: text = fragmentInsert(text)
            case 7: text = spliceLine(text)
            case 8: text = tokenDelete(text)
            default: text = numberEdit(identifierEdit(text))
            }
        }
        return (seed, text)
    }

    /// `--const NAME=VALUE` or `--param NAME=VALUE` for a name declared in `text` (or a
    /// misspelling), with a boundary or nonsense value.
    mutating func commandLineSetting(_ text: String) -> [String] {
        var names: [(String, String)] = []
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "=" })
            if words.count >= 2, words[0] == "const" || words[0] == "param" { names.append((String(words[0]), String(words[1]))) }
        }
        guard !names.isEmpty else { return ["--const", "N=1"] }
        var (kind, name) = rng.pick(names)
        if rng.below(8) == 0 { name += "x" }
        if rng.below(8) == 0 { kind = kind == "const" ? "param" : "const" }
        let small = ["0", "1", "2", "3", "4", "5", "6", "8", "-1", "-2"]
        let value: String
        switch rng.below(4) {
        case 0, 1: value = rng.pick(small)
        case 2: value = rng.pick(Mutator.boundaryNumbers)
        default: value = rng.pick(["true", "false", "x", "", "=", "fput_sync", "sentinel", "1.5", " 1"])
        }
        return ["--\(kind)", "\(name)=\(value)"]
    }

    mutating func byteEdit(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let alphabet = Array("{}()[]<>=!&|+-*/%:;,.\"\n 0123456789abcxyz_".utf8)
        for _ in 0..<(1 + rng.below(4)) where !bytes.isEmpty {
            let i = rng.below(bytes.count)
            switch rng.below(4) {
            case 0: bytes.remove(at: i)
            case 1: bytes.insert(rng.pick(alphabet), at: i)
            case 2: bytes[i] = rng.pick(alphabet)
            default: bytes.removeSubrange(i..<min(bytes.count, i + rng.below(40)))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Ranges of `text` (as UTF-8 offsets) whose characters satisfy `isPart`, words only.
    static func words(_ text: [UInt8], _ isPart: (UInt8) -> Bool, first: (UInt8) -> Bool) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < text.count {
            if first(text[i]) && (i == 0 || !isPart(text[i - 1])) {
                var j = i
                while j < text.count && isPart(text[j]) { j += 1 }
                out.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return out
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isIdent(_ c: UInt8) -> Bool { isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
    static func isIdentStart(_ c: UInt8) -> Bool { isIdent(c) && !isDigit(c) }

    /// Replaces an integer literal with a boundary value or a neighbour.
    mutating func numberEdit(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let nums = Mutator.words(bytes, Mutator.isDigit, first: Mutator.isDigit)
        guard !nums.isEmpty else { return text }
        let r = rng.pick(nums)
        let old = Int64(String(decoding: bytes[r], as: UTF8.self)) ?? 0
        let new: String
        switch rng.below(3) {
        case 0: new = String(old &+ 1)
        case 1: new = String(max(0, old &- 1))
        default: new = rng.pick(Mutator.boundaryNumbers)
        }
        bytes.replaceSubrange(r, with: Array(new.utf8))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Replaces an identifier with another identifier of the same text (a wrong
    /// but declared name: a label, a variable, a type, a process).
    mutating func identifierEdit(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let ids = Mutator.words(bytes, Mutator.isIdent, first: Mutator.isIdentStart)
        guard ids.count > 1 else { return text }
        let r = rng.pick(ids)
        let other = Array(bytes[rng.pick(ids)])
        bytes.replaceSubrange(r, with: other)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Deletes, duplicates or swaps lines.
    mutating func lineEdit(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        guard lines.count > 1 else { return text }
        let i = rng.below(lines.count), j = rng.below(lines.count)
        switch rng.below(3) {
        case 0: lines.remove(at: i)
        case 1: lines.insert(lines[i], at: j)
        default: lines.swapAt(i, j)
        }
        return lines.joined(separator: "\n")
    }

    mutating func fragmentInsert(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let i = rng.below(bytes.count + 1)
        bytes.insert(contentsOf: Array((" " + rng.pick(Mutator.fragments) + " ").utf8), at: i)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Inserts a line of another seed (a declaration or statement out of its context).
    mutating func spliceLine(_ text: String) -> String {
        let donor = rng.pick(seeds).text.components(separatedBy: "\n")
        var lines = text.components(separatedBy: "\n")
        lines.insert(rng.pick(donor), at: rng.below(lines.count + 1))
        return lines.joined(separator: "\n")
    }

    /// Removes one word (an operand, a keyword, a label).
    mutating func tokenDelete(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let ids = Mutator.words(bytes, Mutator.isIdent, first: Mutator.isIdent)
        guard !ids.isEmpty else { return text }
        bytes.removeSubrange(rng.pick(ids))
        return String(decoding: bytes, as: UTF8.self)
    }
}
