public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fresh folders for one test process: PKIs, broker configs and logs, process output.
///
/// All live under one root, `$TMPDIR/telepresence-robot-tests-<pid>`, which is removed
/// when the process exits normally (set `ROBOT_KEEP_TEST_FILES=1` to keep it). A test
/// process that dies before that (a crash, Ctrl-C) leaves its root behind, with the
/// list of the processes it started in `children`; the next test process — and
/// `scripts/test.sh` when it exits — kills those that still run and removes the root.
public enum ScratchDirectory {
    static let prefix = "telepresence-robot-tests-"

    /// The per-process root; created, and earlier runs' leftovers swept, on first use.
    public static let root: URL = {
        let base = FileManager.default.temporaryDirectory
        sweepLeftovers(in: base)
        let root = base.appending(path: "\(prefix)\(getpid())", directoryHint: .isDirectory)
        try? FileManager.default.removeItem(at: root)
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["ROBOT_KEEP_TEST_FILES"] == nil {
            atexit { try? FileManager.default.removeItem(at: ScratchDirectory.root) }
        }
        return root
    }()

    private static let counter = Atomic<Int>(0)

    /// Creates a new, empty folder named after `label` under ``root``.
    public static func make(_ label: String) throws -> URL {
        let number = counter.add(1, ordering: .relaxed).newValue
        let url = root.appending(path: "\(label)-\(number)", directoryHint: .isDirectory)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw TestSupportError("cannot create scratch folder '\(url.path)': \(error)")
        }
        return url
    }

    /// The file listing the processes that ``ChildProcess`` started: "pid start-time" lines.
    static var childrenFile: URL { root.appending(path: "children") }

    private static let childrenLock = Mutex(())

    /// Records a started process, so that a later sweep can kill it if this process dies first.
    static func recordChild(pid: Int32) {
        guard let start = processStartTime(pid) else { return }
        childrenLock.withLock { _ in
            let line = Data("\(pid) \(start)\n".utf8)
            if let handle = try? FileHandle(forWritingTo: childrenFile) {
                defer { try? handle.close() }
                _ = try? handle.seekToEnd()
                try? handle.write(contentsOf: line)
            } else {
                try? line.write(to: childrenFile)
            }
        }
    }

    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the pid, it
    /// names one process for good, whatever pid reuse happens later. Nil without /proc.
    static func processStartTime(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "pid (comm)" start with field 3 (state); field 22 is the 20th of them.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// Kills the recorded children of dead test processes and removes their roots.
    private static func sweepLeftovers(in base: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let owner = Int32(name.dropFirst(prefix.count)), owner != getpid(),
                kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            let folder = base.appending(path: name, directoryHint: .isDirectory)
            let list = (try? String(contentsOf: folder.appending(path: "children"), encoding: .utf8)) ?? ""
            for line in list.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let pid = Int32(parts[0]),
                    processStartTime(pid) == String(parts[1])
                else { continue }
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
            }
            try? FileManager.default.removeItem(at: folder)
        }
    }
}
