import Foundation
import WeaveSource
import WeaveSyntax

/// A model's parsed files: the root first, then its imports (each read once).
public struct ModelSource: Sendable {
    public let root: SourceUnit
    public let units: [SourceUnit]
    public let diagnostics: [Diagnostic]
    /// The files read: the root first, then its imports.
    public var paths: [String] { units.map(\.file.path) }
}

/// Reads a model file and every file it imports.
public enum Loader {
    /// Largest model file accepted (a guard against feeding the checker a disk image).
    public static let maxFileBytes = 16 << 20

    /// Parses `path` and its imports. Throws every parse error at once.
    public static func load(path: String) throws(DiagnosticsError) -> ModelSource {
        var seen = Set<String>()
        var units: [SourceUnit] = []
        var diags = DiagnosticBag()
        guard let root = loadOne(path, from: nil, seen: &seen, units: &units, diags: &diags) else {
            throw DiagnosticsError(diags.items)
        }
        if diags.hasErrors { throw DiagnosticsError(diags.items) }
        return ModelSource(root: root, units: units, diagnostics: diags.items)
    }

    /// Parses model text held in memory (tests, fuzzing). Imports resolve against `directory`.
    public static func load(text: String, path: String = "<input>", directory: String? = nil) throws(DiagnosticsError) -> ModelSource {
        var seen = Set<String>()
        var units: [SourceUnit] = []
        var diags = DiagnosticBag()
        let file = SourceFile(path: path, text: text)
        let root = parseUnit(file, dir: directory ?? FileManager.default.currentDirectoryPath,
                             seen: &seen, units: &units, diags: &diags)
        if diags.hasErrors { throw DiagnosticsError(diags.items) }
        return ModelSource(root: root, units: units, diagnostics: diags.items)
    }

    private static func loadOne(_ path: String, from: SourceRange?, seen: inout Set<String>,
                                units: inout [SourceUnit], diags: inout DiagnosticBag) -> SourceUnit? {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let key = url.path
        if seen.contains(key) { return nil }
        seen.insert(key)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: key, isDirectory: &isDir) else {
            diags.report(.noSuchFile(path: path), at: from)
            return nil
        }
        if isDir.boolValue {
            diags.report(.isDirectory(path: path), at: from)
            return nil
        }
        if let kind = notRegularFile(key) {
            diags.report(.notRegularFile(path: path, kind: kind), at: from)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: key) else {
            let why = access(key, R_OK) != 0 ? "permission denied" : "the file could not be read"
            diags.report(.unreadableFile(path: path, reason: why), at: from)
            return nil
        }
        if data.count > maxFileBytes {
            diags.report(.fileTooLarge(path: path, bytes: data.count, limit: maxFileBytes), at: from)
            return nil
        }
        let text = String(decoding: data, as: UTF8.self)
        let file = SourceFile(path: path, text: text)
        return parseUnit(file, dir: url.deletingLastPathComponent().path, seen: &seen, units: &units, diags: &diags)
    }

    /// Where imports that are not beside the importing file are looked for: the
    /// directories of `WEAVE_PATH` (`-I DIR` adds to it), then the kernel library installed
    /// with weave (`PREFIX/share/weave` beside `PREFIX/bin/weave`, or the checkout's
    /// `Models` for a binary built in `.build/`).
    public static func searchPath() -> [String] {
        var dirs = (ProcessInfo.processInfo.environment["WEAVE_PATH"] ?? "")
            .split(separator: ":").map(String.init).filter { !$0.isEmpty }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let bin = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for rel in ["../share/weave", "../../Models", "../../../Models"] {
                let d = bin.appendingPathComponent(rel).standardizedFileURL.path
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: d + "/kernel", isDirectory: &isDir), isDir.boolValue, !dirs.contains(d) {
                    dirs.append(d)
                }
            }
        }
        return dirs
    }

    /// What a path that is not a regular file is ("a character device"), or nil for a
    /// regular file (or one `stat` cannot describe; reading it then says why).
    static func notRegularFile(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }

    private static func parseUnit(_ file: SourceFile, dir: String, seen: inout Set<String>,
                                  units: inout [SourceUnit], diags: inout DiagnosticBag) -> SourceUnit {
        var parser = Parser(file: file)
        let unit = parser.parseFile()
        diags.append(contentsOf: parser.diagnostics)
        units.append(unit)
        var sawOther = false
        for d in unit.decls {
            switch d {
            case .importFile(let rel, let range):
                if sawOther {
                    diags.report(.importAfterDeclarations, at: range)
                }
                // Only model files: an import of any other file would print its first line
                // in a parse error (a model under review could show /etc/passwd in CI logs).
                guard rel.hasSuffix(".weave") else {
                    diags.report(.importNotWeaveFile(path: rel), at: range)
                    continue
                }
                if rel.hasPrefix("/") {
                    _ = loadOne(rel, from: range, seen: &seen, units: &units, diags: &diags)
                    continue
                }
                // Beside the importing file first, then WEAVE_PATH (and -I), then the
                // library installed with weave.
                let dirs = [dir] + searchPath()
                guard let found = dirs.first(where: { FileManager.default.fileExists(atPath: $0 + "/" + rel) }) else {
                    diags.report(.importNotFound(path: rel, searched: dirs), at: range)
                    continue
                }
                _ = loadOne(found + "/" + rel, from: range, seen: &seen, units: &units, diags: &diags)
            case .model: break
            default: sawOther = true
            }
        }
        return unit
    }
}
