public import SystemPackage

/// A notification that could not be sent, or a `NOTIFY_SOCKET` / `WATCHDOG_USEC` that makes no sense.
public struct NotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `NOTIFY_SOCKET` holds something that is not a socket address we can use.
        case badAddress(String)
        /// `WATCHDOG_USEC` is not a positive number of microseconds.
        case badWatchdogInterval(String)
        /// `socket()` or `sendto()` failed with this `errno`.
        case system(call: String, errno: Errno)
    }

    public var kind: Kind
    /// What was wrong, for a log line.
    public var detail: String

    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    static func system(_ call: String, _ number: Int32, address: NotifySocketAddress) -> NotifyError {
        let errno = Errno(rawValue: number)
        return NotifyError(.system(call: call, errno: errno), "\(call) to \(address): \(errno)")
    }

    public var description: String {
        switch kind {
        case .badAddress(let text): "NOTIFY_SOCKET=\(text): \(detail)"
        case .badWatchdogInterval(let text): "WATCHDOG_USEC=\(text): \(detail)"
        case .system: detail
        }
    }
}
