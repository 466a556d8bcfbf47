/// One assignment of systemd's notification protocol (`READY=1`, `STATUS=…`), see sd_notify(3).
///
/// Several go into one datagram, one per line, so systemd sees them at once (`READY=1` with its `STATUS=`).
public struct NotifyMessage: Sendable, Equatable, CustomStringConvertible {
    /// `NAME=value`, one line.
    public let assignment: String

    init(_ name: String, _ value: String) {
        assignment = name + "=" + value
    }

    /// Start-up is complete: a `Type=notify` unit becomes active.
    public static let ready = NotifyMessage("READY=1")
    /// The service is shutting down.
    public static let stopping = NotifyMessage("STOPPING=1")
    /// Keep-alive ping for `WatchdogSec=`.
    public static let watchdog = NotifyMessage("WATCHDOG=1")
    /// Ask systemd to act as if the watchdog timed out (the service knows it is broken).
    public static let watchdogTrigger = NotifyMessage("WATCHDOG=trigger")

    /// A one-line state for `systemctl status`; line breaks become spaces (they would end the assignment).
    public static func status(_ text: String) -> NotifyMessage {
        NotifyMessage("STATUS", String(text.map { $0.isNewline ? " " : $0 }))
    }

    private init(_ assignment: String) {
        self.assignment = assignment
    }

    public var description: String { assignment }

    /// The datagram's text: one assignment per line.
    static func datagram(_ messages: [NotifyMessage]) -> String {
        messages.map(\.assignment).joined(separator: "\n")
    }
}
