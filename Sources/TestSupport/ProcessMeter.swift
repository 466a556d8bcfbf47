import Foundation

/// CPU time and memory of processes and of the whole machine, from /proc (Linux only): for the benchmarks and the
/// tests that print what a process costs.
public enum ProcessMeter {
    /// Clock ticks per second of /proc's CPU times.
    public static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The fields of /proc/PID/stat the bench needs.
    public struct Stat {
        public var processGroup: Int32
        /// utime + stime, in clock ticks.
        public var cpuTicks: Int
    }

    /// /proc/PID/stat, or nil when the process is gone.
    public static func stat(_ pid: Int32) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return parseStat(text)
    }

    /// Parses a /proc/PID/stat line. The command name (field 2) may hold spaces and parentheses, so the fields
    /// are counted from the last ")": field 3 (state) is the first after it.
    public static func parseStat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Field n is fields[n - 3]: pgrp is field 5, utime 14, stime 15.
        guard fields.count > 12, let group = Int32(fields[2]), let user = Int(fields[11]), let system = Int(fields[12])
        else { return nil }
        return Stat(processGroup: group, cpuTicks: user + system)
    }

    /// A line of /proc/PID/status such as `VmRSS:   61234 kB`, in KiB.
    public static func statusKiB(_ pid: Int32, _ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// The summed CPU ticks of every process in process group `group` that runs now (Chromium: the browser, its
    /// renderers and its GPU and utility processes).
    public static func groupTicks(_ group: Int32) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).compactMap(stat).filter { $0.processGroup == group }
            .reduce(0) { $0 + $1.cpuTicks }
    }

    /// The machine's busy and total CPU ticks (all CPUs) from /proc/stat's first line.
    public static func machineTicks() -> (busy: Int, total: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first
        else { return nil }
        // cpu user nice system idle iowait irq softirq steal
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Int($0) }
        guard values.count == 8 else { return nil }
        let idle = values[3] + values[4]
        return (values.reduce(0, +) - idle, values.reduce(0, +))
    }

    /// `ticks` over `seconds` of wall-clock time, as % of one core.
    public static func percentOfOneCore(ticks: Int, seconds: Double) -> Double {
        seconds > 0 ? Double(ticks) / ticksPerSecond / seconds * 100 : 0
    }
}
