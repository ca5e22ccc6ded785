extension String {
    /// The string with each Unicode scalar that `table` maps replaced by what it returns,
    /// the others kept: the one loop under every escaper of the reports (JSON, XML, HTML,
    /// Mermaid, DOT, URIs), each of which gives only its own table.
    ///
    /// Scalars, not characters: a quote followed by a combining mark is one `Character`
    /// that equals no quote, and would pass an escaper that compared characters.
    func escaped(_ table: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for u in unicodeScalars {
            if let r = table(u) { out += r } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
