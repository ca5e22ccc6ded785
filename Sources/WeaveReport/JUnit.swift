/// Escapes text for XML attributes and content.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            // Characters XML 1.0 cannot hold at all.
            if (c.value < 0x20 && c != "\n" && c != "\t") || c.value == 0xFFFE || c.value == 0xFFFF {
                out += "?"
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }
    return out
}
