import CGStreamer

/// One of an answering branch's send streams carried with the viewer's payload type (``ViewerOffer``): a probe on
/// the branch's queue, in front of webrtcbin, sets the PT of every packet and the `payload` of the caps. The tee's
/// buffers are shared with the other viewers, so each is made writable first (only its header block is copied).
/// The first caps to pass report ``ProducerEvent/streamReady(branch:)``: webrtcbin's `create-answer` needs them.
final class PayloadTypeRewrite: Sendable {
    let payloadType: UInt8
    let context: CallbackContext

    init(payloadType: Int, context: CallbackContext) {
        self.payloadType = UInt8(truncatingIfNeeded: payloadType & 0x7f)
        self.context = context
    }

    /// Installs the probe on `pad` (the probe holds a reference to this object until it is removed with the pad).
    func install(on pad: UnsafeMutablePointer<GstPad>) {
        let mask =
            GST_PAD_PROBE_TYPE_BUFFER.rawValue | GST_PAD_PROBE_TYPE_BUFFER_LIST.rawValue
            | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM.rawValue
        gst_pad_add_probe(
            pad, GstPadProbeType(rawValue: mask), GStreamerCallbacks.rewritePayloadType,
            Unmanaged.passRetained(self).toOpaque(), GStreamerCallbacks.releasePayloadTypeRewrite)
    }
}

extension GStreamerCallbacks {
    /// The payload-type probe, on the branch's streaming thread.
    static let rewritePayloadType: GstPadProbeCallback = { _, info, data in
        let rewrite = Unmanaged<PayloadTypeRewrite>.fromOpaque(data!).takeUnretainedValue()
        if let info, cgst_probe_set_payload_type(info, rewrite.payloadType) != 0 {
            rewrite.context.report(.streamReady(branch: rewrite.context.branch))
        }
        return GST_PAD_PROBE_OK
    }

    /// `GDestroyNotify` of the payload-type probe.
    static let releasePayloadTypeRewrite: GDestroyNotify = { data in
        Unmanaged<PayloadTypeRewrite>.fromOpaque(data!).release()
    }
}
