import Foundation

/// JUnit XML for `weave ci --junit`: one test case per expectation run, per model that
/// does not load (an `<error>`), and per model that declares no expectation (`<skipped>`).
/// Expectations an interrupt left unrun are `<skipped message="not run: interrupted ...">`.
public enum JUnit {
    public static func xml(_ rows: [CaseResult]) -> String {
        func count(_ rs: [CaseResult], _ s: CaseResult.Status) -> Int { rs.filter { $0.status == s }.count }
        func counts(_ rs: [CaseResult]) -> String {
            "tests=\"\(rs.count)\" failures=\"\(count(rs, .failed))\" errors=\"\(count(rs, .error))\" skipped=\"\(count(rs, .notRun))\""
        }
        let total = rows.reduce(0.0) { $0 + $1.seconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"weave ci\" \(counts(rows)) time=\"\(String(format: "%.3f", total))\">\n"
        var byModel: [(String, [CaseResult])] = []
        for r in rows {
            if let i = byModel.firstIndex(where: { $0.0 == r.file }) { byModel[i].1.append(r) } else { byModel.append((r.file, [r])) }
        }
        for (file, rs) in byModel {
            out += "  <testsuite name=\"\(xmlEscape(file))\" \(counts(rs))>\n"
            for r in rs {
                out += "    <testcase classname=\"\(xmlEscape(r.model))\" name=\"\(xmlEscape(r.caseName))\" time=\"\(String(format: "%.3f", r.seconds))\""
                switch r.status {
                case .passed:
                    out += "/>\n"
                case .failed:
                    out += ">\n      <failure message=\"expected \(xmlEscape(r.expected)), got \(xmlEscape(r.got))\">\(xmlEscape(r.location + ": " + r.detail))</failure>\n    </testcase>\n"
                case .error:
                    let message = r.diagnostics.first.map { "\(r.got): \($0.message)" } ?? r.detail
                    out += ">\n      <error type=\"\(xmlEscape(r.got))\" message=\"\(xmlEscape(message))\">\(xmlEscape(r.diagnostics.isEmpty ? r.location + ": " + r.detail : r.detail))</error>\n    </testcase>\n"
                case .notRun:
                    out += ">\n      <skipped message=\"\(xmlEscape(r.detail))\"/>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }
}

/// Escapes text for XML attributes and content (and HTML's: Html.swift uses it too).
public func xmlEscape(_ s: String) -> String {
    s.escaped(xmlEscapes) { c in
        // Characters XML 1.0 cannot hold at all.
        (c.value < 0x20 && c != "\n" && c != "\t") || c.value == 0xFFFE || c.value == 0xFFFF ? "?" : nil
    }
}
let xmlEscapes: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"]
