/// "Did you mean" support: the closest candidate by edit distance.
public enum Spelling {
    /// The Levenshtein distance between two strings.
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }

    /// The candidate nearest to `name`, if it is close enough to be a likely misspelling.
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        var best: (String, Int)? = nil
        for c in candidates where c != name {
            let d = distance(name.lowercased(), c.lowercased())
            guard d <= max(1, min(3, name.count / 3)) else { continue }
            if let b = best, b.1 <= d { continue }
            best = (c, d)
        }
        return best?.0
    }
}
