import Testing
import WebRTCProducer

/// The bit rate's decisions (``BitrateController``), with time passed in: no clock, no GStreamer.
@Suite struct BitrateControllerTests {
    typealias Controller = BitrateController<ContinuousClock.Instant>
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    /// Receiver reports from viewer 1 once a second from `from` to `to` (both included); the changes they caused.
    func reports(
        _ controller: inout Controller, _ feedback: ReceiverFeedback, from: Int, to: Int, viewer: Int = 1
    ) -> [(second: Int, change: Controller.Change)] {
        (from...to).compactMap { second in
            controller.feedback(feedback, from: viewer, now: at(Double(second))).map { (second, $0) }
        }
    }

    @Test func heavyLossCutsByHalfTheLossPerReport() throws {
        var controller = Controller(startKbps: 4000, minKbps: 150, maxKbps: 4000)
        let first = controller.feedback(ReceiverFeedback(lossFraction: 0.5), from: 1, now: at(0))
        #expect(first == .init(kbps: 3000, reason: .loss(percent: 50)))
        #expect(
            controller.feedback(ReceiverFeedback(lossFraction: 0.5), from: 1, now: at(0.2)) == nil,
            "one decrease per round trip + 300 ms: the next report still counts the old rate's losses")
        let second = controller.feedback(ReceiverFeedback(lossFraction: 0.5, roundTripMs: 100), from: 1, now: at(1))
        #expect(second?.kbps == 2250)
        // With a REMB known, a loss step stops at half of it (stale reports while a queue drains).
        _ = controller.feedback(ReceiverFeedback(rembKbps: 3000), from: 1, now: at(1.5))
        let third = controller.feedback(ReceiverFeedback(lossFraction: 0.9, roundTripMs: 100), from: 1, now: at(2))
        #expect(third?.kbps == 1500)
    }

    @Test func aFallingREMBCutsTheTargetAtOnceWithHeadroom() {
        var controller = Controller(startKbps: 4000, minKbps: 150, maxKbps: 4000)
        #expect(controller.feedback(ReceiverFeedback(rembKbps: 300), from: 1, now: at(0)) == nil, "a first REMB is no signal")
        #expect(controller.feedback(ReceiverFeedback(rembKbps: 5000), from: 1, now: at(0.5)) == nil)
        let change = controller.feedback(ReceiverFeedback(rembKbps: 1000), from: 1, now: at(1))
        #expect(change == .init(kbps: 900, reason: .remb(kbps: 1000)), "90 % of REMB: the rest is headers and audio")
    }

    @Test func aSteadyREMBUnderTheRateDoesNotHoldItBack() {
        var controller = Controller(startKbps: 700, minKbps: 150, maxKbps: 4000)
        // Chromium's additive phase: its estimate trails what it receives by a few percent.
        var climb: [Int] = []
        for second in 0...15 {
            let remb = controller.targetKbps * 105 / 100
            if let change = controller.feedback(
                ReceiverFeedback(lossFraction: 0, rembKbps: remb), from: 1, now: at(Double(second)))
            {
                climb.append(change.kbps)
            }
        }
        #expect(controller.targetKbps > 2000, "700 → \(controller.targetKbps) in 15 s: \(climb)")
    }

    @Test func moderateLossHoldsTheRate() {
        var controller = Controller(startKbps: 2000, minKbps: 150, maxKbps: 4000)
        let changes = reports(&controller, ReceiverFeedback(lossFraction: 0.05), from: 0, to: 30)
        #expect(changes.isEmpty, "2…10 % loss neither decreases nor increases: \(changes)")
        #expect(controller.targetKbps == 2000)
    }

    @Test func cleanReportsClimbBackToTheMaximumSteadilyInTenToTwentySeconds() throws {
        var controller = Controller(startKbps: 4000, minKbps: 150, maxKbps: 4000)
        _ = controller.feedback(ReceiverFeedback(rembKbps: 4400), from: 1, now: at(-0.5))
        _ = controller.feedback(ReceiverFeedback(rembKbps: 1100), from: 1, now: at(0))
        #expect(controller.targetKbps == 990)
        // The link is back: REMB rises with what it receives; the loss-based estimate climbs 10 % a second.
        let changes = reports(&controller, ReceiverFeedback(lossFraction: 0, rembKbps: 8000), from: 1, to: 30)
        let reached = try #require(changes.first { $0.change.kbps == 4000 }?.second, "reaches the maximum: \(changes)")
        #expect((10...20).contains(reached), "back to 4000 after \(reached) s: \(changes)")
        var previous = 990
        for (second, change) in changes {
            #expect(change.reason == .increase)
            #expect(change.kbps > previous && Double(change.kbps) <= Double(previous) * 1.25, "steady at \(second) s")
            previous = change.kbps
        }
    }

    @Test func noIncreaseForTwoSecondsAfterADecrease() {
        var controller = Controller(startKbps: 3000, minKbps: 150, maxKbps: 4000)
        _ = controller.feedback(ReceiverFeedback(lossFraction: 0.2), from: 1, now: at(0))
        #expect(controller.targetKbps == 2700)
        let early = [1, 1.9].compactMap { controller.feedback(ReceiverFeedback(lossFraction: 0), from: 1, now: at($0)) }
        #expect(early.isEmpty, "held after the decrease: \(early)")
        let later = reports(&controller, ReceiverFeedback(lossFraction: 0), from: 3, to: 4)
        #expect(later.first?.change.reason == .increase, "\(later)")
    }

    @Test func smallRembWobbleDoesNotReachTheEncoder() {
        var controller = Controller(startKbps: 4000, minKbps: 150, maxKbps: 4000)
        _ = controller.feedback(ReceiverFeedback(rembKbps: 4400), from: 1, now: at(-0.5))
        _ = controller.feedback(ReceiverFeedback(rembKbps: 2000), from: 1, now: at(0))
        var changes = 0
        for tick in 1...60 {
            let remb = tick % 2 == 0 ? 2080 : 1950
            if controller.feedback(ReceiverFeedback(lossFraction: 0.01, rembKbps: remb), from: 1, now: at(Double(tick) / 2))
                != nil
            {
                changes += 1
            }
        }
        #expect(changes == 0, "±3 % around 2000 kbit/s moves nothing (hysteresis 5 %), moved \(changes) times")
        #expect(controller.targetKbps == 1800)
    }

    @Test func theWorstViewerSetsTheSharedEncoderAndLeavingDoesNotJump() throws {
        var controller = Controller(startKbps: 3000, minKbps: 150, maxKbps: 4000)
        _ = reports(&controller, ReceiverFeedback(lossFraction: 0), from: 0, to: 3, viewer: 2)
        _ = controller.feedback(ReceiverFeedback(rembKbps: 3000), from: 1, now: at(3.2))
        let capped = controller.feedback(ReceiverFeedback(rembKbps: 800), from: 1, now: at(3.5))
        #expect(capped == .init(kbps: 720, reason: .remb(kbps: 800)))
        // The good viewer's reports do not lift the target over the bad one's cap.
        let meanwhile = reports(&controller, ReceiverFeedback(lossFraction: 0), from: 4, to: 10, viewer: 2)
        #expect(meanwhile.isEmpty, "\(meanwhile)")
        let left = controller.viewerLeft(1)
        #expect(left?.kbps == 1080, "at most 50 % above what was sent, not straight to the maximum: \(left)")
        #expect(controller.viewerLeft(2) == .init(kbps: 3000, reason: .noViewers), "the next viewer starts at --bitrate")
        #expect(controller.viewerLeft(2) == nil)
    }

    @Test func theBoundsHold() {
        var controller = Controller(startKbps: 1000, minKbps: 300, maxKbps: 2000)
        _ = controller.feedback(ReceiverFeedback(rembKbps: 1000), from: 1, now: at(-0.5))
        #expect(controller.feedback(ReceiverFeedback(rembKbps: 60), from: 1, now: at(0))?.kbps == 300)
        #expect(controller.feedback(ReceiverFeedback(lossFraction: 0.9), from: 1, now: at(1))?.kbps == nil)
        #expect(controller.targetKbps == 300)
        var free = Controller(startKbps: 1900, minKbps: 300, maxKbps: 2000)
        let climb = reports(&free, ReceiverFeedback(lossFraction: 0), from: 0, to: 30)
        #expect(climb.map(\.change.kbps) == [2000], "onto the bound, never past it: \(climb)")
    }

    @Test func aGrowingRoundTripIsAQueue() {
        var controller = Controller(startKbps: 2000, minKbps: 150, maxKbps: 4000)
        _ = controller.feedback(ReceiverFeedback(lossFraction: 0.03, roundTripMs: 170), from: 1, now: at(0))
        #expect(controller.feedback(ReceiverFeedback(lossFraction: 0.03, roundTripMs: 240), from: 1, now: at(1)) == nil)
        let queued = controller.feedback(ReceiverFeedback(lossFraction: 0, roundTripMs: 900), from: 1, now: at(2))
        #expect(queued == .init(kbps: 1700, reason: .roundTrip(ms: 900)), "no loss yet, but 730 ms of queue")
    }

    @Test func aLongButSteadyRoundTripIsAPathNotAQueue() {
        var controller = Controller(startKbps: 2000, minKbps: 150, maxKbps: 4000)
        _ = controller.feedback(ReceiverFeedback(lossFraction: 0.03, roundTripMs: 5), from: 1, now: at(0))
        // 80 ms more on each of four crossings (a shaped path), then steady: one step down at most, no collapse.
        let changes = (1...20).compactMap { second in
            controller.feedback(
                ReceiverFeedback(lossFraction: 0.03, roundTripMs: 325 + (second % 3) * 10), from: 1, now: at(Double(second)))
        }
        #expect(changes.count == 1 && controller.targetKbps == 1700, "\(changes)")
    }
}

@Suite struct VideoBlockPickerTests {
    @Test func theStreamWithTheMostNewPacketsIsTheVideo() {
        var picker = VideoBlockPicker()
        let video: UInt32 = 11
        let rtx: UInt32 = 12
        let audio: UInt32 = 13
        func report(_ blocks: [(UInt32, UInt8, UInt32)]) -> ReceiverReport {
            ReceiverReport(
                blocks: blocks.map { ReportBlock(ssrc: $0.0, fractionLost: $0.1, highestSequence: $0.2) }, rembKbps: 900,
                roundTripMs: 40)
        }
        let first = picker.feedback(from: report([(video, 5, 1000), (rtx, 0, 10), (audio, 0, 500)]))
        #expect(first == ReceiverFeedback(rembKbps: 900, roundTripMs: 40), "nothing to compare with yet")
        // RTX's "loss" is the gaps between repairs: 200/256; the video (300 new packets) lost 8/256.
        let second = picker.feedback(from: report([(video, 8, 1300), (rtx, 200, 14), (audio, 3, 550)]))
        #expect(second.lossFraction == 8.0 / 256)
        let wrapped = picker.feedback(from: report([(video, 16, 1300 &+ UInt32.max &- 10 &+ 1), (audio, 0, 600)]))
        #expect(wrapped.lossFraction == 0, "a sequence that went backwards is no growth; the audio grew 50")
    }
}

@Suite struct BitrateSettingsTests {
    @Test func boundsDefaultAroundTheStartValueAndAreValidated() throws {
        let plain = try ProducerSettings(server: "ws://x", thing: "t", token: "k", bitrateKbps: 1000)
        #expect(plain.minBitrateKbps == 150 && plain.maxBitrateKbps == 1000 && plain.adaptiveBitrate)
        #expect(plain.description.contains("adaptive=150…1000kbit/s"))
        let low = try ProducerSettings(server: "ws://x", thing: "t", token: "k", bitrateKbps: 100)
        #expect(low.minBitrateKbps == 100, "--bitrate below the default minimum lowers it")
        let off = try ProducerSettings(
            server: "ws://x", thing: "t", token: "k", bitrateKbps: 1000, maxBitrateKbps: 4000, adaptiveBitrate: false)
        #expect(off.description.contains("adaptive=off"))
        let outside = #expect(throws: ProducerConfigurationError.self) {
            try ProducerSettings(server: "ws://x", thing: "t", token: "k", bitrateKbps: 2000, maxBitrateKbps: 1000)
        }
        #expect(outside?.description.contains("--max-bitrate 1000") == true, "\(String(describing: outside))")
        #expect(throws: ProducerConfigurationError.self) {
            try ProducerSettings(server: "ws://x", thing: "t", token: "k", minBitrateKbps: 10)
        }
    }

    @Test func theOfferAsksForREMB() {
        let line = PipelineDescription(
            source: .testPattern, encoder: .x264enc, width: 640, height: 480, framesPerSecond: 30, bitrateKbps: 800
        ).launchLine
        #expect(line.contains("payload=96,rtcp-fb-goog-remb=(boolean)true ! tee"))
    }
}
