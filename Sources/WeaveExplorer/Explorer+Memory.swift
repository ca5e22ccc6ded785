import Foundation
import Glibc
import Synchronization

extension Explorer {
    /// Bytes of visited set per distinct state, known before the search starts.
    /// Exact: the packed state in the arena, its parent, outcome ordinal and depth (12
    /// bytes), and the hash table's 12-byte slots, kept at most half full (24 bytes or
    /// more). Fingerprints: one 8-byte slot per state in a table between 53% and 80%
    /// full (12 on average). The frontier (the states of the level being searched) and,
    /// with liveness, the state graph come on top; the arrays grow by doubling.
    ///
    /// Keep in step with `StateStore.memoryBytes` and `FingerprintSet`.
    public var estimatedBytesPerState: Int { fingerprintOnly ? 12 : stateBytes + 12 + 24 }

    /// Why `--memory-limit` stops the run, or nil. The limit holds for the stores' own
    /// figure (`estimate`: arenas, tables, frontiers, outboxes, the recorded graph) and,
    /// with `CheckOptions.countResidentMemory` (as `weave check` runs), for the whole
    /// process: its resident memory now (engines, buffers, everything allocated) plus
    /// `growth`, what the stores may still allocate before the next check (a table
    /// about to double, with the old one still held while it is rehashed). Reads
    /// /proc/self/statm: call it at the search's periodic checks, not per state.
    func memoryLimitReason(estimate: Int, growth: Int) -> String? {
        guard let limit = options.memoryLimitBytes else { return nil }
        if estimate > limit {
            return "memory limit: \(Explorer.size(estimate)) in use, limit \(Explorer.size(limit))"
        }
        guard options.countResidentMemory, let resident = ResidentMemory.recentBytes() else { return nil }
        if resident > limit {
            return "memory limit: \(Explorer.size(resident)) resident, limit \(Explorer.size(limit))"
        }
        if resident + growth > limit {
            return "memory limit: \(Explorer.size(resident)) resident and \(Explorer.size(growth)) about to be allocated, "
                + "limit \(Explorer.size(limit))"
        }
        return nil
    }

    /// What the breadth-first search may allocate between this limit check (after a
    /// round) and the next: the inserts of the coming round into the stores (their pages,
    /// and any table they could make grow) and, with a shared table, the larger table
    /// the next round's preparation may reserve; with liveness, the graph's arrays
    /// growing by doubling. Tables are judged by the most successors a state has had (at
    /// least 8, at most 64, as `prepareSharedRound` takes them), so that no doubling
    /// comes as a surprise; pages by twice the new states an expansion has found on
    /// average, so that the search does not stop long before the limit.
    func searchGrowthBytes() -> Int {
        let nw = workers.count
        let most = min(64, workers.reduce(8) { max($0, $1.mostSuccessors) })
        let expanded = nw * roundChunk
        var bytes = 0, edges = 0
        if let table = sharedTable {
            // The coming round inserts as it expands; then the table is grown for the one after.
            let stored = workers.reduce(0) { $0 + $1.partition.count }
            let done = max(1, stored - stats.queued)
            let typical = expanded * min(most, 2 * ((stored + done - 1) / done))
            for w in workers { bytes += w.partition.exact?.growthBytes(adding: typical / nw, atMost: 0) ?? 0 }
            bytes += table.growthBytes(reserving: stored + 2 * expanded * most)
        } else {
            // The coming round inserts what the outboxes hold now.
            for p in workers {
                var k = 0
                for w in workers { k += w.outboxes[p.index].count + w.outboxes[nw + p.index].count }
                edges += k
                let part = p.partition
                if let e = part.exact { bytes += e.growthBytes(adding: k, atMost: k) }
                bytes += part.fingerprints?.growthBytes(adding: k) ?? 0
                bytes += part.next?.growthBytes(adding: k) ?? 0
            }
        }
        if recordGraph {
            func grows<T>(_ a: [T], by n: Int) -> Int {
                a.count + n > a.capacity ? max(a.capacity * 2, a.count + n) * MemoryLayout<T>.stride : 0
            }
            let g = recorded
            bytes += grows(g.targets, by: edges) + grows(g.stepper, by: edges) + grows(g.perm, by: symmetry == nil ? 0 : edges)
                + grows(g.offsets, by: expanded) + grows(g.enabled, by: expanded)
        }
        return bytes
    }

    /// What the depth-first search may allocate before its next limit check (1,024
    /// expansions on): a few new states each, and any table doubling up to 64 each.
    var depthFirstGrowthBytes: Int {
        options.countResidentMemory ? store.growthBytes(adding: 1024 * 4, atMost: 1024 * 64) : 0
    }

    /// "12.5 MiB", "96.0 KiB".
    static func size(_ b: Int) -> String {
        b >= 1 << 20 ? String(format: "%.1f MiB", Double(b) / 1_048_576) : String(format: "%.1f KiB", Double(b) / 1024)
    }
}

/// The process's resident memory: the second field of /proc/self/statm (pages).
enum ResidentMemory {
    /// The last reading and when it was taken (CLOCK_MONOTONIC, ns).
    private static let last = Mutex<(at: UInt64, bytes: Int?)>((0, nil))

    /// `bytes()`, read again only when the last reading is a millisecond old: a round
    /// of one worker can take a tenth of that, and reading /proc costs three system
    /// calls. What the stores allocate in the meantime is what `growth` foresees.
    static func recentBytes() -> Int? {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let now = UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
        return last.withLock { l in
            if l.at != 0 && now &- l.at < 1_000_000 { return l.bytes }
            l = (now, bytes())
            return l.bytes
        }
    }

    /// Bytes, or nil where /proc cannot be read.
    static func bytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buf -> Int? in
            let n = read(fd, buf.baseAddress, 127)
            guard n > 0 else { return nil }
            var field = 0, value = 0, digits = 0
            for i in 0..<n {
                let c = buf[i]
                if c == 0x20 || c == 0x0A {
                    if field == 1 { break }
                    field += 1
                    continue
                }
                guard field == 1 else { continue }
                guard c >= 0x30, c <= 0x39 else { return nil }
                value = value &* 10 &+ Int(c &- 0x30)
                digits += 1
            }
            guard field == 1, digits > 0 else { return nil }
            return value &* MappedMemory.pageBytes
        }
    }
}
