public import Basics

/// Temporary AWS credentials from the IoT credential provider.
///
/// Secrets: ``description``, ``debugDescription`` and the mirror (`dump`, string interpolation in a log line) show
/// none of the key id, the secret or the token — only when they expire. The only place the values go is the video
/// producer's environment (``environment(region:caFile:)``).
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String
    /// When AWS stops accepting them.
    public var expiration: Timestamp

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String, expiration: Timestamp) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String {
        "AWSCredentials(accessKeyID: <redacted>, secretAccessKey: <redacted>, sessionToken: <redacted>, "
            + "expiration: \(expiration.iso8601))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["expiration": expiration], displayStyle: .struct)
    }

    /// The variables the KVS WebRTC producer reads: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `AWS_DEFAULT_REGION` and `AWS_KVS_CACERT_PATH`, as `NAME=value` entries.
    public func environment(region: String, caFile: String) -> [String] {
        [
            "AWS_ACCESS_KEY_ID=\(accessKeyID)",
            "AWS_SECRET_ACCESS_KEY=\(secretAccessKey)",
            "AWS_SESSION_TOKEN=\(sessionToken)",
            "AWS_DEFAULT_REGION=\(region)",
            "AWS_KVS_CACERT_PATH=\(caFile)",
        ]
    }
}
