import Glibc

/// Tells the service manager that started this process how it is doing — systemd's `Type=notify` readiness,
/// `WatchdogSec=` keep-alive pings, `STOPPING=1`, `STATUS=` — speaking the sd_notify(3) protocol directly:
/// one AF_UNIX datagram per notification to the socket in `NOTIFY_SOCKET`. No libsystemd.
///
/// Sending never blocks (a full socket buffer is an error, not a wait), so a notification cannot stall the
/// caller; the caller decides whether an error matters.
public struct SystemdNotifier: Sendable {
    /// The variables systemd sets for a `Type=notify` service with `WatchdogSec=`.
    public static let variables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]

    public let address: NotifySocketAddress
    /// `WatchdogSec=` as systemd passed it (`WATCHDOG_USEC`), when the watchdog watches this process.
    public let watchdogTimeout: Duration?

    public init(address: NotifySocketAddress, watchdogTimeout: Duration? = nil) {
        self.address = address
        self.watchdogTimeout = watchdogTimeout
    }

    /// How often to ping the watchdog: half its timeout, as sd_watchdog_enabled(3) advises.
    public var watchdogPingInterval: Duration? {
        watchdogTimeout.map { $0 / 2 }
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` through `lookup`.
    ///
    /// Nil when `NOTIFY_SOCKET` is unset or empty: nobody listens (not started by systemd as `Type=notify`).
    /// The watchdog is off when `WATCHDOG_USEC` is unset, or `WATCHDOG_PID` names another process (the
    /// variables were inherited from a parent that systemd watches, not us). `processID` is ours by default.
    /// - Throws: ``NotifyError`` for a `NOTIFY_SOCKET` or `WATCHDOG_USEC` that makes no sense.
    public init?(environment lookup: (String) -> String?, processID: Int32? = nil) throws(NotifyError) {
        guard let socket = lookup("NOTIFY_SOCKET"), !socket.isEmpty else { return nil }
        let address = try NotifySocketAddress(socket)
        var timeout: Duration?
        if let text = lookup("WATCHDOG_USEC"), !text.isEmpty {
            guard let microseconds = Int64(text), microseconds > 0 else {
                throw NotifyError(.badWatchdogInterval(text), "expected a positive number of microseconds")
            }
            let watchedPID = lookup("WATCHDOG_PID").flatMap { Int32($0) }
            if watchedPID == nil || watchedPID == (processID ?? getpid()) {
                timeout = .microseconds(microseconds)
            }
        }
        self.init(address: address, watchdogTimeout: timeout)
    }

    /// ``init(environment:processID:)`` on this process's environment. With `unsetting` (the default) the
    /// three variables are removed afterwards, as `sd_notify(1, …)` does, so that programs this process
    /// starts (the video producer) neither inherit them nor speak for it.
    public static func fromProcessEnvironment(unsetting: Bool = true) throws(NotifyError) -> SystemdNotifier? {
        let notifier = try SystemdNotifier(environment: { name in getenv(name).map { String(cString: $0) } })
        if unsetting {
            for name in variables {
                unsetenv(name)
            }
        }
        return notifier
    }

    /// Sends the messages in one datagram (`READY=1` and its `STATUS=` arrive together).
    public func send(_ messages: NotifyMessage...) throws(NotifyError) {
        try send(messages)
    }

    /// Sends the messages in one datagram.
    public func send(_ messages: [NotifyMessage]) throws(NotifyError) {
        let datagram = Array(NotifyMessage.datagram(messages).utf8)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw NotifyError.system("socket", errno, address: address) }
        defer { close(descriptor) }
        try address.withSocketAddress { socketAddress, length throws(NotifyError) in
            while true {
                let sent = datagram.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
                if sent >= 0 { return }
                if errno != EINTR { throw NotifyError.system("sendto", errno, address: address) }
            }
        }
    }
}
