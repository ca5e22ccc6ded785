import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveSema
import XCTest

/// Every shipped violation's kernel view fits 80 columns, so it goes into a commit
/// message or a mail reply as it is.
final class KernelViewWidthTests: XCTestCase {
    final class Buffer: @unchecked Sendable {
        let lock = NSLock()
        var text = ""
        func add(_ s: String) { lock.lock(); text += s; lock.unlock() }
    }

    func testEveryShippedViolationFitsEightyColumns() throws {
        let dir = repoRoot + "/Models"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".weave") }.sorted()
        var checked = 0
        for f in files {
            let source = try Loader.load(path: dir + "/" + f)
            for exp in Sema.expectations(source) {
                guard case .violated(let property) = exp.verdict else { continue }
                for run in exp.runs {
                    let out = Buffer()
                    var o = CheckOptions()
                    o.workers = 1
                    o.properties = .only([property])
                    o.checkDeadlock = property == "deadlock"
                    var ov: [String: String] = [:]
                    for (k, v) in run { ov[k] = v }
                    let code = Driver.check(path: dir + "/" + f, overrides: ov, options: o, format: .kernel, traceOut: nil,
                                            io: Output(out: { out.add($0) }, err: { _ in }))
                    XCTAssertNotEqual(code, .holds, "\(f) \(ov) \(property)")
                    let wide = out.text.split(separator: "\n").filter { $0.count > 80 }
                    XCTAssertTrue(wide.isEmpty, "\(f) \(ov) \(property): \(wide.count) lines over 80 columns:\n\(out.text)")
                    // The location is the model's own line (a macro call), never a line of the kernel library.
                    for at in out.text.split(separator: "\n").filter({ $0.hasPrefix("    at ") }) {
                        let first = at.dropFirst(7).prefix { $0 != "," }
                        XCTAssertFalse(first.contains("kernel/"), "\(f) \(ov) \(property): located in the library: \(at)")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 10)
    }
}
