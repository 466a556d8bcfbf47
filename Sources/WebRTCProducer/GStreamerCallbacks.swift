import CGStreamer

/// The user data of every C callback: which branch it is about and where to report. Immutable, hence `Sendable`:
/// callbacks run on GStreamer's threads and only ever yield a ``ProducerEvent``.
///
/// Handed to C as a +1 `Unmanaged` pointer (``retained()``); the matching release is the destroy notify GLib
/// calls when the signal handler, probe or promise goes away (``GStreamerCallbacks/releaseClosureData`` or
/// ``GStreamerCallbacks/releaseData``).
final class CallbackContext: Sendable {
    let branch: Int
    let events: AsyncStream<ProducerEvent>.Continuation

    init(branch: Int, events: AsyncStream<ProducerEvent>.Continuation) {
        self.branch = branch
        self.events = events
    }

    /// A +1 reference for C.
    func retained() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }

    /// The context behind a C callback's user data, without consuming the reference.
    static func borrowed(_ data: UnsafeMutableRawPointer?) -> CallbackContext {
        Unmanaged<CallbackContext>.fromOpaque(data!).takeUnretainedValue()
    }

    func report(_ event: ProducerEvent) {
        events.yield(event)
    }
}

/// The C callbacks, as `@convention(c)` closures that capture nothing.
enum GStreamerCallbacks {
    /// `GClosureNotify` for `g_signal_connect_data`.
    static let releaseClosureData: GClosureNotify = { data, _ in
        Unmanaged<CallbackContext>.fromOpaque(data!).release()
    }

    /// `GDestroyNotify` for probes and promises.
    static let releaseData: GDestroyNotify = { data in
        Unmanaged<CallbackContext>.fromOpaque(data!).release()
    }

    /// webrtcbin `on-ice-candidate`.
    static let iceCandidate: cgst_ice_candidate_callback = { _, index, candidate, data in
        let context = CallbackContext.borrowed(data)
        guard let candidate else { return }
        context.report(
            .localCandidate(branch: context.branch, sdpMLineIndex: index, candidate: String(cString: candidate)))
    }

    /// webrtcbin `on-negotiation-needed`.
    static let negotiationNeeded: cgst_element_callback = { _, data in
        let context = CallbackContext.borrowed(data)
        context.report(.negotiationNeeded(branch: context.branch))
    }

    /// webrtcbin `notify::connection-state`: read on the notifying thread, reported as a value.
    static let connectionStateChanged: cgst_notify_callback = { object, _, data in
        let context = CallbackContext.borrowed(data)
        let raw = cgst_get_enum(object, "connection-state")
        context.report(.connectionState(branch: context.branch, PeerConnectionState(rawValue: raw) ?? .failed))
    }

    /// rtpbin `on-bye-ssrc`: the viewer's RTP session said goodbye (a browser closing its peer connection).
    static let remoteBye: cgst_ssrc_callback = { _, _, ssrc, data in
        let context = CallbackContext.borrowed(data)
        context.report(.remoteGone(branch: context.branch, reason: "the viewer sent RTCP BYE (SSRC \(ssrc))"))
    }

    /// rtpbin `on-timeout`: the viewer stopped sending RTCP reports (a browser killed or its network gone);
    /// webrtcbin 1.22 does not turn that into a failed connection state itself.
    static let remoteTimeout: cgst_ssrc_callback = { _, _, ssrc, data in
        let context = CallbackContext.borrowed(data)
        context.report(.remoteGone(branch: context.branch, reason: "no RTCP from the viewer (SSRC \(ssrc) timed out)"))
    }

    /// `GClosureNotify` for the `pad-added` handler of ``viewerAudioAdded``.
    static let releaseIncomingAudio: GClosureNotify = { data, _ in
        Unmanaged<IncomingAudio>.fromOpaque(data!).release()
    }

    /// webrtcbin `pad-added`: the viewer's microphone arrived. Linked here, on webrtcbin's thread, before the first
    /// buffer is pushed (an unlinked pad would fail the stream); everything else is the ``Broadcaster``'s.
    static let viewerAudioAdded: cgst_pad_callback = { _, pad, data in
        let incoming = Unmanaged<IncomingAudio>.fromOpaque(data!).takeUnretainedValue()
        let branch = incoming.context.branch
        guard let pad, gst_pad_get_direction(pad) == GST_PAD_SRC else { return }
        guard gst_pad_is_linked(incoming.target) == 0 else {
            incoming.context.report(.viewerAudio(branch: branch, problem: "a second incoming stream, ignored"))
            return
        }
        let result = gst_pad_link(pad, incoming.target)
        incoming.context.report(
            .viewerAudio(
                branch: branch, problem: result == GST_PAD_LINK_OK ? nil : "cannot link it (result \(result.rawValue))")
        )
    }

    /// The reply to `create-offer`: the offer's SDP text, or why there is none.
    static let offerCreated: GstPromiseChangeFunc = { promise, data in
        let context = CallbackContext.borrowed(data)
        context.report(
            description(in: promise, named: "offer", branch: context.branch) {
                .offerCreated(branch: context.branch, sdp: $0)
            })
    }

    /// The reply to `create-answer`: the answer's SDP text, or why there is none.
    static let answerCreated: GstPromiseChangeFunc = { promise, data in
        let context = CallbackContext.borrowed(data)
        context.report(
            description(in: promise, named: "answer", branch: context.branch) {
                .answerCreated(branch: context.branch, sdp: $0)
            })
    }

    /// The session description a `create-offer`/`create-answer` promise replied with (its field `name`), as
    /// `created`'s event, or the branch's failure.
    private static func description(
        in promise: UnsafeMutablePointer<GstPromise>?, named name: String, branch: Int,
        created: (String) -> ProducerEvent
    ) -> ProducerEvent {
        switch replyStructure(promise, doing: "create-\(name)") {
        case .failure(let reason):
            return .branchFailed(branch: branch, reason: reason.description)
        case .success(let reply):
            guard let reply, let value = gst_structure_get_value(reply, name), let boxed = g_value_get_boxed(value)
            else {
                return .branchFailed(branch: branch, reason: "create-\(name) replied without an \(name)")
            }
            let description = boxed.assumingMemoryBound(to: GstWebRTCSessionDescription.self)
            guard let text = gst_sdp_message_as_text(description.pointee.sdp) else {
                return .branchFailed(branch: branch, reason: "the \(name)'s SDP cannot be written")
            }
            defer { g_free(text) }
            return created(String(cString: text))
        }
    }

    /// The reply to `set-local-description`/`set-remote-description`: reports only a failure.
    static let descriptionApplied: GstPromiseChangeFunc = { promise, data in
        let context = CallbackContext.borrowed(data)
        if case .failure(let reason) = replyStructure(promise, doing: "set-description") {
            context.report(.branchFailed(branch: context.branch, reason: reason.description))
        }
    }

    /// An idle probe on the branch's tee pad: no buffer is being pushed, so unlinking cannot race the stream.
    static let unlinkWhenIdle: GstPadProbeCallback = { pad, _, data in
        let context = CallbackContext.borrowed(data)
        if let pad, let peer = gst_pad_get_peer(pad) {
            gst_pad_unlink(pad, peer)
            gst_object_unref(peer)
        }
        context.report(.branchUnlinked(branch: context.branch))
        return GST_PAD_PROBE_REMOVE
    }

    /// The promise's reply (owned by the promise; nil when webrtcbin replied without one, as it does when a
    /// description was applied), or a description of why there is none.
    private static func replyStructure(
        _ promise: UnsafeMutablePointer<GstPromise>?, doing what: String
    ) -> Result<UnsafePointer<GstStructure>?, CallbackFailure> {
        guard let promise else { return .failure(CallbackFailure("\(what): no promise")) }
        // Called from the change function the promise is no longer pending: this returns at once.
        let result = gst_promise_wait(promise)
        guard result == GST_PROMISE_RESULT_REPLIED else {
            return .failure(CallbackFailure("\(what) was interrupted or expired (promise result \(result.rawValue))"))
        }
        guard let reply = gst_promise_get_reply(promise) else {
            return .success(nil)
        }
        if let value = gst_structure_get_value(reply, "error"), let boxed = g_value_get_boxed(value) {
            let error = boxed.assumingMemoryBound(to: GError.self)
            let message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
            return .failure(CallbackFailure("\(what) failed: \(message)"))
        }
        return .success(reply)
    }
}

/// A reason, as an `Error` so that it fits `Result`.
struct CallbackFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
