import Foundation
import XCTest

/// Runs the built `weave` binary in `cwd`.
func runWeaveBinary(_ args: [String], cwd: URL) throws -> (code: Int32, out: String, err: String) {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var exe = bin.appendingPathComponent("weave")
    if !FileManager.default.fileExists(atPath: exe.path) { exe = bin.deletingLastPathComponent().appendingPathComponent("weave") }
    try XCTSkipUnless(FileManager.default.fileExists(atPath: exe.path), "weave binary not built next to the tests")
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    p.currentDirectoryURL = cwd
    let o = Pipe(), e = Pipe()
    p.standardOutput = o
    p.standardError = e
    try p.run()
    let out = o.fileHandleForReading.readDataToEndOfFile()
    let err = e.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
