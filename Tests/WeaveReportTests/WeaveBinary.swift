import Foundation
import XCTest

/// The built `weave` binary (next to the test bundle).
func weaveBinary() throws -> URL {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var exe = bin.appendingPathComponent("weave")
    if !FileManager.default.fileExists(atPath: exe.path) { exe = bin.deletingLastPathComponent().appendingPathComponent("weave") }
    try XCTSkipUnless(FileManager.default.fileExists(atPath: exe.path), "weave binary not built next to the tests")
    return exe
}

/// Runs the built `weave` binary in `cwd`.
func runWeaveBinary(_ args: [String], cwd: URL) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try weaveBinary()
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

/// Debian's chromium, or a skip (.ci/run installs it).
func chromium() throws -> String {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: p) { return p }
    throw XCTSkip("chromium is not installed (apt-get install -y chromium; .ci/run does)")
}

/// Headless chromium `exe` with `args` and its profile in `profile`; returns stdout, and
/// fails the test if chromium exits non-zero.
func headlessChromium(_ exe: String, _ args: [String], profile: URL) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
                   "--user-data-dir=" + profile.path] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "chromium exited \(p.terminationStatus)")
    return String(decoding: data, as: UTF8.self)
}
