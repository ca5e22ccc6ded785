import Foundation
import XCTest

/// The built `weave` binary (next to the test bundle).
func weaveExecutable() throws -> URL {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var exe = bin.appendingPathComponent("weave")
    if !FileManager.default.fileExists(atPath: exe.path) {
        exe = bin.deletingLastPathComponent().appendingPathComponent("weave")
    }
    try XCTSkipUnless(FileManager.default.fileExists(atPath: exe.path), "weave binary not built next to the tests")
    return exe
}

/// Runs `weave` with `args` in `cwd` (with `environment` added to this process's) and
/// returns its exit code and output.
func runWeave(_ args: [String], cwd: URL, environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try weaveExecutable()
    p.arguments = args
    p.currentDirectoryURL = cwd
    if !environment.isEmpty {
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let o = Pipe(), e = Pipe()
    p.standardOutput = o
    p.standardError = e
    try p.run()
    let out = o.fileHandleForReading.readDataToEndOfFile()
    let err = e.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
