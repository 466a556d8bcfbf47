import Glibc
import Synchronization
import SystemPackage

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

/// robotd started by the bench with posix_spawn (no Foundation), its stdout and stderr sent to a file or inherited.
final class ChildDaemon {
    let pid: pid_t
    private(set) var exitStatus: Int32?

    /// Starts `path` with `arguments`; `logPath` (truncated) receives its stdout and stderr, nil inherits ours.
    init(path: String, arguments: [String], logPath: String?) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let logPath {
            posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 2, 1)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw SpawnError(description: "cannot start \(path): \(Errno(rawValue: rc))") }
        self.pid = pid
    }

    /// Whether it has exited (reaps it if so).
    var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = status
            return true
        }
        return false
    }

    /// `exited 0`, `killed by signal 9`, … for a raw wait status.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exited \((status >> 8) & 0xff)" : "killed by signal \(signal)"
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit, then SIGKILL. Returns how long the exit took.
    @discardableResult
    func terminate(timeout: Duration = .seconds(5)) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        guard !hasExited else { return .zero }
        kill(pid, SIGTERM)
        while clock.now - start < timeout {
            if hasExited { return clock.now - start }
            usleep(1000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = status
        return clock.now - start
    }

    deinit {
        if !hasExited {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

/// Reads a whole (small) file such as one under /proc; nil if it cannot be opened.
func readTextFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Memory and CPU of a running process, from /proc.
enum ProcStats {
    /// The `kB` value of a `/proc/PID/status` line such as `VmRSS:`.
    static func statusKiB(pid: pid_t, _ key: String) -> Int? {
        guard let status = readTextFile("/proc/\(pid)/status") else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

    /// User + system CPU time of all threads, dead or alive (`/proc/PID/stat` utime + stime; clock-tick resolution).
    static func cpuMicroseconds(pid: pid_t) -> Int64? {
        guard let stat = readTextFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3 of proc(5)); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) * 1_000_000 / max(ticks, 1)
    }

    /// CPU time that all processes on the machine used (`/proc/stat`: everything but idle and iowait), and the
    /// number of CPUs.
    static func machineBusyMicroseconds() -> (busy: Int64, cpus: Int)? {
        guard let stat = readTextFile("/proc/stat") else { return nil }
        let lines = stat.split(separator: "\n")
        guard let total = lines.first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let ticks = total.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard ticks.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already in user)
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        let cpus = lines.filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }.count
        return (busy * 1_000_000 / max(Int64(sysconf(Int32(_SC_CLK_TCK))), 1), cpus)
    }

    /// Our own user + system CPU time (getrusage).
    static func ownCPUMicroseconds() -> Int64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ time: timeval) -> Int64 { Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_usec) }
        return micros(usage.ru_utime) + micros(usage.ru_stime)
    }

    struct Mapping {
        var name: String
        var rssKiB = 0
        var anonymousKiB = 0
        var dirtyKiB = 0
    }

    /// `/proc/PID/smaps` summed per mapped file (by base name); anonymous mappings are `[anon]`, and
    /// `[heap]`, `[stack]` keep their names. Largest resident first.
    static func residentByMapping(pid: pid_t) -> [Mapping] {
        guard let smaps = readTextFile("/proc/\(pid)/smaps") else { return [] }
        var totals: [String: Mapping] = [:]
        var current: String?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-") && !first.hasSuffix(":") {
                // A mapping header: address perms offset dev inode [path]
                let path = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
                let name =
                    path.isEmpty ? "[anon]" : path.hasPrefix("/") ? String(path.split(separator: "/").last ?? "") : path
                current = name
                if totals[name] == nil { totals[name] = Mapping(name: name) }
                continue
            }
            guard let current, fields.count >= 2, let value = Int(fields[1]) else { continue }
            switch first {
            case "Rss:": totals[current]?.rssKiB += value
            case "Anonymous:": totals[current]?.anonymousKiB += value
            case "Private_Dirty:", "Shared_Dirty:": totals[current]?.dirtyKiB += value
            default: break
            }
        }
        return totals.values.filter { $0.rssKiB > 0 }.sorted { $0.rssKiB > $1.rssKiB }
    }
}

/// One busy thread per CPU at `SCHED_IDLE` priority (`--keep-cpus-awake`): they run only when nothing else
/// wants the CPU and yield to any other thread at once, but keep idle CPUs out of their sleep states. A
/// diagnostic: comparing runs with and without them shows how much of a latency is CPU wake-up (in a VM, an
/// idle vCPU is descheduled by the host) rather than robotd's own work.
final class CPUWarmers {
    private final class Flag: Sendable {
        let stop = Atomic<Bool>(false)
    }

    private let flag = Flag()
    private var threads: [pthread_t] = []

    init(count: Int) {
        for _ in 0..<count {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(flag).toOpaque()
            let rc = pthread_create(&thread, nil, { context in
                let flag = Unmanaged<Flag>.fromOpaque(context!).takeRetainedValue()
                var parameter = sched_param()
                _ = sched_setscheduler(0, 5 /* SCHED_IDLE */, &parameter)  // 0: the calling thread
                while !flag.stop.load(ordering: .relaxed) {}
                return nil
            }, context)
            if rc == 0 { threads.append(thread) }
        }
    }

    /// CPU time the spinners used so far.
    var cpuMicroseconds: Int64 {
        threads.reduce(0) { total, thread in
            var clock = clockid_t()
            var time = timespec()
            guard pthread_getcpuclockid(thread, &clock) == 0, clock_gettime(clock, &time) == 0 else { return total }
            return total + Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
        }
    }

    func stop() {
        flag.stop.store(true, ordering: .relaxed)
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }
}
