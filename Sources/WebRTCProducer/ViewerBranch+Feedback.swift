import CGStreamer

/// The viewer's RTCP, read for the bit rate (``BitrateAdaptation``).
extension ViewerBranch {
    /// Connects to the RTP session's `on-receiving-rtcp` once the peer connection is up (webrtcbin creates its
    /// rtpbin session while negotiating; with max-bundle every stream is session 0). Each compound RTCP packet
    /// with a report block or a REMB becomes a ``ProducerEvent/receiverReport(branch:_:)``. Idempotent.
    func watchFeedback() {
        guard !watchesFeedback, let rtpbin = gst_bin_get_by_name(cgst_bin(webrtc), "rtpbin") else { return }
        defer { gst_object_unref(rtpbin) }
        guard let session = cgst_rtpbin_internal_session(rtpbin, 0) else { return }
        defer { g_object_unref(session) }
        watchesFeedback = true
        cgst_connect_buffer_signal(
            session, "on-receiving-rtcp", GStreamerCallbacks.receivingRTCP,
            CallbackContext(branch: serial, events: events).retained(), GStreamerCallbacks.releaseClosureData)
    }

    /// Bounds the video's retransmissions (``RetransmissionBudget``): the rtprtxsend webrtcbin made for the
    /// `do-nack` transceiver keeps `historyMs` of packets to send again. Returns how many retransmissions it sent
    /// so far, or nil while it does not exist yet (before negotiation).
    func limitRetransmissions(historyMs: Int) -> UInt32? {
        guard let sender = cgst_bin_find_by_factory(webrtc, "rtprtxsend") else { return nil }
        defer { gst_object_unref(sender) }
        cgst_set_uint(sender, "max-size-time", UInt32(historyMs))
        cgst_set_uint(sender, "max-size-packets", Self.retransmissionPackets)
        return cgst_get_uint(sender, "num-rtx-packets")
    }

    /// The history's packet bound beside its time bound: a second at 4 Mbit/s is ~400 packets.
    static var retransmissionPackets: UInt32 { 1000 }
}

extension GStreamerCallbacks {
    /// RTPSession `on-receiving-rtcp`, on the RTCP streaming thread: parsed here (``cgst_rtcp_read_feedback``),
    /// reported as a value.
    static let receivingRTCP: cgst_buffer_callback = { _, buffer, data in
        let context = CallbackContext.borrowed(data)
        var parsed = cgst_rtcp_feedback()
        guard let buffer, cgst_rtcp_read_feedback(buffer, &parsed) != 0 else { return }
        let blocks = withUnsafeBytes(of: parsed.ssrc) { ssrcs in
            withUnsafeBytes(of: parsed.fraction_lost) { fractions in
                withUnsafeBytes(of: parsed.highest_sequence) { highest in
                    (0..<Int(parsed.blocks)).map { index in
                        ReportBlock(
                            ssrc: ssrcs.load(fromByteOffset: index * 4, as: UInt32.self), fractionLost: fractions[index],
                            highestSequence: highest.load(fromByteOffset: index * 4, as: UInt32.self))
                    }
                }
            }
        }
        let report = ReceiverReport(
            blocks: blocks, rembKbps: parsed.remb_bps > 0 ? Int(parsed.remb_bps / 1000) : nil,
            roundTripMs: parsed.round_trip_ms >= 0 ? Int(parsed.round_trip_ms) : nil)
        context.report(.receiverReport(branch: context.branch, report))
    }
}
