import Foundation
import XCTest

/// The layering written at the top of Package.swift holds: every `import` in Sources/
/// of a project module (or ArgumentParser) is an arrow the table allows, and every
/// dependency Package.swift declares for a target is one too. (SwiftPM lets a module
/// import what its dependencies depend on, so the build alone does not catch a new arrow.)
final class LayeringTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// module -> modules it may import, from the `//   layer M: A B` lines.
    func table() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("//   layer ") else { continue }
            let body = t.dropFirst("//   layer ".count)
            let parts = body.split(separator: ":", maxSplits: 1)
            let name = String(parts[0]).trimmingCharacters(in: .whitespaces)
            let deps = parts.count > 1 ? parts[1].split(separator: " ").map(String.init) : []
            out[name] = Set(deps)
        }
        return out
    }

    func testEveryImportIsAnAllowedArrow() throws {
        let allowed = try table()
        XCTAssertGreaterThanOrEqual(allowed.count, 12, "the layer table in Package.swift")
        let known = Set(allowed.keys).union(["ArgumentParser"])
        let sources = Self.root.appendingPathComponent("Sources")
        var checked = 0
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted() {
            let dir = sources.appendingPathComponent(module)
            guard let files = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let f as String in files where f.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("@testable import ") {
                    let imported = String(line.split(separator: " ").last ?? "")
                    guard known.contains(imported) else { continue }
                    checked += 1
                    XCTAssertTrue(allowed[module]?.contains(imported) == true,
                                  "Sources/\(module)/\(f) imports \(imported): not an arrow of the layer table in Package.swift")
                }
            }
        }
        XCTAssertGreaterThan(checked, 50)
    }

    /// Reports render the results of both engines from the neutral types beside `Trace`:
    /// WeaveReport may import neither back end (issue 17).
    func testReportsImportNoEngine() throws {
        let report = try XCTUnwrap(try table()["WeaveReport"], "a layer line for WeaveReport")
        XCTAssertFalse(report.contains("WeaveExplorer"))
        XCTAssertFalse(report.contains("WeaveProver"))
        XCTAssertFalse(report.contains("WeaveZ3"))
    }

    func testDeclaredDependenciesAreAllowedArrows() throws {
        let allowed = try table()
        let text = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        // `.target(name: "X", dependencies: ["A", "B", ...]` (also executable and system targets).
        let pattern = try NSRegularExpression(pattern: #"\.(?:target|executableTarget)\(name: "(\w+)",\s*dependencies: \[([^\]]*)\]"#)
        let ns = text as NSString
        var seen = 0
        for m in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 1))
            let deps = ns.substring(with: m.range(at: 2))
            let names = try NSRegularExpression(pattern: #""(\w+)""#).matches(in: deps, range: NSRange(location: 0, length: (deps as NSString).length))
                .map { (deps as NSString).substring(with: $0.range(at: 1)) }
            for d in names where d != "swift-argument-parser" {
                XCTAssertTrue(allowed[name]?.contains(d) == true, "Package.swift: \(name) depends on \(d), not an arrow of the layer table")
            }
            seen += 1
        }
        XCTAssertGreaterThan(seen, 8)
    }

    /// Only WeaveZ3 touches the C API of Z3.
    func testOnlyWeaveZ3ImportsCZ3() throws {
        let allowed = try table()
        XCTAssertEqual(allowed.filter { $0.value.contains("CZ3") }.map(\.key), ["WeaveZ3"])
    }
}
