import Foundation

/// `--memory-limit`: parsing sizes, and the default a run gets when none is given.
public enum MemoryLimit {
    /// A size such as `512M`, `8G`, `1.5GiB`, `64k` or a plain number of bytes.
    /// Suffixes are binary (K = 1024). Nil for anything else, zero or negative sizes.
    public static func parse(_ text: String) -> Int? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where s.hasSuffix(suffix) && s.count > suffix.count {
            s.removeLast(suffix.count)
            break
        }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var scale = 1.0
        if let last = s.last, let u = units[last] {
            scale = u
            s.removeLast()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(s), v.isFinite, v > 0 else { return nil }
        let bytes = v * scale
        guard bytes >= 1, bytes < Double(Int.max / 2) else { return nil }
        return Int(bytes)
    }

    /// "512.0 MiB", "8.0 GiB".
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        let kib = 1024.0, mib = kib * 1024, gib = mib * 1024
        if b >= gib { return String(format: "%.1f GiB", b / gib) }
        if b >= mib { return String(format: "%.1f MiB", b / mib) }
        if b >= kib { return String(format: "%.1f KiB", b / kib) }
        return "\(bytes) bytes"
    }

    /// The default limit: half of the memory this process may still use, which is
    /// MemAvailable from /proc/meminfo (not MemTotal: other programs' memory is not
    /// ours to take), or the room left under a cgroup memory limit if that is smaller
    /// (the cgroup's OOM killer acts on its own limit). Half, because the state store
    /// grows by doubling: while an array is copied to its new home both copies exist,
    /// so the resident peak just before the limit check stops the run is up to about
    /// twice the figure the limit is compared with. Nil where neither can be read.
    public static func systemDefault() -> (bytes: Int, source: String)? {
        var best: (Int, String)? = nil
        if let avail = meminfo("MemAvailable") {
            best = (avail, "MemAvailable \(format(avail))")
        } else if let total = meminfo("MemTotal") {
            best = (total, "MemTotal \(format(total))")
        }
        if let room = cgroupRoom(), room < (best?.0 ?? Int.max) {
            best = (room, "room under the cgroup memory limit \(format(room))")
        }
        guard let (bytes, what) = best else { return nil }
        return (max(bytes / 2, 1 << 20), "half of \(what)")
    }

    /// A field of /proc/meminfo, in bytes.
    public static func meminfo(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kb = Int(parts[1]) else { return nil }
            return parts.count >= 3 && parts[2] == "kB" ? kb * 1024 : kb
        }
        return nil
    }

    /// Bytes left under this process's cgroup memory limit (v2 `memory.max`, or v1
    /// `memory.limit_in_bytes`), nil when there is no limit or it cannot be read.
    static func cgroupRoom() -> Int? {
        func number(_ path: String) -> Int? {
            guard let t = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            return Int(t.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let pairs = [("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                     ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")]
        for (limitPath, usagePath) in pairs {
            // "max" (v2) does not parse; v1 says "no limit" with a number near 2^63.
            guard let limit = number(limitPath), limit < 1 << 60 else { continue }
            let used = number(usagePath) ?? 0
            return max(0, limit - used)
        }
        return nil
    }
}
