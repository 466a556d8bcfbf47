import Basics

/// The rule KVS has for client ids, channel names and the other identifiers of the signaling protocol:
/// `[a-zA-Z0-9_.-]{1,256}`.
public enum KVSClientID {
    /// The longest id KVS accepts.
    public static let maxLength = KVSName.maxLength

    /// Whether `id` is 1 to 256 of `A–Z a–z 0–9 _ . -`.
    public static func isValid(_ id: some StringProtocol) -> Bool {
        KVSName.isValid(id)
    }

    /// nil when `id` is valid, else a one-line reason naming it as `what` (e.g. `recipientClientId`).
    public static func refusal(_ id: String, as what: String) -> String? {
        if id.isEmpty { return "\(what) is empty" }
        if id.utf8.count > maxLength { return "\(what) is \(id.utf8.count) bytes long, more than \(maxLength)" }
        if !isValid(id) { return "\(what) \"\(id.prefix(40))\" has characters outside [a-zA-Z0-9_.-]" }
        return nil
    }
}
