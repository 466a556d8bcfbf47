public import Foundation

/// `Tests/Fixtures/fake_producer.py` and its folder: what each start saw (argv, AWS environment, process group)
/// and a `behavior` file that says what the next start does (`run`, `exit N`, `crash`, `ignore-term`).
public struct FakeProducer: Sendable {
    public let directory: URL
    public var script: URL { RepositoryPaths.fixture("fake_producer.py") }

    public init() throws {
        directory = try ScratchDirectory.make("fake-producer")
    }

    /// What robotd's environment must carry for the script to find its folder.
    public var environment: [String: String] { ["FAKE_PRODUCER_DIR": directory.path] }

    /// What the next start does.
    public func setBehavior(_ behavior: String) throws {
        try behavior.write(to: directory.appending(path: "behavior"), atomically: true, encoding: .utf8)
    }

    /// One entry per start: `pid`, `pgid`, `ppid`, `argv`, `env` (the `AWS_` variables), `behavior`, `time`.
    public var starts: [[String: Any]] { JSONLines.read(directory.appending(path: "starts.jsonl")) }

    /// `terminated` events (a SIGTERM handled).
    public var events: [[String: Any]] { JSONLines.read(directory.appending(path: "events.jsonl")) }

    /// Waits until the producer has started at least `count` times; returns the starts.
    @discardableResult
    public func waitForStarts(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [[String: Any]] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let starts = self.starts
            if starts.count >= count { return starts }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("the fake producer started \(starts.count) of \(count) times within \(timeout)")
    }

    /// Whether a process with this pid is alive (a zombie counts as gone).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(end, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Processes in process group `pgid` that are alive.
    public static func liveMembers(ofGroup pgid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[2]) == pgid && isAlive(pid)
        }
    }
}
