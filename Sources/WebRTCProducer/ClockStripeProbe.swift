public import CGStreamer
import Basics

/// Paints the wall-clock time into every frame leaving the clock source (``VideoSource/clock``) as a
/// ``ClockStripe``: a buffer probe on the source's pad, so the time is taken when the frame is made, and every
/// step after it — conversion, encoding, the network, the browser's jitter buffer and decoder — counts in the
/// latency the page measures.
///
/// The probe runs on the source's streaming thread; it holds no state, so it needs no lock.
public enum ClockStripeProbe {
    /// Adds the painting probe to `source`'s src pad.
    public static func install(on source: UnsafeMutablePointer<GstElement>) {
        guard let pad = gst_element_get_static_pad(source, "src") else { return }
        defer { gst_object_unref(pad) }
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, paint, nil, nil)
    }

    /// Milliseconds since the Unix epoch, now (CLOCK_REALTIME, as the page's `Date.now()`).
    public static func wallClockMilliseconds() -> UInt64 {
        UInt64(clamping: Timestamp.now().microsecondsSinceEpoch / 1000)
    }

    private static let paint: GstPadProbeCallback = { pad, info, _ in
        guard let pad, let info else { return GST_PAD_PROBE_OK }
        var frame = GstVideoFrame()
        guard cgst_probe_map_i420_frame(info, pad, &frame) != 0 else { return GST_PAD_PROBE_OK }
        defer { gst_video_frame_unmap(&frame) }
        let width = Int(cgst_video_frame_width(&frame))
        let height = Int(cgst_video_frame_height(&frame))
        guard width >= ClockStripe.minimumWidth, height >= ClockStripe.minimumHeight,
            let luma = cgst_video_frame_plane(&frame, 0)
        else { return GST_PAD_PROBE_OK }
        let stride = Int(cgst_video_frame_stride(&frame, 0))
        ClockStripe.paintLuma(
            UnsafeMutableRawBufferPointer(start: luma, count: stride * ClockStripe.rows), stride: stride,
            width: width, milliseconds: wallClockMilliseconds())
        // Neutral chroma under the stripe (I420: half the rows and columns), so the cells are grey levels.
        for plane in UInt32(1)...2 {
            guard let chroma = cgst_video_frame_plane(&frame, plane) else { continue }
            let chromaStride = Int(cgst_video_frame_stride(&frame, plane))
            for row in 0..<(ClockStripe.rows / 2) {
                (chroma + row * chromaStride).update(repeating: 128, count: (width + 1) / 2)
            }
        }
        return GST_PAD_PROBE_OK
    }
}
