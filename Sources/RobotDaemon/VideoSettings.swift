public import Supervision

/// What the video service needs from the configuration, in the units it works in.
public struct VideoSettings: Sendable {
    /// The producer's argv: `video.command` with `{thingName}` replaced, or the one robotd builds for `video.kvs`;
    /// the `audio` section's options appended.
    public var command: [String]
    /// `AWS_DEFAULT_REGION` for the producer.
    public var region: String
    /// `AWS_KVS_CACERT_PATH` for the producer: `video.kvs.caFile`, else the MQTT CA file.
    public var caFile: String
    /// Where the credentials go: nil — the producer's environment (a refresh restarts it); a path — that file,
    /// rewritten at every refresh while the producer keeps running (robot-webrtc as a KVS master).
    public var credentialsFile: String?
    /// SIGTERM, then SIGKILL after this.
    public var stopTimeout: Duration
    public var refreshPolicy: CredentialRefresh<ContinuousClock.Instant>.Policy
    /// Its ``ProducerSupervisor/Policy/handover`` is `.file` exactly when `credentialsFile` is set.
    public var supervisionPolicy: ProducerSupervisor<ContinuousClock.Instant>.Policy

    public init(
        command: [String], region: String, caFile: String, credentialsFile: String? = nil,
        stopTimeout: Duration = .seconds(5),
        refreshPolicy: CredentialRefresh<ContinuousClock.Instant>.Policy = .init(),
        supervisionPolicy: ProducerSupervisor<ContinuousClock.Instant>.Policy = .init()
    ) {
        self.command = command
        self.region = region
        self.caFile = caFile
        self.credentialsFile = credentialsFile
        self.stopTimeout = stopTimeout
        self.refreshPolicy = refreshPolicy
        self.supervisionPolicy = supervisionPolicy
        self.supervisionPolicy.handover = credentialsFile == nil ? .restart : .file
    }
}
