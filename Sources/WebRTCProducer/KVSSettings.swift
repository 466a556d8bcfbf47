import KinesisVideo

/// Where and as whom robot-webrtc signals on Amazon Kinesis Video Streams: the channel it is the master of, the
/// region, where the AWS credentials come from, and the overrides tests and private endpoints need. With these
/// settings robot-webrtc never talks to robot-server (`--server`/`--token-file` are not used).
public struct KVSSettings: Sendable, Equatable {
    /// The signaling channel's name (robotd uses the thing name).
    public var channel: String
    /// The AWS region, e.g. `us-west-2`.
    public var region: String
    /// A credentials file (`{"accessKeyId","secretAccessKey","sessionToken","expiration"}`) read again before every
    /// signature, so that a rewrite by robotd is used without a restart; nil: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from the environment at start.
    public var credentialsFile: String?
    /// The control plane's base URL instead of `https://kinesisvideo.<region>.amazonaws.com` (tests, VPC endpoints).
    public var endpoint: String?
    /// Create the channel (single master) when `DescribeSignalingChannel` says it does not exist.
    public var createChannel: Bool
    /// A PEM file of the CAs to trust for every KVS endpoint (control plane, ICE config, WSS) instead of the system's.
    public var caFile: String?
    /// Leave out the regional STUN server (only with ``endpoint``: tests on a machine without a route to AWS).
    public var noSTUN: Bool
    /// A connection this old is replaced (``KVSTimings/maxConnectionAge``, 50 minutes; shorter only in tests).
    public var maxConnectionAge: Duration

    public init(
        channel: String, region: String, credentialsFile: String? = nil, endpoint: String? = nil,
        createChannel: Bool = false, caFile: String? = nil, noSTUN: Bool = false,
        maxConnectionAge: Duration = KVSTimings.maxConnectionAge
    ) throws(ProducerConfigurationError) {
        self.channel = channel
        self.region = region
        self.credentialsFile = credentialsFile
        self.endpoint = endpoint
        self.createChannel = createChannel
        self.caFile = caFile
        self.noSTUN = noSTUN
        self.maxConnectionAge = maxConnectionAge
        try validate()
    }

    func validate() throws(ProducerConfigurationError) {
        guard KVSClientID.isValid(channel) else {
            throw ProducerConfigurationError(
                "--kvs-channel: \"\(channel)\" is not a KVS channel name (1 to 256 of a-z A-Z 0-9 _ . -)")
        }
        guard Self.isRegion(region) else {
            throw ProducerConfigurationError(
                "--region: \"\(region)\" is not an AWS region such as us-west-2 (or set AWS_DEFAULT_REGION)")
        }
        if let endpoint {
            guard endpoint.hasPrefix("https://"), endpoint.count > 8 else {
                throw ProducerConfigurationError(
                    "--kvs-endpoint: \"\(endpoint)\" is not an https:// URL (the control plane's base URL)")
            }
        }
        if noSTUN, endpoint == nil {
            throw ProducerConfigurationError(
                "--kvs-no-stun: only with --kvs-endpoint (for tests); on AWS the regional STUN server is needed")
        }
        guard maxConnectionAge >= .seconds(1), maxConnectionAge <= .seconds(3600) else {
            throw ProducerConfigurationError(
                "--kvs-max-connection-seconds: \(maxConnectionAge) is not between 1 s and KVS's limit of one hour")
        }
        if let credentialsFile, credentialsFile.isEmpty {
            throw ProducerConfigurationError("--aws-credentials-file: the path is empty")
        }
        if let caFile, caFile.isEmpty {
            throw ProducerConfigurationError("--kvs-ca-file: the path is empty")
        }
    }

    /// The control plane's base URL, without a trailing slash.
    public var controlPlaneURL: String {
        var base = Substring(endpoint ?? "https://kinesisvideo.\(region).amazonaws.com")
        while base.hasSuffix("/") { base = base.dropLast() }
        return String(base)
    }

    /// The regional STUN server the viewers' SDK also uses, or nil with ``noSTUN``.
    public var stunURL: String? {
        noSTUN ? nil : "stun:stun.kinesisvideo.\(region).amazonaws.com:443"
    }

    /// `xx-name-N` (`us-west-2`, `ap-southeast-1`, `us-gov-west-1`): lower-case words joined by `-`, a number last.
    static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCII),
            last.allSatisfy(\.isNumber)
        else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }
    }
}

extension KVSSettings: CustomStringConvertible {
    /// For logs: the channel, region and where credentials come from (never the credentials).
    public var description: String {
        "kvs channel=\(channel) region=\(region) credentials="
            + (credentialsFile.map { "file:\($0)" } ?? "environment")
            + (endpoint.map { " endpoint=\($0)" } ?? "") + (caFile.map { " caFile=\($0)" } ?? "")
            + (createChannel ? " createChannel" : "") + (noSTUN ? " noSTUN" : "")
    }
}
