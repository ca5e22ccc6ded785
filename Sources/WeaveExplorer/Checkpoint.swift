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
///
/// The file (format 02): the 8 bytes `WEAVCK02`, then sections, each
/// `tag, length, payload, checksum` (tag and length 64-bit little-endian; the checksum
/// is the CRC-64 of the tag, the payload and the length, in that order), in a fixed
/// order: the header; per worker its tallies, its states, its trace records and (with
/// `--fingerprint`) its fingerprint table; the recorded state graph; an empty end
/// section. `--resume` checks every section's checksum before it uses any of it, so a
/// damaged file is refused (naming the section), never searched from. CRC-64 detects
/// every change confined to 64 consecutive bits with certainty, and any other with
/// probability 1 - 2^-64.
public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// CRC-64 with the ECMA-182 polynomial, bit-reflected, starting from and finished with
/// all ones (the check xz writes: "123456789" gives 0x995DC9BBDF1939FA). Eight bytes a
/// step, through eight tables: `tables[k][b]` is the CRC of byte `b` followed by `k`
/// zero bytes.
struct CRC64 {
    static let polynomial: UInt64 = 0xC96C_5795_D787_0F42
    static let tables: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt64(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    private var state: UInt64 = ~0

    /// The checksum of the bytes so far.
    var value: UInt64 { ~state }

    mutating func update(_ p: UnsafeRawPointer, count n: Int) {
        var c = state
        CRC64.tables.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress.unsafelyUnwrapped
            var i = 0
            while i &+ 8 <= n {
                c ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                c = t[1792 &+ Int(c & 0xFF)] ^ t[1536 &+ Int((c >> 8) & 0xFF)]
                    ^ t[1280 &+ Int((c >> 16) & 0xFF)] ^ t[1024 &+ Int((c >> 24) & 0xFF)]
                    ^ t[768 &+ Int((c >> 32) & 0xFF)] ^ t[512 &+ Int((c >> 40) & 0xFF)]
                    ^ t[256 &+ Int((c >> 48) & 0xFF)] ^ t[Int(c >> 56)]
                i &+= 8
            }
            while i < n {
                c = t[Int((c ^ UInt64(p.load(fromByteOffset: i, as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                i &+= 1
            }
        }
        state = c
    }

    mutating func update(_ v: UInt64) {
        var x = v.littleEndian
        withUnsafeBytes(of: &x) { update($0.baseAddress.unsafelyUnwrapped, count: 8) }
    }

    /// The CRC-64 of `count` bytes at `p`.
    static func of(_ p: UnsafeRawPointer, count: Int) -> UInt64 {
        var c = CRC64()
        c.update(p, count: count)
        return c.value
    }
}

/// The sections of a checkpoint, in file order (see `CheckpointError`'s comment).
enum CheckpointSection: UInt64 {
    case header = 1, tallies, states, records, table, graph, end

    /// The 64-bit tag written before a section: its kind, and above it the worker.
    static func tag(_ s: CheckpointSection, worker: Int = 0) -> UInt64 { s.rawValue | UInt64(worker) << 8 }

    /// "states of worker 1", "header": how messages name the section a tag stands for.
    static func name(_ tag: UInt64) -> String {
        let w = tag >> 8
        switch CheckpointSection(rawValue: tag & 0xFF) {
        case .header: return "header"
        case .tallies: return "tallies of worker \(w)"
        case .states: return "states of worker \(w)"
        case .records: return "trace records of worker \(w)"
        case .table: return "fingerprint table of worker \(w)"
        case .graph: return "state graph"
        case .end: return "end"
        case nil: return "tag \(String(tag, radix: 16))"
        }
    }
}

/// Little-endian binary writer over a stdio stream, section by section, with each
/// section's checksum computed from the bytes as they are written.
final class CheckpointWriter {
    let file: UnsafeMutablePointer<FILE>
    private(set) var failed = false
    /// Bytes written so far (the offset of the next byte).
    private var position = 0
    private var crc = CRC64()
    /// Offsets of the open section's length field and of its payload.
    private var lengthAt = 0, payloadAt = 0

    init?(path: String) {
        guard let f = fopen(path, "wb") else { return nil }
        file = f
    }

    private func raw(_ p: UnsafeRawPointer, _ n: Int) {
        if n > 0 && fwrite(p, 1, n, file) != n { failed = true }
        position += n
    }
    private func rawU64(_ v: UInt64) { var x = v.littleEndian; withUnsafeBytes(of: &x) { raw($0.baseAddress!, 8) } }

    /// The magic number and format, outside any section.
    func magic(_ v: UInt64) { rawU64(v) }

    /// Starts a section: its tag, and a length filled in by `end`.
    func begin(_ tag: UInt64) {
        crc = CRC64()
        crc.update(tag)
        rawU64(tag)
        lengthAt = position
        rawU64(0)
        payloadAt = position
    }

    /// Ends the section: writes its length in place and its checksum after it.
    func end() {
        let length = UInt64(position - payloadAt)
        crc.update(length)
        if fflush(file) != 0 || fseeko(file, off_t(lengthAt), SEEK_SET) != 0 { failed = true }
        var x = length.littleEndian
        if fwrite(&x, 1, 8, file) != 8 { failed = true }
        if fseeko(file, 0, SEEK_END) != 0 { failed = true }
        rawU64(crc.value)
    }

    func bytes(_ p: UnsafeRawPointer, _ n: Int) {
        guard n > 0 else { return }
        crc.update(p, count: n)
        raw(p, n)
    }
    func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    func u64(_ v: UInt64) { var x = v.littleEndian; withUnsafeBytes(of: &x) { bytes($0.baseAddress!, 8) } }
    func double(_ v: Double) { u64(v.bitPattern) }
    func array<T>(_ a: [T]) {
        int(a.count)
        a.withUnsafeBytes { if let p = $0.baseAddress { bytes(p, $0.count) } }
    }
    func close() -> Bool { let r = fclose(file) == 0; return r && !failed }
}

/// Reads what `CheckpointWriter` wrote. `verify` checks sections' checksums (a first
/// pass); `enter`/`leave` then read a section, and every read is checked against the
/// section's end.
final class CheckpointReader {
    let file: UnsafeMutablePointer<FILE>
    let path: String
    let fileSize: Int
    private(set) var position = 0
    /// The open section: its tag and the offset where its payload ends.
    private var tag: UInt64 = 0
    private var sectionEnd = 0

    init?(path: String) {
        guard let f = fopen(path, "rb") else { return nil }
        file = f
        self.path = path
        var st = stat()
        fileSize = fstat(fileno(f), &st) == 0 ? Int(st.st_size) : Int.max
    }
    deinit { fclose(file) }

    var sectionName: String { CheckpointSection.name(tag) }

    /// Bytes of the open section not read yet.
    var remaining: Int { sectionEnd - position }

    private func raw(_ p: UnsafeMutableRawPointer, _ n: Int) throws(CheckpointError) {
        if n > 0 && fread(p, 1, n, file) != n {
            throw CheckpointError("\(path) is truncated (it ends inside section '\(sectionName)'); start the search again without --resume")
        }
        position += n
    }
    private func rawU64() throws(CheckpointError) -> UInt64 {
        var x: UInt64 = 0
        try withUnsafeMutableBytes(of: &x) { (b) throws(CheckpointError) in try raw(b.baseAddress!, 8) }
        return UInt64(littleEndian: x)
    }

    func seek(to offset: Int) throws(CheckpointError) {
        guard fseeko(file, off_t(offset), SEEK_SET) == 0 else { throw CheckpointError("cannot read \(path)") }
        position = offset
    }

    /// The first 8 bytes.
    func magic() throws(CheckpointError) -> UInt64 { try rawU64() }

    /// Checks the checksums of the sections `tags` (in this order) from the current
    /// position on, without using their contents; leaves the position after them.
    func verify(_ tags: [UInt64]) throws(CheckpointError) {
        let chunk = 1 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buf.deallocate() }
        for expected in tags {
            tag = expected
            let damaged = "\(path) is damaged: section '\(sectionName)'"
            let found = try rawU64()
            let length = try rawU64()
            guard length <= UInt64(max(0, fileSize - position - 8)) else {
                throw CheckpointError("\(damaged) is longer than the rest of the file (truncated, or its length was changed); "
                    + "start the search again without --resume")
            }
            var crc = CRC64()
            crc.update(found)
            var left = Int(length)
            while left > 0 {
                let n = min(left, chunk)
                try raw(buf, n)
                crc.update(buf, count: n)
                left -= n
            }
            crc.update(length)
            let stored = try rawU64()
            guard stored == crc.value else {
                throw CheckpointError("\(damaged) fails its checksum (CRC-64 \(CRC64.hex(crc.value)), recorded \(CRC64.hex(stored))): "
                    + "the file changed after it was written; start the search again without --resume")
            }
            guard found == expected else {
                throw CheckpointError("\(damaged) is missing (found '\(CheckpointSection.name(found))' in its place)")
            }
        }
    }

    /// After the end section: nothing more.
    func verifyAtEnd() throws(CheckpointError) {
        guard position == fileSize else {
            throw CheckpointError("\(path) is damaged: \(fileSize - position) bytes follow its end section")
        }
    }

    /// Opens section `expected` (already verified) for reading.
    func enter(_ expected: UInt64) throws(CheckpointError) {
        sectionEnd = Int.max
        tag = expected
        let found = try rawU64()
        let length = try rawU64()
        guard found == expected else { throw CheckpointError("\(path) is damaged: section '\(sectionName)' is missing") }
        sectionEnd = position + Int(truncatingIfNeeded: length)
    }

    /// Closes the open section: its contents must have been read exactly.
    func leave() throws(CheckpointError) {
        guard position == sectionEnd else {
            throw CheckpointError("\(path) is damaged: section '\(sectionName)' holds \(sectionEnd - position) bytes more than its contents")
        }
        sectionEnd = Int.max
        _ = try rawU64()   // the checksum, checked by `verify`
    }

    func bytes(_ p: UnsafeMutableRawPointer, _ n: Int) throws(CheckpointError) {
        guard n >= 0, n <= sectionEnd - position else {
            throw CheckpointError("\(path) is damaged: section '\(sectionName)' is shorter than its contents")
        }
        try raw(p, n)
    }
    func int() throws(CheckpointError) -> Int {
        var x: UInt64 = 0
        try withUnsafeMutableBytes(of: &x) { (b) throws(CheckpointError) in try bytes(b.baseAddress!, 8) }
        return Int(Int64(bitPattern: UInt64(littleEndian: x)))
    }
    func u64() throws(CheckpointError) -> UInt64 { UInt64(bitPattern: Int64(try int())) }
    func double() throws(CheckpointError) -> Double { Double(bitPattern: try u64()) }
    func count(max: Int = 1 << 40) throws(CheckpointError) -> Int {
        let n = try int()
        guard n >= 0, n <= max else { throw corrupt("a count of \(n)") }
        return n
    }
    func array<T>(_: T.Type) throws(CheckpointError) -> [T] {
        let n = try count()
        guard n > 0 else { return [] }
        guard n <= (sectionEnd - position) / MemoryLayout<T>.stride else {
            throw CheckpointError("\(path) is damaged: section '\(sectionName)' is shorter than its contents")
        }
        let buf = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<T>.stride, alignment: 8)
        defer { buf.deallocate() }
        try bytes(buf, n * MemoryLayout<T>.stride)
        return Array(UnsafeBufferPointer(start: buf.assumingMemoryBound(to: T.self), count: n))
    }

    /// Contents that passed the checksum but make no sense (a file not written by
    /// Weave's writer, or a bug): an error naming the section.
    func corrupt(_ what: String) -> CheckpointError {
        CheckpointError("\(path) is damaged: section '\(sectionName)' is inconsistent (\(what))")
    }
}

extension CRC64 {
    /// "0x00000000deadbeef".
    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - s.count) + s
    }
}

extension Explorer {
    /// "WEAVCK02" as a little-endian word: the file's first 8 bytes.
    static let checkpointMagic: UInt64 = 0x3230_4B43_5641_4557
    /// The format this Weave writes and reads.
    static let checkpointFormat = "02"

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

    /// The sections after the header, in file order.
    var checkpointSections: [UInt64] {
        var tags: [UInt64] = []
        for w in workers.indices {
            tags += [CheckpointSection.tag(.tallies, worker: w), CheckpointSection.tag(.states, worker: w),
                     CheckpointSection.tag(.records, worker: w)]
            if fingerprintOnly { tags.append(CheckpointSection.tag(.table, worker: w)) }
        }
        return tags + [CheckpointSection.tag(.graph), CheckpointSection.tag(.end)]
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
        w.magic(Explorer.checkpointMagic)
        w.begin(CheckpointSection.tag(.header))
        w.u64(checkpointSignature)
        w.int(depth)
        w.int(initialGenerated)
        w.double(Date().timeIntervalSince(start) + resumedSeconds)
        w.int(workers.count)
        w.int(fingerprintOnly ? 1 : 0)
        w.end()
        for worker in workers {
            let p = worker.partition
            w.begin(CheckpointSection.tag(.tallies, worker: worker.index))
            w.int(worker.generated)
            w.array(worker.reachableFound)
            w.bytes(worker.coverage, worker.coverageCount * 8)
            w.int(p.count); w.int(p.levelStart); w.int(p.frontierCount)
            w.end()
            if let e = p.exact {
                w.begin(CheckpointSection.tag(.states, worker: worker.index))
                w.bytes(e.arena, e.count * e.stateBytes)
                w.end()
                w.begin(CheckpointSection.tag(.records, worker: worker.index))
                w.bytes(e.parents, e.count * 4); w.bytes(e.ordinals, e.count * 4); w.bytes(e.depths, e.count * 4)
                w.end()
            } else if let fps = p.fingerprints, let cur = p.current, let log = p.log {
                w.begin(CheckpointSection.tag(.states, worker: worker.index))
                w.int(cur.count)
                w.bytes(cur.base, cur.count * cur.stateBytes)
                w.end()
                w.begin(CheckpointSection.tag(.records, worker: worker.index))
                for i in 0..<p.count {
                    let r = log.record(i)
                    w.u64(UInt64(r.parent) << 32 | UInt64(r.ordinal))
                }
                w.end()
                w.begin(CheckpointSection.tag(.table, worker: worker.index))
                // The fingerprints stored, then the table as it is, written in place.
                w.int(fps.count)
                fps.withRawSlots { t in
                    w.int(t.count)
                    if let base = t.baseAddress { w.bytes(base, t.count * 8) }
                }
                w.end()
            }
        }
        w.begin(CheckpointSection.tag(.graph))
        w.array(recorded.offsets); w.array(recorded.targets); w.array(recorded.stepper); w.array(recorded.enabled)
        w.end()
        w.begin(CheckpointSection.tag(.end))
        w.end()
        guard w.close() else { unlink(temp); throw CheckpointError("cannot write \(temp) (disk full?)") }
        guard rename(temp, final) == 0 else { unlink(temp); throw CheckpointError("cannot rename \(temp) to \(final)") }
    }

    /// Continues the search saved in `directory` (by `--checkpoint`) when `run` is called.
    /// Call it on a new explorer, before `run`. Throws, and leaves the explorer unfit to
    /// run, if the checkpoint is missing, damaged, of another format or of another run.
    public func resume(from directory: String) throws(CheckpointError) {
        if plan.isDepthFirst { throw CheckpointError("--resume continues a breadth-first search; --dfs cannot be resumed") }
        // Checkpoints hold the partitioned layout: a resumed search uses it.
        plan = plan.partitionedLayout
        partitionViews?.deallocate()
        partitionViews = nil
        sharedTable = nil
        resumeDepth = try readCheckpoint(directory: directory)
    }

    /// Restores a search written by `writeCheckpoint`; returns the frontier's depth.
    /// Every section's checksum is checked before any of its contents is used.
    func readCheckpoint(directory: String) throws(CheckpointError) -> Int {
        let path = directory + "/search.ckpt"
        guard let r = CheckpointReader(path: path) else { throw CheckpointError("no checkpoint at \(path)") }
        let magic: UInt64
        do { magic = try r.magic() } catch { throw CheckpointError("\(path) is not a Weave checkpoint (it is shorter than 8 bytes)") }
        if magic != Explorer.checkpointMagic {
            let text = withUnsafeBytes(of: magic.littleEndian) { String(decoding: $0, as: UTF8.self) }
            // Format 01 spelled its magic "WAEVCK01".
            if text.hasPrefix("WEAVCK") || text.hasPrefix("WAEVCK") {
                throw CheckpointError("\(path) is a checkpoint of format \(text.dropFirst(6)), which this Weave does not read "
                    + "(it reads format \(Explorer.checkpointFormat), whose sections carry checksums); start the search again without --resume")
            }
            throw CheckpointError("\(path) is not a Weave checkpoint")
        }
        let header = CheckpointSection.tag(.header)
        try r.verify([header])
        try r.seek(to: 8)
        try r.enter(header)
        guard try r.u64() == checkpointSignature else {
            throw CheckpointError("\(path) was written for another model, setting or options (workers, --fingerprint, properties); run with the same ones")
        }
        let depth = try r.count()
        let generated = try r.count()
        let seconds = try r.double()
        guard try r.int() == workers.count, try r.int() == (fingerprintOnly ? 1 : 0) else { throw r.corrupt("workers or mode") }
        try r.leave()
        let rest = r.position
        try r.verify(checkpointSections)
        try r.verifyAtEnd()
        try r.seek(to: rest)

        initialGenerated = generated
        resumedSeconds = seconds
        let bytes = engine.stateBytes
        let buf = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        defer { buf.deallocate() }
        for worker in workers {
            let p = worker.partition
            try r.enter(CheckpointSection.tag(.tallies, worker: worker.index))
            worker.generated = try r.count()
            let found = try r.array(Bool.self)
            guard found.count == worker.reachableFound.count else { throw r.corrupt("reachable properties") }
            worker.reachableFound = found
            try r.bytes(worker.coverage, worker.coverageCount * 8)
            let count = try r.count(max: StateStore.maxStates), levelStart = try r.count(), frontier = try r.count()
            guard levelStart + frontier <= count else { throw r.corrupt("a frontier past the last state") }
            try r.leave()
            if let e = p.exact {
                // The states a megabyte at a time (no second copy of the arena), then
                // their records straight into the store's.
                try r.enter(CheckpointSection.tag(.states, worker: worker.index))
                let chunk = max(1, (1 << 20) / bytes)
                let block = UnsafeMutableRawPointer.allocate(byteCount: min(chunk, max(1, count)) * bytes, alignment: 8)
                defer { block.deallocate() }
                var i = 0
                while i < count {
                    let n = min(chunk, count - i)
                    try r.bytes(block, n * bytes)
                    for j in 0..<n {
                        let (id, isNew) = e.insert(block + j * bytes, parent: 0, ordinal: 0, depth: 0)
                        guard isNew, id == i + j else { throw r.corrupt("a state twice") }
                    }
                    i += n
                }
                try r.leave()
                try r.enter(CheckpointSection.tag(.records, worker: worker.index))
                try r.bytes(e.parents, count * 4); try r.bytes(e.ordinals, count * 4); try r.bytes(e.depths, count * 4)
                try r.leave()
            } else if let fps = p.fingerprints, let log = p.log {
                try r.enter(CheckpointSection.tag(.states, worker: worker.index))
                guard try r.count() == frontier else { throw r.corrupt("the frontier's size") }
                for _ in 0..<frontier {
                    try r.bytes(buf, bytes)
                    p.appendNext(buf)
                }
                try r.leave()
                try r.enter(CheckpointSection.tag(.records, worker: worker.index))
                for _ in 0..<count {
                    let v = try r.u64()
                    log.append(parent: UInt32(truncatingIfNeeded: v >> 32), ordinal: UInt32(truncatingIfNeeded: v))
                }
                try r.leave()
                try r.enter(CheckpointSection.tag(.table, worker: worker.index))
                // Read straight into a new table.
                let n = try r.count()
                let slots = try r.count()
                guard slots >= 1, slots <= r.remaining / 8, n <= slots / 5 * 4 else {
                    throw r.corrupt("\(n) fingerprints in a table of \(slots) slots")
                }
                try r.bytes(fps.restore(slots: slots, count: n), slots * 8)
                try r.leave()
            }
            p.restoreLevel(count: count, levelStart: levelStart, frontierCount: frontier)
        }
        try r.enter(CheckpointSection.tag(.graph))
        recorded.offsets = try r.array(Int.self)
        recorded.targets = try r.array(UInt32.self)
        recorded.stepper = try r.array(UInt8.self)
        recorded.enabled = try r.array(UInt64.self)
        if recorded.offsets.isEmpty { recorded.offsets = [0] }
        try r.leave()
        return depth
    }
}
