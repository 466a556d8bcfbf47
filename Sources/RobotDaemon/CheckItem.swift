/// One line of `robotd check`: what was checked, how it went, and what fixes it.
public struct CheckItem: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable, Equatable {
        case passed = "✓"
        case warning = "!"
        case failed = "✗"
        case skipped = "-"
    }

    public var status: Status
    /// What was checked: `private key`, `MQTT broker`.
    public var title: String
    /// What was found, or what is wrong and how to fix it.
    public var detail: String

    public init(_ status: Status, _ title: String, _ detail: String) {
        self.status = status
        self.title = title
        self.detail = detail
    }

    /// `✓ private key: /etc/robot/certs/private.pem.key (EC 256-bit)`; one line, whatever the detail holds.
    public var description: String {
        let flat = detail.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "\(status.rawValue) \(title): \(flat)"
    }
}
