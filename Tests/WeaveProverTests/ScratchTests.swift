import Foundation
import WeaveDriver
import XCTest

/// Runs `weave prove` / `weave bmc` on the file named by WEAVE_PROVE (a scratch hook for
/// developing proof files): WEAVE_PROVE=path WEAVE_SET="THREADS=8,design=fput_queued" WEAVE_BMC=6.
final class ScratchTests: XCTestCase {
    func testScratch() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["WEAVE_PROVE"] else { throw XCTSkip("set WEAVE_PROVE to run") }
        var overrides: [String: String] = [:]
        for kv in (env["WEAVE_SET"] ?? "").split(separator: ",") {
            let p = kv.split(separator: "=", maxSplits: 1)
            if p.count == 2 { overrides[String(p[0])] = String(p[1]) }
        }
        let io = Output(out: { print($0, terminator: "") }, err: { print($0, terminator: "") })
        let code: WeaveExit
        if let d = env["WEAVE_BMC"] {
            code = ProverDriver.bmc(path: path, overrides: overrides, depth: Int(d) ?? 6, io: io)
        } else {
            let props = (env["WEAVE_PROPS"] ?? "").split(separator: "|").map(String.init)
            code = ProverDriver.prove(path: path, overrides: overrides, properties: props, k: Int(env["WEAVE_K"] ?? "1") ?? 1,
                                      timeoutMs: nil, smtLog: env["WEAVE_SMTLOG"], io: io)
        }
        print("exit \(code)")
    }
}

/// Runs `weave ci` on the paths in WEAVE_CI (comma-separated).
final class ScratchCITests: XCTestCase {
    func testScratchCI() throws {
        guard let paths = ProcessInfo.processInfo.environment["WEAVE_CI"] else { throw XCTSkip("set WEAVE_CI to run") }
        let io = Output(out: { print($0, terminator: "") }, err: { print($0, terminator: "") })
        print("exit \(CI.run(paths: paths.split(separator: ",").map(String.init), junit: nil, io: io))")
    }
}
