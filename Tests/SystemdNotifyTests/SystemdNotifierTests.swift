import Glibc
import SystemdNotify
import SystemPackage
import TestSupport
import Testing

/// The environment contract (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`) and the datagrams on a real
/// AF_UNIX socket, in the file system and in the abstract namespace.
@Suite(.timeLimit(.minutes(1))) struct SystemdNotifierTests {
    func notifier(_ variables: [String: String], pid: Int32 = 4242) throws -> SystemdNotifier? {
        try SystemdNotifier(environment: { variables[$0] }, processID: pid)
    }

    @Test func withoutNotifySocketNobodyListens() throws {
        #expect(try notifier([:]) == nil)
        #expect(try notifier(["NOTIFY_SOCKET": ""]) == nil)
        #expect(try notifier(["WATCHDOG_USEC": "200000"]) == nil, "a watchdog without a socket is useless")
    }

    @Test func watchdogUsecSetsTheTimeoutAndThePingIntervalIsHalfOfIt() throws {
        let notifier = try #require(try notifier(["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "200000"]))
        #expect(notifier.watchdogTimeout == .milliseconds(200))
        #expect(notifier.watchdogPingInterval == .milliseconds(100))
        #expect(notifier.address == (try NotifySocketAddress("/run/x")))
    }

    @Test func withoutWatchdogUsecThereIsNoWatchdog() throws {
        let notifier = try #require(try notifier(["NOTIFY_SOCKET": "@abc"]))
        #expect(notifier.watchdogTimeout == nil)
        #expect(notifier.watchdogPingInterval == nil)
    }

    @Test func theWatchdogIsOnlyOursWhenWatchdogPidIsOurs() throws {
        let ours = try #require(
            try notifier(["NOTIFY_SOCKET": "@a", "WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "4242"], pid: 4242))
        #expect(ours.watchdogTimeout == .seconds(5))
        let inherited = try #require(
            try notifier(["NOTIFY_SOCKET": "@a", "WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "17"], pid: 4242))
        #expect(inherited.watchdogTimeout == nil, "a parent's watchdog is not ours to ping")
    }

    @Test(arguments: ["0", "-5", "ten", "1.5"])
    func aWatchdogUsecThatIsNotAPositiveNumberIsRefused(value: String) {
        #expect {
            try notifier(["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": value])
        } throws: { error in
            (error as? NotifyError)?.description
                == "WATCHDOG_USEC=\(value): expected a positive number of microseconds"
        }
    }

    @Test(arguments: [false, true])
    func messagesArriveInOneDatagramPerSend(abstract: Bool) async throws {
        let listener = try NotifySocketListener(abstract: abstract)
        let notifier = try #require(try notifier(["NOTIFY_SOCKET": listener.address], pid: getpid()))
        #expect(notifier.address.namespace == (abstract ? .abstract : .filesystem))
        try notifier.send(.ready, .status("connecting to broker:8883"))
        try notifier.send(.watchdog)
        try notifier.send(.stopping)
        try await listener.waitFor("STOPPING=1")
        let texts = listener.notifications.map(\.text)
        #expect(texts == ["READY=1\nSTATUS=connecting to broker:8883", "WATCHDOG=1", "STOPPING=1"])
        #expect(listener.notifications.allSatisfy { $0.senderPID == getpid() }, "the kernel names us as the sender")
    }

    @Test func aStatusStaysOnOneLine() {
        #expect(NotifyMessage.status("line one\nline two\r\nend").assignment == "STATUS=line one line two end")
        #expect(NotifyMessage.watchdogTrigger.assignment == "WATCHDOG=trigger")
    }

    @Test func sendingToAMissingSocketThrowsAndNamesIt() throws {
        let folder = try ScratchDirectory.make("no-socket")
        let path = folder.appending(path: "nobody.sock").path
        let notifier = try #require(try notifier(["NOTIFY_SOCKET": path]))
        #expect {
            try notifier.send(.ready)
        } throws: { error in
            guard let error = error as? NotifyError, case .system(call: "sendto", errno: Errno(rawValue: ENOENT)) = error.kind else {
                return false
            }
            return error.description == "sendto to \(path): No such file or directory"
        }
    }
}
