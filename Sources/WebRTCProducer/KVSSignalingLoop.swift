import Basics
import FoundationEssentials
import Logging
import SignalingProtocol

/// The KVS transport's state and its one loop: each ``KVSSignal`` from a child task changes the state and may
/// start other child tasks (a connection, an ICE fetch, a timer). Only this loop yields ``ProducerEvent``s about
/// the connection's state, so their order is the order the producer needs: `connected`, then the ICE servers,
/// then offers and candidates.
struct KVSSignalingLoop {
    let settings: KVSSettings
    let client: KVSChannelClient
    let events: AsyncStream<ProducerEvent>.Continuation
    let logger: Logger

    /// The newest connection (opening or open); older ones still open are closed once it opens.
    private var current = 0
    /// The connection the producer last heard `connected` for: its messages carry this generation.
    private var announced = 0
    private var outboxes: [Int: AsyncStream<ProducerMessage>.Continuation] = [:]
    /// Failures in a row, for the back-off.
    private var attempt = 0
    private var retryToken = 0
    private var https: URL?
    private var iceServers: [ICEServer] = []
    private var iceToken = 0
    private var iceFetching = false
    /// No ICE configuration yet, or a refresh was due while no connection had endpoints: the next connection fetches
    /// it.
    private var iceStale = true
    private var hold = KVSCandidateHold()

    init(
        settings: KVSSettings, client: KVSChannelClient, events: AsyncStream<ProducerEvent>.Continuation, logger: Logger
    ) {
        self.settings = settings
        self.client = client
        self.events = events
        self.logger = logger
    }

    mutating func run() async {
        let (signals, signal) = AsyncStream.makeStream(of: KVSSignal.self)
        await withDiscardingTaskGroup { group in
            connect(group: &group, signal: signal)
            for await next in signals {
                handle(next, group: &group, signal: signal)
            }
            // Cancelled (the producer stops): say goodbye on every open connection.
            logger.debug("kvs: stopping", metadata: ["kvs.open": "\(outboxes.count)"])
            for outbox in outboxes.values { outbox.finish() }
            group.cancelAll()
        }
        logger.debug("kvs: stopped")
    }

    private mutating func handle(
        _ next: KVSSignal, group: inout DiscardingTaskGroup, signal: AsyncStream<KVSSignal>.Continuation
    ) {
        switch next {
        case .endpoint(let generation, let https):
            if generation == current { self.https = https }
        case .iceServers(let servers, let ttls):
            iceFetching = false
            iceStale = false
            iceServers = servers
            if announced > 0 { events.yield(.message(generation: announced, .iceServers(servers))) }
            let delay = KVSTimings.iceRefreshDelay(ttlSeconds: ttls)
            logger.info(
                "kvs: ICE servers (\(servers.count)) fetched; again in \(delay.milliseconds) ms",
                metadata: ["kvs.iceServers": "\(servers.map(\.description).joined(separator: "; "))"])
            scheduleICE(after: delay, group: &group, signal: signal)
        case .iceFailed(let reason):
            iceFetching = false
            logger.warning("kvs: cannot fetch the ICE configuration: \(reason); trying again in 5 s")
            scheduleICE(after: .seconds(5), group: &group, signal: signal)
        case .iceDue(let token):
            guard token == iceToken else { break }
            fetchICE(group: &group, signal: signal)
        case .opened(let generation, let outbox):
            opened(generation, outbox: outbox, group: &group, signal: signal)
        case .inbound(let generation, let message):
            inbound(message, on: generation, group: &group, signal: signal)
        case .ended(let generation, let ending):
            ended(generation, ending, group: &group, signal: signal)
        case .retry(let token):
            guard token == retryToken else { break }
            connect(group: &group, signal: signal)
        case .ageLimit(let generation):
            guard generation == current, outboxes[generation] != nil else { break }
            logger.notice("kvs: replacing the connection before KVS's one-hour limit (the new one first)")
            connect(group: &group, signal: signal)
        }
    }

    private mutating func opened(
        _ generation: Int, outbox: AsyncStream<ProducerMessage>.Continuation, group: inout DiscardingTaskGroup,
        signal: AsyncStream<KVSSignal>.Continuation
    ) {
        guard generation == current else {
            outbox.finish()  // superseded while it opened
            return
        }
        outboxes[generation] = outbox
        announced = generation
        events.yield(.connected(generation: generation, outgoing: outbox))
        events.yield(.message(generation: generation, .iceServers(iceServers)))
        for (older, other) in outboxes where older != generation {
            other.finish()  // replaced: KVS keeps the newest master anyway
            outboxes.removeValue(forKey: older)
        }
        logger.notice(
            "kvs: connected as the master of channel \(settings.channel)",
            metadata: ["kvs.connection": "\(generation)", "kvs.iceServers": "\(iceServers.count)"])
        let age = settings.maxConnectionAge
        group.addTask {
            try? await Task.sleep(for: age)
            signal.yield(.ageLimit(generation: generation))
        }
    }

    private mutating func inbound(
        _ message: KVSInbound, on generation: Int, group: inout DiscardingTaskGroup,
        signal: AsyncStream<KVSSignal>.Continuation
    ) {
        switch message {
        case .offer(let viewer, let sdp):
            logger.info("kvs: offer from viewer \(viewer)", metadata: ["webrtc.viewer": "\(viewer)"])
            for message in hold.offer(viewer: viewer, sdp: sdp) {
                events.yield(.message(generation: announced, message))
            }
        case .candidate(let viewer, let candidate, let index):
            for message in hold.candidate(viewer: viewer, candidate: candidate, sdpMLineIndex: index) {
                events.yield(.message(generation: announced, message))
            }
        case .goAway:
            guard generation == current else { break }
            logger.notice("kvs: GO_AWAY: reconnecting with a fresh endpoint (viewers stay connected)")
            outboxes.removeValue(forKey: generation)?.finish()
            connect(group: &group, signal: signal)
        case .reconnectICEServer:
            logger.notice("kvs: RECONNECT_ICE_SERVER: fetching the ICE configuration again")
            fetchICE(group: &group, signal: signal)
        case .status(let text):
            logger.warning("kvs: KVS refused a message: \(text)")
        }
    }

    private mutating func ended(
        _ generation: Int, _ ending: KVSEnding, group: inout DiscardingTaskGroup,
        signal: AsyncStream<KVSSignal>.Continuation
    ) {
        let wasOpen = outboxes.removeValue(forKey: generation)
        wasOpen?.finish()
        if wasOpen != nil || generation == announced {
            events.yield(.disconnected(generation: generation, keepViewers: true))
        }
        guard generation == current, !Task.isCancelled else { return }
        let openFor: Duration?
        let credentials: Bool
        switch ending {
        case .closed(let duration, let reason):
            openFor = duration
            credentials = false
            logger.warning("kvs: the connection closed after \(duration.milliseconds / 1000) s: \(reason)")
        case .failed(let reason, let refused):
            openFor = nil
            credentials = refused
            logger.error("kvs: \(reason)")
        }
        attempt = KVSTimings.attempt(after: attempt, openFor: openFor)
        let delay = KVSTimings.backoff.delay(attempt: max(0, attempt - 1))
        retryToken += 1
        let token = retryToken
        let early = credentials ? " (or as soon as the credentials change)" : ""
        logger.notice("kvs: reconnecting in \(delay.milliseconds) ms\(early)")
        let client = client
        group.addTask {
            if credentials {
                await client.waitForNewCredentials(upTo: delay)
            } else {
                try? await Task.sleep(for: delay)
            }
            signal.yield(.retry(token: token))
        }
    }

    /// Starts connection `current + 1`: its endpoints (and the ICE configuration when there is none yet, or a
    /// refresh could not be made) first, then the presigned WebSocket.
    private mutating func connect(group: inout DiscardingTaskGroup, signal: AsyncStream<KVSSignal>.Continuation) {
        current += 1
        retryToken += 1
        let socket = KVSMasterSocket(
            generation: current, client: client, fetchICE: iceStale, signal: signal, logger: logger)
        group.addTask { await socket.run() }
    }

    private mutating func fetchICE(group: inout DiscardingTaskGroup, signal: AsyncStream<KVSSignal>.Continuation) {
        iceToken += 1
        guard !iceFetching else { return }
        guard let https else {
            iceStale = true  // no endpoint yet: the connection being made fetches it
            return
        }
        iceFetching = true
        let client = client
        group.addTask {
            do {
                let (servers, ttls) = try await client.iceServers(https: https)
                signal.yield(.iceServers(servers, ttlSeconds: ttls))
            } catch {
                signal.yield(.iceFailed("\(error)"))
            }
        }
    }

    private mutating func scheduleICE(
        after delay: Duration, group: inout DiscardingTaskGroup, signal: AsyncStream<KVSSignal>.Continuation
    ) {
        iceToken += 1
        let token = iceToken
        group.addTask {
            try? await Task.sleep(for: delay)
            signal.yield(.iceDue(token: token))
        }
    }
}
