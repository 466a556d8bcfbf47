import Basics
public import CredentialProvider
import Logging
import StrictJSON
import Supervision

/// The video service for `config`, or nil when video is off (`video.enabled` false). With a `credentials` section
/// the producer gets AWS credentials from the IoT credential provider (a KVS master: in a file for robot-webrtc,
/// in the environment for the C SDK sample); without one it starts at once with none (`robot-webrtc`, self-hosted
/// video through robot-server).
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

/// What the video service runs: the producer's argv (``producerCommand(_:region:)``, the `audio` options appended),
/// where its credentials go, and its policies.
public func videoSettings(_ config: RobotConfig) -> VideoSettings {
    let video = config.video
    let credentials = config.credentials
    let region = credentials?.region ?? "us-east-1"
    return VideoSettings(
        command: producerCommand(config, region: region) + config.audio.arguments,
        region: region, caFile: video.kvs?.caFile ?? config.mqtt.caFile,
        credentialsFile: video.kvs?.producer == .robotWebRTC ? video.credentialsFile : nil,
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

/// The producer's argv: `video.command` with `{thingName}` replaced, or the KVS master `video.kvs` describes —
/// robot-webrtc `--kvs-channel CHANNEL --region REGION --aws-credentials-file FILE [--kvs-endpoint URL]
/// [--kvs-ca-file FILE] [--kvs-create-channel] ARGUMENTS…`, or the C SDK sample `CHANNEL ARGUMENTS…`.
public func producerCommand(_ config: RobotConfig, region: String) -> [String] {
    guard let kvs = config.video.kvs else {
        return config.video.command.map { $0.replacing("{thingName}", with: config.thingName) }
    }
    switch kvs.producer {
    case .kvsSample:
        return [kvs.executable, kvs.channel] + kvs.arguments
    case .robotWebRTC:
        var argv = [
            kvs.executable, "--kvs-channel", kvs.channel, "--region", region,
            "--aws-credentials-file", config.video.credentialsFile,
        ]
        if let endpoint = kvs.endpoint { argv += ["--kvs-endpoint", endpoint] }
        if let caFile = kvs.caFile { argv += ["--kvs-ca-file", caFile] }
        if kvs.createChannel { argv.append("--kvs-create-channel") }
        return argv + kvs.arguments
    }
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
