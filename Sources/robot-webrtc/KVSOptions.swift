import ArgumentParser
import FoundationEssentials
import Glibc
import SystemPackage
import WebRTCProducer

/// The options that make robot-webrtc the master of a Kinesis Video Streams signaling channel instead of
/// robot-server's producer (docs/VIDEO.md, "KVS with robot-webrtc").
struct KVSOptions: ParsableArguments {
    @Option(
        name: .customLong("kvs-channel"),
        help: """
            Signal on Amazon Kinesis Video Streams as the MASTER of this signaling channel (robotd uses the thing \
            name) instead of robot-server: viewers offer, robot-webrtc answers. --server and --token-file are then \
            not used.
            """)
    var channel: String?

    @Option(name: .long, help: "The AWS region of the channel (default: AWS_DEFAULT_REGION). With --kvs-channel.")
    var region: String?

    @Option(
        name: .customLong("aws-credentials-file"),
        help: """
            A JSON file {"accessKeyId","secretAccessKey","sessionToken","expiration"} read again before every \
            signature, so that fresh credentials written there (robotd does, atomically) are used without a \
            restart and without dropping viewers. Default: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and \
            AWS_SESSION_TOKEN, read once at start. With --kvs-channel.
            """)
    var credentialsFile: String?

    @Option(
        name: .customLong("kvs-endpoint"),
        help:
            "The KVS control plane's base URL (default https://kinesisvideo.REGION.amazonaws.com). With --kvs-channel.")
    var endpoint: String?

    @Flag(
        name: .customLong("kvs-create-channel"),
        help: "Create the signaling channel (single master) when it does not exist. With --kvs-channel.")
    var createChannel = false

    @Option(
        name: .customLong("kvs-ca-file"),
        help: """
            A PEM file of the CAs to trust for the KVS endpoints instead of the system's (default: \
            AWS_KVS_CACERT_PATH, as the KVS C SDK sample reads it). With --kvs-channel.
            """)
    var caFile: String?

    @Flag(
        name: .customLong("kvs-no-stun"),
        help: """
            Leave out stun:stun.kinesisvideo.REGION.amazonaws.com:443 from the ICE servers; only with \
            --kvs-endpoint (tests without a route to AWS).
            """)
    var noSTUN = false

    @Option(
        name: .customLong("kvs-max-connection-seconds"),
        help: ArgumentHelp(
            "For tests: replace the master connection after this many seconds instead of 3000 (50 minutes).",
            visibility: .hidden))
    var maxConnectionSeconds: Int?

    /// The options given that only mean something with `--kvs-channel`.
    private var kvsOnlyOptionsGiven: [String] {
        [
            region.map { _ in "--region" }, credentialsFile.map { _ in "--aws-credentials-file" },
            endpoint.map { _ in "--kvs-endpoint" }, createChannel ? "--kvs-create-channel" : nil,
            caFile.map { _ in "--kvs-ca-file" }, noSTUN ? "--kvs-no-stun" : nil,
            maxConnectionSeconds.map { _ in "--kvs-max-connection-seconds" },
        ].compactMap { $0 }
    }

    /// The KVS settings, or nil without `--kvs-channel`; every mistake is one line naming its option.
    func settings(environment: [String: String]) throws -> KVSSettings? {
        guard let channel else {
            if let first = kvsOnlyOptionsGiven.first {
                throw ProducerConfigurationError("\(first) is only used with --kvs-channel NAME")
            }
            return nil
        }
        guard let region = region ?? environment["AWS_DEFAULT_REGION"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ProducerConfigurationError(
                "--kvs-channel needs a region: pass --region (e.g. us-west-2) or set AWS_DEFAULT_REGION")
        }
        if let credentialsFile {
            try Self.checkReadable(credentialsFile, option: "--aws-credentials-file")
        } else {
            for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] where (environment[name] ?? "").isEmpty {
                throw ProducerConfigurationError(
                    "--kvs-channel needs AWS credentials: pass --aws-credentials-file PATH or set \(name) "
                        + "(with AWS_SECRET_ACCESS_KEY and, for temporary credentials, AWS_SESSION_TOKEN)")
            }
        }
        let caFile = caFile ?? environment["AWS_KVS_CACERT_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        if let caFile {
            try Self.checkReadable(caFile, option: self.caFile == nil ? "AWS_KVS_CACERT_PATH" : "--kvs-ca-file")
        }
        return try KVSSettings(
            channel: channel, region: region, credentialsFile: credentialsFile, endpoint: endpoint,
            createChannel: createChannel, caFile: caFile, noSTUN: noSTUN,
            maxConnectionAge: maxConnectionSeconds.map { .seconds($0) } ?? KVSTimings.maxConnectionAge)
    }

    private static func checkReadable(_ path: String, option: String) throws {
        guard access(path, R_OK) == 0 else {
            throw ProducerConfigurationError(
                "\(option): cannot read '\(path)': \(Errno.current) — does it exist and may this user read it?")
        }
    }
}
