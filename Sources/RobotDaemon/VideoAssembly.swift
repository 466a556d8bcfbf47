import Basics
public import CredentialProvider
import Logging
import StrictJSON
import Supervision

/// The video service for `config`, or nil when video is off (`video.enabled` false). With a `credentials` section
/// the producer gets AWS credentials from the IoT credential provider (the KVS sample); without one it starts at
/// once with none (`robot-webrtc`, self-hosted video through robot-server).
func makeVideoService(config: RobotConfig, drive: DriveService, logger: Logger) -> VideoService? {
    guard config.video.enabled else { return nil }
    var videoLogger = logger
    videoLogger[metadataKey: "robot.service"] = "video"
    return VideoService(
        settings: videoSettings(config),
        client: config.credentials.map { CredentialProviderClient(options: credentialOptions(config, $0)) },
        logger: videoLogger
    ) { reason, extra in
        await drive.reportVideo(reason: reason, extra: extra)
    }
}

/// What the video service runs: the producer's argv (`{thingName}` replaced, the `audio` options appended) and its
/// policies.
public func videoSettings(_ config: RobotConfig) -> VideoSettings {
    let video = config.video
    let credentials = config.credentials
    return VideoSettings(
        command: video.command.map { $0.replacing("{thingName}", with: config.thingName) } + config.audio.arguments,
        region: credentials?.region ?? "us-east-1", caFile: config.mqtt.caFile,
        stopTimeout: .seconds(video.stopTimeoutSeconds),
        refreshPolicy: .init(
            retry: CappedBackoff(
                initial: .milliseconds(credentials?.retryInitialMs ?? 1000),
                maximum: .milliseconds(credentials?.retryMaxMs ?? 300_000))),
        supervisionPolicy: .init(
            restart: CappedBackoff(
                initial: .milliseconds(video.restartInitialMs), maximum: .milliseconds(video.restartMaxMs)))
    )
}

/// The credential provider request for this robot: same certificate, key and CA as MQTT.
public func credentialOptions(_ config: RobotConfig, _ credentials: RobotConfig.Credentials)
    -> CredentialProviderClient.Options
{
    CredentialProviderClient.Options(
        host: credentials.endpoint, port: credentials.port, roleAlias: credentials.roleAlias,
        region: credentials.region, thingName: config.thingName, caFile: config.mqtt.caFile,
        certFile: config.mqtt.certFile, keyFile: config.mqtt.keyFile,
        connectTimeout: .seconds(credentials.connectTimeoutSeconds), timeout: .seconds(credentials.timeoutSeconds))
}
