import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ChildProcessTests {
    @Test func capturesOutputAndExitStatus() async throws {
        let child = try ChildProcess.start("sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(try await child.waitForExit() == .exited(3))
        #expect(child.standardOutput == "out\n")
        #expect(child.standardError == "err\n")
        #expect(child.lines() == ["out", "err"])
    }

    @Test func waitsForOutputThenSignals() async throws {
        let child = try ChildProcess.start(
            "sh", ["-c", "trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 0.05; done"])
        let line = try await child.waitUntilOutput(contains: "ready")
        #expect(line == "ready")
        #expect(child.isRunning)

        #expect(try await child.terminate() == .exited(0))
        #expect(child.standardOutput.contains("got-term"))
    }

    @Test func killTakesDownTheWholeProcessGroup() async throws {
        let child = try ChildProcess.start("sh", ["-c", "sleep 30 & echo pid=$!; wait"])
        let line = try await child.waitUntilOutput(contains: "pid=")
        let grandchild = try #require(Int32(line.dropFirst(4)))
        #expect(kill(grandchild, 0) == 0)

        #expect(try await child.kill() == .signalled(SIGKILL))
        try await Task.sleep(for: .milliseconds(100))
        #expect(kill(grandchild, 0) != 0 || isZombie(grandchild))
    }

    @Test func failsClearlyWhenTheProcessExitsBeforeTheExpectedOutput() async throws {
        let child = try ChildProcess.start("sh", ["-c", "echo something else; exit 1"])
        let error = await #expect(throws: TestSupportError.self) {
            try await child.waitUntilOutput(contains: "never", timeout: .seconds(5))
        }
        #expect(error?.message.contains("exit status 1") == true)
        #expect(error?.message.contains("something else") == true)
    }

    @Test func timesOutWithTheOutputSoFar() async throws {
        let child = try ChildProcess.start("sh", ["-c", "echo partial; sleep 30"])
        let error = await #expect(throws: TestSupportError.self) {
            try await child.waitUntilOutput(contains: "never", timeout: .milliseconds(300))
        }
        #expect(error?.message.contains("partial") == true)
        #expect(child.isRunning)
    }

    @Test func releasingAChildKillsIt() async throws {
        var child: ChildProcess? = try ChildProcess.start("sleep", ["30"])
        let pid = try #require(child?.processIdentifier)
        child = nil
        let gone = try await waitUntil { kill(pid, 0) != 0 || isZombie(pid) }
        #expect(gone)
    }

    @Test func passesEnvironmentAndWorkingDirectory() async throws {
        let folder = try ScratchDirectory.make("cwd")
        let child = try ChildProcess.start(
            "sh", ["-c", "echo \"$ROBOT_TEST_VALUE $(pwd)\""], environment: ["ROBOT_TEST_VALUE": "42"],
            currentDirectory: folder)
        try await child.waitForExit()
        #expect(child.standardOutput == "42 \(folder.resolvingSymlinksInPath().path)\n")
    }

    @Test func namesAMissingExecutable() {
        #expect(throws: TestSupportError.self) { try ChildProcess.start("no-such-program-here") }
    }

    @Test func findsTheBuildFolder() throws {
        let folder = try RepositoryPaths.binDirectory()
        #expect(FileManager.default.fileExists(atPath: folder.appending(path: "TestSupport.build").path))
        #expect(FileManager.default.fileExists(atPath: RepositoryPaths.script("broker.sh").path))
    }

    private func isZombie(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false
    }

    private func waitUntil(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
