import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
@testable import WeaveProver
import XCTest

/// Issue 16, prover side: `weave prove` and `weave bmc` say PROVED or exit 0 only
/// after the check they name ran, and name what they found as what it is.
final class NoFalseGreenTests: XCTestCase {
    final class Buffer: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func add(_ s: String) { lock.lock(); text += s; lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    func capture(_ body: (Output) -> WeaveExit) -> (WeaveExit, String) {
        let b = Buffer()
        let code = body(Output(out: { b.add($0) }, err: { b.add($0) }))
        return (code, b.value)
    }

    func temp(_ text: String, name: String = "m") throws -> String {
        let dir = NSTemporaryDirectory() + "weave-nfg-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/\(name).weave"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func prove(_ path: String, _ properties: [String] = [], _ overrides: [String: String] = [:]) -> (WeaveExit, String) {
        capture { ProverDriver.prove(path: path, overrides: overrides, properties: properties, k: 1, timeoutMs: 20_000, smtLog: nil, io: $0) }
    }

    func proveSymbolic(_ path: String, _ const: String, _ properties: [String] = [], _ overrides: [String: String] = [:]) -> (WeaveExit, String) {
        capture { ProverDriver.proveSymbolic(path: path, overrides: overrides, constName: const, properties: properties,
                                             timeoutMs: 20_000, smtLog: nil, io: $0) }
    }

    // MARK: friction 10: BMC with no violation is bounded, not "holds"

    func testBMCWithoutViolationSaysBounded() throws {
        let path = proverRepoRoot + "/Models/flush_delayed_fput.weave"
        let (c1, out1) = capture { ProverDriver.bmc(path: path, overrides: ["design": "fput_sync"], depth: 4, io: $0) }
        XCTAssertEqual(c1, .holds, out1)
        XCTAssertTrue(out1.contains("NO VIOLATION within 4 steps"), out1)
        XCTAssertTrue(out1.contains("runs longer than 4 steps were not checked"), out1)
        XCTAssertFalse(out1.lowercased().contains("holds"), out1)
        let (c2, out2) = capture { ProverDriver.bmc(path: path, overrides: ["design": "fput_sync"], depth: 4, format: .json, io: $0) }
        XCTAssertEqual(c2, .holds, out2)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any])
        XCTAssertEqual(json["verdict"] as? String, "bounded")
        XCTAssertEqual(json["depth"] as? Int, 4)
    }
}
