extension String {
    /// The string with each Unicode scalar in `table` replaced by its entry, and each other
    /// one by what `otherwise` returns for it (kept when nil): the one loop under every
    /// escaper of the reports (JSON, XML and HTML, Mermaid, DOT, URIs), each of which gives
    /// only its alphabet.
    ///
    /// Scalars, not characters: a quote followed by a combining mark is one `Character`
    /// that equals no quote, and would pass an escaper that compared characters.
    func escaped(_ table: [Unicode.Scalar: String],
                 otherwise: (Unicode.Scalar) -> String? = { _ in nil }) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for u in unicodeScalars {
            if let r = table[u] ?? otherwise(u) { out += r } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
