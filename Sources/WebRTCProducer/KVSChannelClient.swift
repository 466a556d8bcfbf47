import AsyncHTTPClient
import FoundationEssentials
import KinesisVideo
import Logging
import NIOSSL
import SignalingProtocol
import Synchronization

/// The KVS calls the master needs, on KinesisVideo's ``KVSControlPlane``: the channel's ARN (described once, created
/// when asked), its MASTER endpoints, the ICE servers, the presigned WebSocket URL. Every call reads the credentials
/// source again (a file robotd rewrites), so a rotation is used at the next signature.
final class KVSChannelClient: Sendable {
    let settings: KVSSettings
    let credentials: AWSCredentialsSource
    /// For the WebSocket: the system's CAs, or the CA file's.
    let tls: TLSConfiguration
    private let httpClient: HTTPClient
    private let controlPlane: KVSControlPlane
    private let logger: Logger
    private let arn = Mutex<ChannelARN?>(nil)

    /// The client id the master asks TURN credentials for (KVS's rule: `[a-zA-Z0-9_.-]{1,256}`).
    static let masterClientID = "robot-webrtc-master"

    init(settings: KVSSettings, logger: Logger) throws(KVSError) {
        self.settings = settings
        self.logger = logger
        credentials = settings.credentialsFile.map(AWSCredentialsSource.file) ?? .environment
        tls = try KVSTLS.configuration(caFile: settings.caFile)
        httpClient = try KVSControlPlane.makeHTTPClient(caFile: settings.caFile)
        controlPlane = KVSControlPlane(
            region: settings.region, endpoint: settings.endpoint.flatMap(URL.init(string:)), credentials: credentials,
            httpClient: httpClient, logger: logger)
    }

    func shutdown() async {
        try? await httpClient.shutdown()
    }

    /// The channel's ARN: described the first time (created if it does not exist and ``KVSSettings/createChannel``),
    /// then remembered.
    func channelARN() async throws(KVSError) -> ChannelARN {
        if let known = arn.withLock({ $0 }) { return known }
        let found: ChannelARN
        do {
            found = try await controlPlane.describeSignalingChannel(name: settings.channel)
        } catch let error where error.kind == .notFound && settings.createChannel {
            logger.notice("kvs: channel \(settings.channel) does not exist; creating it (single master)")
            found = try await controlPlane.createSignalingChannel(name: settings.channel)
        }
        logger.info("kvs: channel \(settings.channel) is \(found)")
        arn.withLock { $0 = found }
        return found
    }

    func endpoints(arn: ChannelARN) async throws(KVSError) -> KVSSignalingEndpoints {
        try await controlPlane.signalingEndpoints(arn: arn, role: .master)
    }

    /// The regional STUN server (unless ``KVSSettings/noSTUN``) and KVS's TURN servers, with their `Ttl`s.
    func iceServers(https: URL) async throws(KVSError) -> (servers: [ICEServer], ttlSeconds: [Int]) {
        let turn = try await controlPlane.iceServerConfig(
            https: https, arn: try await channelARN(), clientId: Self.masterClientID)
        let stun = settings.stunURL.map { [ICEServer(urls: [$0])] } ?? []
        return (
            stun + turn.map { ICEServer(urls: $0.uris, username: $0.username, credential: $0.password) },
            turn.map(\.ttl)
        )
    }

    /// The master's WebSocket URL on `wss`, presigned now with the current credentials.
    func presignedURL(wss: URL, arn: ChannelARN) throws(KVSError) -> String {
        do {
            let signing = try credentials.current()
            return try KVSPresignedURL.master(
                wss: wss, arn: arn, credentials: signing, region: settings.region, date: .now()
            ).absoluteString
        } catch let error as KVSError {
            throw error
        } catch {
            throw KVSError(.credentialsUnavailable, operation: "ConnectAsMaster", message: "\(error)")
        }
    }

    /// Returns when the credentials source gives other credentials than now (robotd rewrote the file), or after
    /// `limit`: a refused signature is tried again as soon as there is something new to sign with.
    func waitForNewCredentials(upTo limit: Duration) async {
        let before = try? credentials.current()
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let step = min(KVSTimings.credentialPoll, deadline - ContinuousClock.now)
            guard (try? await Task.sleep(for: step)) != nil else { return }
            if let now = try? credentials.current(), now != before {
                logger.notice("kvs: the credentials changed; connecting again now")
                return
            }
        }
    }
}
