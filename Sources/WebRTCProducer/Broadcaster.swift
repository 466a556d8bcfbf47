import Logging
import SignalingProtocol

/// The producer's state — the pipeline, one ``ViewerBranch`` per viewer, the signaling connection's outbox —
/// changed only by ``handle(_:)``, which one task calls for each ``ProducerEvent`` in turn. GStreamer threads and
/// the WebSocket never touch it; they only send events. So there is no lock and no data race.
///
/// `handle` calls into GStreamer synchronously (state changes of a viewer's bin take a few milliseconds);
/// nothing GStreamer does waits for this task, so that cannot deadlock.
final class Broadcaster {
    private let settings: ProducerSettings
    private let pipeline: MediaPipeline
    private let events: AsyncStream<ProducerEvent>.Continuation
    private let logger: Logger
    private let bitrate: BitrateAdaptation

    private var generation = 0
    private var outgoing: AsyncStream<ProducerMessage>.Continuation?
    private var iceServers: [ICEServer] = []
    /// Every branch by serial, detaching ones included.
    private var branches: [Int: ViewerBranch] = [:]
    /// The live branch of each viewer.
    private var serialByViewer: [String: Int] = [:]
    private var lastSerial = 0
    /// The viewer robot-server lets talk through the speaker (the `talker` frame), if any: only its gate is open.
    private var talker: String?

    init(
        settings: ProducerSettings, pipeline: MediaPipeline, events: AsyncStream<ProducerEvent>.Continuation,
        logger: Logger
    ) {
        self.settings = settings
        self.pipeline = pipeline
        self.events = events
        self.logger = logger
        bitrate = BitrateAdaptation(settings: settings, pipeline: pipeline, logger: logger)
    }

    /// Applies one event. Returns false when the producer should stop; throws when the video cannot go on.
    func handle(_ event: ProducerEvent) throws(GStreamerError) -> Bool {
        switch event {
        case .connected(let generation, let outgoing):
            self.generation = generation
            self.outgoing = outgoing
            iceServers = []
        case .message(let generation, let message):
            guard generation == self.generation else { break }
            handleMessage(message)
        case .disconnected(let generation, let keepViewers):
            guard generation == self.generation else { break }
            outgoing?.finish()
            outgoing = nil
            guard !keepViewers else {
                logger.info(
                    "signaling: disconnected; the viewers' peer connections go on",
                    metadata: ["webrtc.viewers": "\(serialByViewer.count)"])
                break
            }
            for serial in Array(serialByViewer.values) {
                detach(serial, reason: "signaling connection lost")
            }
        case .negotiationNeeded(let serial):
            // A branch answering the viewer's offer negotiates from that offer, never from its own.
            guard let branch = liveBranch(serial), branch.offer == nil, !branch.offerRequested else { break }
            logger.debug("webrtc: creating the offer", metadata: metadata(branch))
            branch.createOffer()
        case .offerCreated(let serial, let sdp):
            guard let branch = liveBranch(serial) else { break }
            send(.offer(viewer: branch.viewer, sdp: sdp))
            logger.info("webrtc: offer sent", metadata: metadata(branch))
            do {
                try branch.applyLocalOffer(sdp)
            } catch {
                fail(serial, reason: error.description)
            }
        case .streamReady(let serial):
            guard let branch = liveBranch(serial), branch.noteStreamReady() else { break }
            logger.debug("webrtc: applying the viewer's offer", metadata: metadata(branch))
            do {
                try branch.answer()
            } catch {
                fail(serial, reason: error.description)
            }
        case .answerCreated(let serial, let created):
            guard let branch = liveBranch(serial), let offer = branch.offer else { break }
            let sdp = offer.completing(created)
            do {
                try branch.applyLocalAnswer(sdp)
                send(.answer(viewer: branch.viewer, sdp: sdp))
                logger.info("webrtc: answer sent", metadata: metadata(branch))
            } catch {
                fail(serial, reason: error.description)
            }
        case .localCandidate(let serial, let index, let candidate):
            guard let branch = liveBranch(serial) else { break }
            logger.debug("webrtc: local candidate \(candidate)", metadata: metadata(branch))
            send(.candidate(viewer: branch.viewer, candidate: candidate, sdpMLineIndex: index))
        case .connectionState(let serial, let state):
            handleConnectionState(serial, state)
        case .branchFailed(let serial, let reason):
            fail(serial, reason: reason)
        case .remoteGone(let serial, let reason):
            guard let branch = liveBranch(serial) else { break }
            logger.notice("webrtc: viewer gone: \(reason)", metadata: metadata(branch))
            detach(serial, reason: "viewer gone")
        case .branchUnlinked(let serial):
            guard let branch = branches[serial], branch.noteUnlinked() else { break }
            branches.removeValue(forKey: serial)
            branch.finishDetach()
            logger.info(
                "webrtc: viewer branch removed",
                metadata: metadata(branch).merging(["webrtc.viewers": "\(serialByViewer.count)"]) { $1 })
        case .receiverReport(let serial, let report):
            guard let branch = liveBranch(serial) else { break }
            bitrate.report(report, from: branch)
        case .viewerAudio(let serial, let problem):
            guard let branch = liveBranch(serial) else { break }
            if let problem {
                logger.warning("audio: the viewer's microphone stream: \(problem)", metadata: metadata(branch))
            } else {
                logger.info("audio: receiving the viewer's microphone", metadata: metadata(branch))
            }
        case .pipelineFailed(let text):
            throw GStreamerError("the video pipeline failed: \(text)")
        case .endOfStream:
            throw GStreamerError("the video source ended (camera unplugged or closed?)")
        case .shutdown:
            return false
        }
        return true
    }

    /// Stops the pipeline with every branch and lets go of GStreamer.
    func finish() {
        outgoing?.finish()
        outgoing = nil
        pipeline.stopStreaming()
        for branch in branches.values {
            branch.finishDetach()
        }
        branches.removeAll()
        serialByViewer.removeAll()
        pipeline.shutdown()
    }

    // MARK: signaling

    private func handleMessage(_ message: SignalingMessage) {
        switch message {
        case .welcome(let peer, let servers):
            iceServers = servers
            logger.notice(
                "signaling: connected as the producer",
                metadata: ["webrtc.peer": "\(peer)", "webrtc.iceServers": "\(servers.count)"])
        case .viewerJoined(let viewer, let servers):
            // Fresh TURN credentials for this viewer when robot-server minted some; else the welcome's.
            join(viewer, iceServers: servers ?? iceServers)
        case .offer(let viewer, let sdp):
            answer(viewer, sdp)
        case .iceServers(let servers):
            iceServers = servers
            logger.info("signaling: ICE servers for new viewers", metadata: ["webrtc.iceServers": "\(servers.count)"])
        case .viewerLeft(let viewer):
            guard let serial = serialByViewer[viewer] else {
                logger.debug("signaling: viewer-left for an unknown viewer", metadata: ["webrtc.viewer": "\(viewer)"])
                return
            }
            detach(serial, reason: "viewer left")
        case .answer(let viewer, let sdp):
            guard let branch = branch(of: viewer) else { return }
            do {
                try branch.applyRemoteAnswer(sdp)
                logger.info("webrtc: answer applied", metadata: metadata(branch))
            } catch {
                fail(branch.serial, reason: error.description)
            }
        case .candidate(let viewer, let candidate, let index):
            branch(of: viewer)?.addRemoteCandidate(candidate, sdpMLineIndex: index)
        case .error(let message):
            logger.warning("signaling: the server refused a frame: \(message)")
        case .talker(let viewer):
            setTalker(viewer)
        case .ignored(let type):
            logger.debug("signaling: ignored a \(type) frame")
        }
    }

    /// A viewer's offer: a new branch that answers it, with the current ICE servers; an offer without our codec is
    /// refused (logged, naming what the viewer offered).
    private func answer(_ viewer: String, _ sdp: String) {
        let offer: ViewerOffer
        do {
            offer = try ViewerOffer(sdp, codec: settings.codec)
        } catch {
            if let old = serialByViewer[viewer] {
                detach(old, reason: "the viewer offered a new peer connection")
            }
            logger.warning("webrtc: cannot answer the viewer: \(error)", metadata: ["webrtc.viewer": "\(viewer)"])
            return
        }
        join(viewer, iceServers: iceServers, offer: offer)
    }

    /// A new branch for `viewer`, replacing its old one: it offers, or answers `offer` (the viewer's).
    private func join(_ viewer: String, iceServers: [ICEServer], offer: ViewerOffer? = nil) {
        if let old = serialByViewer[viewer] {
            // robot-server says viewer-joined again when the viewer asked for a new peer connection (`restart`); a
            // KVS viewer offers again.
            detach(old, reason: "viewer joined again: a new peer connection (restart)")
        }
        lastSerial += 1
        let serial = lastSerial
        do {
            let branch = try ViewerBranch(
                serial: serial, viewer: viewer, iceServers: iceServers, iceLoopback: settings.iceLoopback,
                audio: pipeline.audio, answering: offer, events: events)
            branch.setTalking(viewer == talker)
            branches[serial] = branch
            serialByViewer[viewer] = serial
            if branch.refusedTURNServers > 0 {
                logger.warning(
                    """
                    webrtc: webrtcbin refused \(branch.refusedTURNServers) TURN URL(s) from robot-server's \
                    video.iceServers; check their form (turn:host:port?transport=udp) and credentials
                    """)
            }
            try branch.attach(to: pipeline)
            updateFlow()
            let stun = iceServers.lazy.compactMap(\.webrtcbinSTUNServer).first ?? "none"
            let turn = iceServers.flatMap(\.webrtcbinTURNServers).count - branch.refusedTURNServers
            logger.notice(
                "webrtc: viewer joined",
                metadata: metadata(branch).merging([
                    "webrtc.viewers": "\(serialByViewer.count)", "webrtc.stun": "\(stun)", "webrtc.turn": "\(turn)",
                ]) { $1 })
        } catch {
            logger.error(
                "webrtc: cannot serve viewer: \(error)",
                metadata: ["webrtc.viewer": "\(viewer)", "webrtc.branch": "\(serial)"])
            if branches[serial] != nil {
                detach(serial, reason: "set-up failed")
            }
        }
    }

    private func handleConnectionState(_ serial: Int, _ state: PeerConnectionState) {
        guard let branch = liveBranch(serial) else { return }
        switch state {
        case .connected:
            logger.notice("webrtc: viewer connected", metadata: metadata(branch))
            pipeline.requestKeyFrame()
            branch.watchFeedback()
        case .failed, .closed:
            detach(serial, reason: "peer connection \(state)")
        case .new, .connecting, .disconnected:
            logger.info("webrtc: peer connection \(state)", metadata: metadata(branch))
        }
    }

    private func fail(_ serial: Int, reason: String) {
        guard let branch = liveBranch(serial) else { return }
        logger.warning("webrtc: dropping the viewer's peer connection: \(reason)", metadata: metadata(branch))
        detach(serial, reason: "failed")
    }

    /// Starts tearing a branch down; it leaves ``branches`` when the tee pad is unlinked.
    private func detach(_ serial: Int, reason: String) {
        guard let branch = liveBranch(serial) else { return }
        if serialByViewer[branch.viewer] == serial {
            serialByViewer.removeValue(forKey: branch.viewer)
        }
        logger.info("webrtc: closing the viewer's peer connection (\(reason))", metadata: metadata(branch))
        branch.beginDetach()
        bitrate.viewerLeft(branch: serial)
        updateFlow()
    }

    /// Opens the talker's speaker gate and closes everyone else's.
    private func setTalker(_ viewer: String?) {
        talker = viewer
        for (other, serial) in serialByViewer {
            liveBranch(serial)?.setTalking(other == viewer)
        }
        guard let viewer else {
            logger.notice("audio: nobody talks through the robot")
            return
        }
        var detail = serialByViewer[viewer] == nil ? " (not connected to this producer yet)" : ""
        if !settings.audio.plays {
            detail += " (not played: --audio-sink is off)"
        }
        logger.notice("audio: \(viewer) talks through the robot\(detail)", metadata: ["webrtc.viewer": "\(viewer)"])
    }

    private func updateFlow() {
        pipeline.setFlowing(!serialByViewer.isEmpty)
    }

    private func send(_ message: ProducerMessage) {
        guard let outgoing else {
            logger.debug("signaling: not connected, dropped a frame")
            return
        }
        outgoing.yield(message)
    }

    private func liveBranch(_ serial: Int) -> ViewerBranch? {
        guard let branch = branches[serial], !branch.isDetaching else { return nil }
        return branch
    }

    private func branch(of viewer: String) -> ViewerBranch? {
        guard let serial = serialByViewer[viewer] else {
            logger.debug("signaling: frame for an unknown viewer", metadata: ["webrtc.viewer": "\(viewer)"])
            return nil
        }
        return liveBranch(serial)
    }

    private func metadata(_ branch: ViewerBranch) -> Logger.Metadata {
        ["webrtc.viewer": "\(branch.viewer)", "webrtc.branch": "\(branch.serial)"]
    }
}
