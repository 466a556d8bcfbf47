import CGStreamer
import Foundation
import Testing
import TestSupport
import WebRTCProducer

/// The latency probe's picture code, without GStreamer: what is painted is what is read back, and a damaged
/// stripe is refused rather than read as a wrong time.
@Suite struct ClockStripeTests {
    static let times: [UInt64] = [0, 1, 1_764_000_000_000, 1_796_380_800_123, (1 << 48) - 1]

    @Test(arguments: times) func cellsSayTheTimeTheyWereMadeFrom(milliseconds: UInt64) {
        let cells = ClockStripe.cells(for: milliseconds)
        #expect(cells.count == 64)
        #expect(Array(cells[0..<2]) == [true, false], "the start marker")
        #expect(Array(cells[58...]) == [false, true, false, true, false, true], "the end marker")
        #expect(ClockStripe.time(fromCells: cells) == milliseconds)
    }

    @Test func anyOneFlippedCellIsRefused() {
        let cells = ClockStripe.cells(for: 1_796_380_800_123)
        for index in cells.indices {
            var damaged = cells
            damaged[index].toggle()
            #expect(ClockStripe.time(fromCells: damaged) == nil, "cell \(index) flipped was read as a time")
        }
    }

    @Test func brightnessIsThresholdedHalfwayBetweenTheMarkerCells() {
        let cells = ClockStripe.cells(for: 1_796_380_800_123)
        // A dim, low-contrast picture (as after a poor encode): white 150, black 90.
        let dim = cells.map { $0 ? 150.0 : 90.0 }
        #expect(ClockStripe.time(fromBrightness: dim) == 1_796_380_800_123)
        #expect(ClockStripe.time(fromBrightness: Array(repeating: 128, count: 64)) == nil, "a flat grey frame")
        #expect(ClockStripe.time(fromBrightness: Array(dim.prefix(63))) == nil, "63 cells")
    }

    @Test(arguments: [256, 640, 641, 1280, 1918]) func cellsTileTheWidthExactly(width: Int) {
        let spans = (0..<64).map { ClockStripe.columns(ofCell: $0, width: width) }
        #expect(spans.first?.lowerBound == 0 && spans.last?.upperBound == width)
        for (left, right) in zip(spans, spans.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
        #expect(spans.allSatisfy { $0.count >= width / 64 })
    }

    @Test(arguments: [(640, 640), (641, 644)]) func aPaintedPlaneReadsBack(width: Int, stride: Int) {
        var plane = [UInt8](repeating: 77, count: stride * 20)
        plane.withUnsafeMutableBytes { bytes in
            ClockStripe.paintLuma(bytes, stride: stride, width: width, milliseconds: 1_796_380_800_123)
        }
        #expect(plane.withUnsafeBytes { ClockStripe.decodeLuma($0, stride: stride, width: width) } == 1_796_380_800_123)
        #expect(plane[16 * stride] == 77, "the stripe stays within its 16 rows")
    }
}

/// The probe in a real GStreamer pipeline: frames painted at the source, encoded with H.264 (x264) and decoded
/// again (OpenH264), still say when they were made — in order, and within the time the pipeline ran.
@Suite struct ClockStripePipelineTests {
    @Test func timesSurviveH264AndComeOutInOrder() throws {
        try GStreamer.initialize()
        let output = try ScratchDirectory.make("clock-stripe").appending(path: "frames.i420")
        let line = """
            videotestsrc name=\(VideoSource.clockSourceName) is-live=true num-buffers=30 pattern=smpte \
            horizontal-speed=4 ! video/x-raw,format=I420,width=640,height=480,framerate=30/1 \
            ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=600 ! h264parse ! openh264dec \
            ! videoconvert ! video/x-raw,format=I420 ! filesink location=\(output.path)
            """
        var error: UnsafeMutablePointer<GError>?
        let parsed = gst_parse_launch(line, &error)
        try #require(error == nil && parsed != nil, "cannot build `\(line)`")
        let pipeline = try #require(parsed)
        defer { gst_object_unref(pipeline) }
        let source = try #require(gst_bin_get_by_name(cgst_bin(pipeline), VideoSource.clockSourceName))
        ClockStripeProbe.install(on: source)
        gst_object_unref(source)

        let started = ClockStripeProbe.wallClockMilliseconds()
        gst_element_set_state(pipeline, GST_STATE_PLAYING)
        let bus = try #require(gst_element_get_bus(pipeline))
        defer { gst_object_unref(bus) }
        let ended = GstMessageType(rawValue: GST_MESSAGE_EOS.rawValue | GST_MESSAGE_ERROR.rawValue)
        let message = gst_bus_timed_pop_filtered(bus, 20_000_000_000, ended)
        let finished = ClockStripeProbe.wallClockMilliseconds()
        gst_element_set_state(pipeline, GST_STATE_NULL)
        let kind = message.map { cgst_message_type($0) }
        if let message { gst_message_unref(message) }
        try #require(kind == GST_MESSAGE_EOS, "the pipeline did not reach its end (error or 20 s timeout)")

        let frameSize = 640 * 480 * 3 / 2
        let data = try Data(contentsOf: output)
        #expect(data.count == 30 * frameSize, "30 decoded 640×480 I420 frames (\(data.count) bytes)")
        let times = stride(from: 0, to: data.count - frameSize + 1, by: frameSize).map { offset in
            data.withUnsafeBytes { bytes in
                ClockStripe.decodeLuma(
                    UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 640 * 16)]), stride: 640, width: 640)
            }
        }
        let decoded = times.compactMap { $0 }
        #expect(decoded.count == times.count, "every frame's stripe decodes: \(times)")
        #expect(zip(decoded, decoded.dropFirst()).allSatisfy { $0 < $1 }, "strictly increasing: \(decoded)")
        #expect(decoded.allSatisfy { (started...finished).contains($0) }, "\(decoded) within \(started)…\(finished)")
        // 30 frames of a live 30 fps source span about a second.
        if let first = decoded.first, let last = decoded.last {
            #expect((800...1300).contains(last - first), "the frames span \(last - first) ms")
        }
    }
}
