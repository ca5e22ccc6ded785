import Foundation
import Glibc
import WeaveIR

/// Saving a breadth-first search between two levels, and continuing it later.
///
/// At a level boundary every worker is idle, the outboxes are empty and the frontier is
/// the whole next level, so the search is exactly: the partitions (exact: every state
/// with its parent, ordinal and depth; fingerprints: the table, the frontier's states
/// and every trace record), the tallies (generated, coverage, reachables found), the
/// recorded graph if liveness needs it, and the depth. `DIR/search.ckpt` is written to a
/// temporary file and renamed over the old one, so a run killed while writing leaves
/// the previous checkpoint intact. A checkpoint names the model (a hash of its typed IR)
/// and the options that shape the search; `--resume` refuses one that does not match.
public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// Little-endian binary writer over a stdio stream.
final class CheckpointWriter {
    let file: UnsafeMutablePointer<FILE>
    private(set) var failed = false
    init?(path: String) {
        guard let f = fopen(path, "wb") else { return nil }
        file = f
    }
    func bytes(_ p: UnsafeRawPointer, _ n: Int) {
        if n > 0 && fwrite(p, 1, n, file) != n { failed = true }
    }
    func int(_ v: Int) { var x = Int64(v); withUnsafeBytes(of: &x) { bytes($0.baseAddress!, 8) } }
    func u64(_ v: UInt64) { var x = v; withUnsafeBytes(of: &x) { bytes($0.baseAddress!, 8) } }
    func double(_ v: Double) { u64(v.bitPattern) }
    func array<T>(_ a: [T]) {
        int(a.count)
        a.withUnsafeBytes { if let p = $0.baseAddress { bytes(p, $0.count) } }
    }
    func close() -> Bool { let r = fclose(file) == 0; return r && !failed }
}

/// Reads what `CheckpointWriter` wrote; every read is checked against the file's end.
final class CheckpointReader {
    let file: UnsafeMutablePointer<FILE>
    init?(path: String) {
        guard let f = fopen(path, "rb") else { return nil }
        file = f
    }
    deinit { fclose(file) }
    func bytes(_ p: UnsafeMutableRawPointer, _ n: Int) throws(CheckpointError) {
        if n > 0 && fread(p, 1, n, file) != n { throw CheckpointError("the checkpoint is truncated") }
    }
    func int() throws(CheckpointError) -> Int {
        var x: Int64 = 0
        try withUnsafeMutableBytes(of: &x) { (b) throws(CheckpointError) in try bytes(b.baseAddress!, 8) }
        return Int(x)
    }
    func u64() throws(CheckpointError) -> UInt64 { UInt64(bitPattern: Int64(try int())) }
    func double() throws(CheckpointError) -> Double { Double(bitPattern: try u64()) }
    func count(max: Int = 1 << 40) throws(CheckpointError) -> Int {
        let n = try int()
        guard n >= 0, n <= max else { throw CheckpointError("the checkpoint is corrupt (a count of \(n))") }
        return n
    }
    func array<T>(_: T.Type) throws(CheckpointError) -> [T] {
        let n = try count()
        guard n > 0 else { return [] }
        let buf = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<T>.stride, alignment: 8)
        defer { buf.deallocate() }
        try bytes(buf, n * MemoryLayout<T>.stride)
        return Array(UnsafeBufferPointer(start: buf.assumingMemoryBound(to: T.self), count: n))
    }
}

extension Explorer {
    static let checkpointMagic: UInt64 = 0x3130_4B43_5645_4157   // "WEAVCK01"

    /// What a checkpoint must agree on with the run that resumes it.
    var checkpointSignature: UInt64 {
        var text = IRPrinter.text(model)
        text += "|workers=\(workers.count)|fp=\(fingerprintOnly)|deadlock=\(checkDeadlockHere)|graph=\(recordGraph)|symmetry=\(symmetry != nil)"
        text += "|inv=\(invariantIndices)|reach=\(reachableIndices)|steps=\((0..<engine.stepProperties.count).map { engine.stepEnabled[$0] })"
        return text.utf8CString.withUnsafeBytes { raw in
            // Hash the bytes padded to whole words.
            let n = (raw.count + 7) / 8
            let p = UnsafeMutableRawPointer.allocate(byteCount: n * 8, alignment: 8)
            defer { p.deallocate() }
            p.initializeMemory(as: UInt8.self, repeating: 0, count: n * 8)
            p.copyMemory(from: raw.baseAddress!, byteCount: raw.count)
            return StateStore.fingerprint(p, words: n)
        }
    }

    /// Writes the search at a level boundary (`depth` is the frontier's level).
    func writeCheckpoint(directory: String, depth: Int) throws(CheckpointError) {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw CheckpointError("cannot create \(directory): \(error.localizedDescription)")
            }
        } else if !isDir.boolValue {
            throw CheckpointError("\(directory) is not a directory")
        }
        let final = directory + "/search.ckpt"
        let temp = directory + "/.search.ckpt.\(getpid()).tmp"
        guard let w = CheckpointWriter(path: temp) else { throw CheckpointError("cannot write \(temp)") }
        w.u64(Explorer.checkpointMagic)
        w.u64(checkpointSignature)
        w.int(depth)
        w.int(initialGenerated)
        w.double(Date().timeIntervalSince(start) + resumedSeconds)
        for worker in workers {
            w.int(worker.generated)
            w.array(worker.reachableFound)
            w.bytes(worker.coverage, worker.coverageCount * 8)
            let p = worker.partition
            w.int(p.count); w.int(p.levelStart); w.int(p.frontierCount)
            if let e = p.exact {
                w.bytes(e.arena, e.count * e.stateBytes)
                w.bytes(e.parents, e.count * 4); w.bytes(e.ordinals, e.count * 4); w.bytes(e.depths, e.count * 4)
            } else if let fps = p.fingerprints, let cur = p.current, let log = p.log {
                w.array(fps.rawSlots())
                w.int(fps.count)
                w.int(cur.count)
                w.bytes(cur.base, cur.count * cur.stateBytes)
                for i in 0..<p.count {
                    let r = log.record(i)
                    w.u64(UInt64(r.parent) << 32 | UInt64(r.ordinal))
                }
            }
        }
        w.array(edgeOffsets); w.array(edgeTargets); w.array(edgeStepper); w.array(enabledMasks)
        w.u64(Explorer.checkpointMagic)
        guard w.close() else { unlink(temp); throw CheckpointError("cannot write \(temp) (disk full?)") }
        guard rename(temp, final) == 0 else { unlink(temp); throw CheckpointError("cannot rename \(temp) to \(final)") }
    }

    /// Continues the search saved in `directory` (by `--checkpoint`) when `run` is called.
    /// Call it on a new explorer, before `run`.
    public func resume(from directory: String) throws(CheckpointError) {
        if options.depthFirst { throw CheckpointError("--resume continues a breadth-first search; --dfs cannot be resumed") }
        // Checkpoints hold the partitioned layout: a resumed search uses it.
        partitionViews?.deallocate()
        partitionViews = nil
        sharedTable = nil
        resumeDepth = try readCheckpoint(directory: directory)
    }

    /// Restores a search written by `writeCheckpoint`; returns the frontier's depth.
    func readCheckpoint(directory: String) throws(CheckpointError) -> Int {
        let path = directory + "/search.ckpt"
        guard let r = CheckpointReader(path: path) else { throw CheckpointError("no checkpoint at \(path)") }
        guard try r.u64() == Explorer.checkpointMagic else { throw CheckpointError("\(path) is not a Weave checkpoint") }
        guard try r.u64() == checkpointSignature else {
            throw CheckpointError("\(path) was written for another model, setting or options (workers, --fingerprint, properties); run with the same ones")
        }
        let depth = try r.count()
        initialGenerated = try r.count()
        resumedSeconds = try r.double()
        let bytes = engine.stateBytes
        let buf = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        defer { buf.deallocate() }
        for worker in workers {
            worker.generated = try r.count()
            let found = try r.array(Bool.self)
            guard found.count == worker.reachableFound.count else { throw CheckpointError("the checkpoint is corrupt") }
            worker.reachableFound = found
            try r.bytes(worker.coverage, worker.coverageCount * 8)
            let p = worker.partition
            let count = try r.count(max: StateStore.maxStates), levelStart = try r.count(), frontier = try r.count()
            guard levelStart + frontier <= count else { throw CheckpointError("the checkpoint is corrupt") }
            if let e = p.exact {
                let arena = UnsafeMutableRawPointer.allocate(byteCount: max(1, count * bytes), alignment: 8)
                defer { arena.deallocate() }
                try r.bytes(arena, count * bytes)
                let recs = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, count * 3))
                defer { recs.deallocate() }
                try r.bytes(recs, count * 4); try r.bytes(recs + count, count * 4); try r.bytes(recs + 2 * count, count * 4)
                for i in 0..<count {
                    let (id, isNew) = e.insert(arena + i * bytes, parent: recs[i], ordinal: recs[count + i], depth: recs[2 * count + i])
                    guard isNew, id == i else { throw CheckpointError("the checkpoint is corrupt (a state twice)") }
                }
            } else if let fps = p.fingerprints, let log = p.log {
                let slots = try r.array(UInt64.self)
                let n = try r.count()
                fps.restore(slots: slots, count: n)
                let frontierStates = try r.count()
                guard frontierStates == frontier else { throw CheckpointError("the checkpoint is corrupt") }
                for _ in 0..<frontier {
                    try r.bytes(buf, bytes)
                    p.appendNext(buf)
                }
                for _ in 0..<count {
                    let v = try r.u64()
                    log.append(parent: UInt32(truncatingIfNeeded: v >> 32), ordinal: UInt32(truncatingIfNeeded: v))
                }
            }
            p.restoreLevel(count: count, levelStart: levelStart, frontierCount: frontier)
        }
        edgeOffsets = try r.array(Int.self)
        edgeTargets = try r.array(UInt32.self)
        edgeStepper = try r.array(UInt8.self)
        enabledMasks = try r.array(UInt64.self)
        if edgeOffsets.isEmpty { edgeOffsets = [0] }
        guard try r.u64() == Explorer.checkpointMagic else { throw CheckpointError("the checkpoint is truncated") }
        return depth
    }
}
