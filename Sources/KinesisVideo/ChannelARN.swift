/// A signaling channel's Amazon Resource Name, e.g.
/// `arn:aws:kinesisvideo:us-west-2:123456789012:channel/robot-1/1700000000000`.
public struct ChannelARN: Sendable, Hashable, CustomStringConvertible {
    /// The ARN as AWS wrote it.
    public let value: String

    /// nil unless `value` has the shape KVS documents for a channel ARN:
    /// `arn:<partition>:kinesisvideo:<region>:<account>:<type>/<name>/<creation time>`, at most 1024 characters.
    public init?(_ value: String) {
        let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard value.utf8.count <= 1024, parts.count == 6, parts[0] == "arn", parts[2] == "kinesisvideo",
            !parts[1].isEmpty, !parts[3].isEmpty, !parts[4].isEmpty, parts[4].allSatisfy(\.isASCII),
            parts[4].allSatisfy(\.isNumber)
        else { return nil }
        let resource = parts[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count == 3, !resource[0].isEmpty, KVSClientID.isValid(resource[1]),
            !resource[2].isEmpty, resource[2].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        self.value = value
    }

    public var description: String { value }
}
