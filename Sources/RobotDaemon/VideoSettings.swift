public import Supervision

/// What the video service needs from the configuration, in the units it works in.
public struct VideoSettings: Sendable {
    /// The producer's argv, `{thingName}` already replaced and the `audio` section's options appended.
    public var command: [String]
    /// `AWS_DEFAULT_REGION` for the producer.
    public var region: String
    /// `AWS_KVS_CACERT_PATH` for the producer: the MQTT CA file.
    public var caFile: String
    /// SIGTERM, then SIGKILL after this.
    public var stopTimeout: Duration
    public var refreshPolicy: CredentialRefresh<ContinuousClock.Instant>.Policy
    public var supervisionPolicy: ProducerSupervisor<ContinuousClock.Instant>.Policy

    public init(
        command: [String], region: String, caFile: String, stopTimeout: Duration = .seconds(5),
        refreshPolicy: CredentialRefresh<ContinuousClock.Instant>.Policy = .init(),
        supervisionPolicy: ProducerSupervisor<ContinuousClock.Instant>.Policy = .init()
    ) {
        self.command = command
        self.region = region
        self.caFile = caFile
        self.stopTimeout = stopTimeout
        self.refreshPolicy = refreshPolicy
        self.supervisionPolicy = supervisionPolicy
    }
}
