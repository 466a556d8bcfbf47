import BrowserControl
import Foundation
import NetworkLab
import StrictJSON
import Testing
import TestSupport

/// What the page and the robot do when the path breaks (`docs/PAGE.md`, `docs/NAT.md` "Network changes"):
/// without TURN the page says there is no route instead of spinning; after the robot's uplink was down for 5 s
/// (with and without the home router forgetting its NAT mappings) the motors have stopped at the command deadline,
/// robotd's MQTT connection carries commands again within 2 s of the link's return and the video decodes again
/// within 5 s, without a page reload.
@Suite(.serialized, .enabled(if: Lab.isAvailable, Lab.skipReason))
struct NATTraversalRecoveryTests {
    /// The page's own limit for a connection that has not connected (peer.js `iceCheckingLimitMs`, 15 s) plus the
    /// time to the offer and a poll's slack. Chromium's own ICE failure on unanswered checks comes much later (more than
    /// 45 s when measured: docs/PAGE.md), so this bound is the page's.
    static let noRouteBound: Duration = .seconds(25)

    @Test("without TURN the page says No route to the robot (ICE failed), never connecting forever")
    func withoutTURNThePageSaysThereIsNoRoute() async throws {
        try await NATStack.with(turn: false) { stack in
            let page = try await stack.openPage()
            let opened = ContinuousClock.now
            // The offer arrives and ICE starts checking; nothing can answer across two symmetric NATs.
            let stats = try await stack.waitForPage(page, "the No route sentence", timeout: Self.noRouteBound) {
                $0["noRoute"] == true
            }
            let shown = ContinuousClock.now - opened
            let overlay = try await page.evaluate("document.getElementById('overlay').textContent").stringValue ?? ""
            print("no TURN: 'No route to the robot' after \(shown) (ice \(stats["ice"] ?? .null)); overlay: \(overlay)")
            #expect(overlay.hasPrefix("No route to the robot: the connection attempt (ICE) failed"), "\(overlay)")
            #expect(overlay.contains("TURN") && overlay.contains("docs/NAT.md"), "the likely cause is named: \(overlay)")
            #expect((stats["framesDecoded"]?.intValue ?? 0) == 0, "no frame crossed the NATs: \(stats)")
            // The link line is redrawn each second.
            var line = ""
            for _ in 0..<20 where !line.hasPrefix("No route to the robot") {
                try await Task.sleep(for: .milliseconds(100))
                line = try await page.evaluate("document.getElementById('link').textContent").stringValue ?? ""
            }
            #expect(line.hasPrefix("No route to the robot: the connection attempt (ICE) failed"), "\(line)")

            // It keeps saying so while it asks for new connections, with back-off.
            let later = try await stack.waitForPage(page, "a retry", timeout: .seconds(20)) {
                ($0["iceRestarts"]?.intValue ?? 0) >= 1
            }
            let stillOverlay = try await page.evaluate("document.getElementById('overlay').textContent").stringValue
            #expect(stillOverlay?.hasPrefix("No route to the robot") == true, "\(stillOverlay ?? "")")
            #expect(later["ice"] != "connected" && later["noRoute"] == true, "\(later)")
            print("no TURN: page restarts after \(ContinuousClock.now - opened): \(later["iceRestarts"] ?? .null)")
        }
    }

    @Test("the home uplink down for 5 s: motors stop at the deadline, MQTT back within 2 s, video within 5 s",
        arguments: [false, true])
    func uplinkOutage(flushNAT: Bool) async throws {
        try await NATStack.with { stack in
            try await outage(stack, flushNAT: flushNAT)
        }
    }

    private func outage(_ stack: NATStack, flushNAT: Bool) async throws {
        let label = flushNAT ? "uplink outage + NAT flush" : "uplink outage"
        let page = try await stack.openPage()
        // Without video the drive and MQTT half still runs (and is reported); the video half is then a failure.
        let video = try? await stack.waitForPage(page, "100 frames through the relay", timeout: .seconds(40)) {
            ($0["framesDecoded"]?.intValue ?? 0) >= 100
        }
        #expect(video != nil, "\(label): the page decoded 100 frames through the relay before the outage")
        _ = try await page.evaluate("window.recoveryMarker = 42")
        let before = try await currentStats(page)

        // Drive forward and keep the key held: the page sends a command every 80 ms, each holding 300 ms.
        try await page.key("keyDown", "ArrowUp", code: 38)
        _ = try await waitForLine(stack.robotd, after: 0, "the motors moving", timeout: .seconds(10), isMoving)

        let mark = stack.robotd.lines().count
        let down = ContinuousClock.now
        try stack.topology.setUplink(.homeUplink, up: false)
        let stop = try await waitForLine(stack.robotd, after: mark, "the motors stopping", timeout: .seconds(3)) {
            $0.contains("simulated motors: left=+0.000 right=+0.000")
        }
        try await Task.sleep(until: down + .seconds(5))
        if flushNAT { try stack.topology.flushNAT(.homeUplink) }
        let afterOutage = stack.robotd.lines().count
        let during = try await currentStats(page)
        try stack.topology.setUplink(.homeUplink, up: true)
        let up = ContinuousClock.now

        async let mqtt = waitForLine(
            stack.robotd, after: afterOutage, "a command after the return", timeout: .seconds(15), isMoving)
        async let frames = waitForVideo(page, since: during, timeout: video == nil ? .zero : .seconds(20))
        let moved = try await mqtt
        let decoding = try? await frames
        try await page.key("keyUp", "ArrowUp", code: 38)

        let stopMs = milliseconds(stop.at - down)
        let mqttMs = milliseconds(moved.at - up)
        let videoMs = decoding.map { milliseconds($0.at - up) }
        print(
            """
            \(label): motors stopped \(stopMs) ms after the link went down; a command moved them again \(mqttMs) ms \
            after it came back; frames decoded increasing again after \(videoMs.map { "\($0) ms" } ?? "never") \
            (connection \(decoding?.stats["peerConnections"] ?? .null), page restarts \
            \(decoding?.stats["iceRestarts"] ?? .null))
            """)
        for line in stack.robotd.lines().dropFirst(mark).filter({ $0.contains("MQTT") || $0.contains("signaling") }) {
            print("  robotd: \(line)")
        }
        // A command holds 300 ms (drive.js HOLD_MS) and the page sends one every 80 ms.
        #expect(stopMs <= 500, "\(label): the motors stop at the command deadline, not \(stopMs) ms later")
        #expect(mqttMs <= 2000, "\(label): robotd receives commands \(mqttMs) ms after the link's return")
        #expect((videoMs ?? .max) <= 5000, "\(label): the video decodes again \(videoMs ?? -1) ms after the return")
        #expect(try await page.evaluate("window.recoveryMarker") == 42, "\(label): the page was not reloaded")
        #expect(
            (decoding?.stats["peerConnections"]?.intValue ?? 0) >= (before["peerConnections"]?.intValue ?? 0),
            "\(decoding?.stats ?? .null)")
    }

    // MARK: helpers

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    private func isMoving(_ line: String) -> Bool {
        line.contains("simulated motors: left=+0.") && !line.contains("left=+0.000")
    }

    /// The page's stats now (a few tries: an evaluation can come back empty while the page is busy).
    private func currentStats(_ page: BrowserPage) async throws -> JSONValue {
        for _ in 0..<10 {
            if let stats = try await page.stats() { return stats }
            try await Task.sleep(for: .milliseconds(100))
        }
        let probe = try await page.evaluate("`${typeof window.robotPage} ${location.href}`")
        throw TestSupportError("the page gives no stats: \(probe)")
    }

    /// The first line of `process` after line `index` that matches, and when this poll (every 20 ms) saw it.
    private func waitForLine(
        _ process: ChildProcess, after index: Int, _ description: String, timeout: Duration,
        _ match: @Sendable (String) -> Bool
    ) async throws -> (line: String, at: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = process.lines().dropFirst(index).first(where: match) { return (line, ContinuousClock.now) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("robotd never logged \(description) in \(timeout)")
    }

    /// When the page's current peer connection decodes frames again: two polls 200 ms apart on the same connection,
    /// the second with at least 3 frames more (30 fps gives 6), after the stats taken during the outage.
    private func waitForVideo(_ page: BrowserPage, since during: JSONValue, timeout: Duration) async throws
        -> (stats: JSONValue, at: ContinuousClock.Instant)
    {
        let deadline = ContinuousClock.now + timeout
        var previous = during
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            guard let stats = try await page.stats() else { continue }
            let sameConnection = stats["peerConnections"] == previous["peerConnections"]
            let more = (stats["framesDecoded"]?.intValue ?? 0) - (previous["framesDecoded"]?.intValue ?? 0)
            if sameConnection, more >= 3 { return (stats, ContinuousClock.now) }
            previous = stats
        }
        throw TestSupportError("the page decoded no frames again within \(timeout); last stats: \(previous)")
    }
}
