import Foundation
import ProcessSpawn
import Synchronization
import SystemPackage
import TestSupport
import Testing

/// Children started the way robotd starts its video producer.
@Suite(.timeLimit(.minutes(1))) struct SpawnedProcessTests {
    final class Lines: Sendable {
        let lines = Mutex<[(SpawnedProcess.Stream, String)]>([])
        func append(_ stream: SpawnedProcess.Stream, _ line: String) { lines.withLock { $0.append((stream, line)) } }
        var all: [(SpawnedProcess.Stream, String)] { lines.withLock { $0 } }
    }

    func start(_ command: [String], environment: [String] = ["PATH=/usr/bin:/bin"], lines: Lines = Lines())
        async throws -> SpawnedProcess
    {
        try await SpawnedProcess.start(command, environment: environment) { lines.append($0, $1) }
    }

    func statusField(_ pid: Int32, _ name: String) throws -> String {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("\(name):") })
        return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
    }

    @Test func runsWithoutAShellWithExactlyTheGivenEnvironmentAndForwardsItsOutputLineByLine() async throws {
        let lines = Lines()
        let process = try await start(
            [
                "/bin/sh", "-c", #"echo "$1 $GREETING"; echo 'to stderr' >&2; printf 'no newline'; exit 3"#, "sh",
                "$HOME",
            ],
            environment: ["GREETING=hello"], lines: lines)
        #expect(await process.waitForExit() == .exited(3))
        try await Task.sleep(for: .milliseconds(100))  // the reader thread may trail the exit
        let output = lines.all
        #expect(output.contains { $0.0 == .standardOutput && $0.1 == "$HOME hello" }, "no expansion: \(output)")
        #expect(output.contains { $0.0 == .standardError && $0.1 == "to stderr" })
        #expect(output.contains { $0.0 == .standardOutput && $0.1 == "no newline" })
    }

    @Test func aProgramInPATHIsFoundAndAMissingOneIsNamed() async throws {
        let process = try await start(["true"])
        #expect(await process.waitForExit() == .exited(0))
        do {
            _ = try await start(["/nonexistent/kvsWebrtcClientMasterGstSample", "sts-pi"])
            Issue.record("a missing program started")
        } catch let error as SpawnError {
            #expect(error.errno == Errno(rawValue: ENOENT))
            #expect(error.description.contains("/nonexistent/kvsWebrtcClientMasterGstSample"))
            #expect(error.description.contains("execve"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        await #expect(throws: SpawnError.self) { try await start(["no-such-program-anywhere"]) }
    }

    @Test func theChildLeadsItsOwnProcessGroupWithDefaultSignalsAndNoInheritedDescriptors() async throws {
        // Ignore SIGPIPE and hold an extra descriptor open here, as a daemon would.
        signal(SIGPIPE, SIG_IGN)
        let extra = open("/dev/null", O_RDONLY)
        defer { close(extra) }
        let process = try await start(["sleep", "30"])
        defer { process.signal(SIGKILL) }
        let pid = process.processIdentifier
        #expect(getpgid(pid) == pid)
        let ignored = try statusField(pid, "SigIgn")
        #expect(ignored == "0000000000000000", "no ignored signal survives exec: \(ignored)")
        #expect(try statusField(pid, "SigBlk") == "0000000000000000", "no blocked signal survives exec")
        // `sleep` itself opens the locale archive for a moment while it starts: wait (bounded) for the descriptors
        // it keeps. The extra one above, inherited, would stay for good.
        var descriptors: [String] = []
        for _ in 0..<100 {
            descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted()
            if descriptors == ["0", "1", "2"] { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let targets = descriptors.map {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "?"
        }
        #expect(descriptors == ["0", "1", "2"], "the child holds \(targets)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/0") == "/dev/null")
    }

    @Test func terminateSendsSIGTERMToTheWholeGroup() async throws {
        let process = try await start(["/bin/sh", "-c", "sleep 30 & sleep 30 & wait"])
        try await Task.sleep(for: .milliseconds(200))
        #expect(FakeProducer.liveMembers(ofGroup: process.processIdentifier).count == 3)
        let termination = await process.terminate(grace: .seconds(5))
        #expect(termination == .signalled(SIGTERM))
        try await Task.sleep(for: .milliseconds(100))
        #expect(FakeProducer.liveMembers(ofGroup: process.processIdentifier).isEmpty, "the sleeps went too")
    }

    @Test func terminateEscalatesToSIGKILLAfterTheGracePeriod() async throws {
        let process = try await start(["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"])
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        let termination = await process.terminate(grace: .milliseconds(500))
        let elapsed = ContinuousClock.now - started
        #expect(termination == .signalled(SIGKILL))
        #expect(elapsed >= .milliseconds(500) && elapsed < .seconds(3), "\(elapsed)")
        #expect(termination.description == "signal 9 (Killed)")
        process.signal(SIGTERM)  // after the exit: does nothing, and never reaches a recycled pid
    }

    @Test func aCrashIsASignal() async throws {
        let process = try await start(["/bin/sh", "-c", "kill -SEGV $$"])
        let termination = await process.waitForExit()
        #expect(termination == .signalled(SIGSEGV))
        #expect(!termination.isSuccess)
    }

    @Test func linesAreSplitAndLongOnesCut() {
        var splitter = OutputLineSplitter(maximumLineLength: 8)
        #expect(splitter.append(Array("one\r\ntw".utf8)) == ["one"])
        #expect(splitter.append(Array("o\n\n".utf8)) == ["two", ""])
        #expect(splitter.append(Array("0123456789".utf8)) == ["01234567"])
        #expect(splitter.finish() == "89")
        #expect(splitter.finish() == nil)
        #expect(splitter.append([0xFF, 0x0A]) == ["\u{FFFD}"])
    }
}
