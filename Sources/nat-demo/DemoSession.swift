import Basics
import BrowserControl
import Foundation
import NetworkLab
import TestSupport

/// One look at the page through the lab: waits for the first frame (or the page's "no route"), reads the selected
/// candidate pair, then watches for a while, once a second, and adds up what it saw.
struct DemoSession: Sendable {
    let stack: NATStack
    let netem: String?

    /// One second of the watch: what arrived and what the producer aimed at.
    struct Second: Sendable {
        var second: Int
        var rate: String?
        var receivedKbps: Double
        var targetKbps: Int?
        var framesDecoded: Int
    }

    struct Result: Sendable {
        var firstFrameMs: Double?
        var firstSeenMs: Double?
        var path: ICEPath?
        /// The selected pair at the end of the watch (ICE may switch pairs).
        var finalPath: ICEPath?
        /// The page's overlay when it found no route (ICE failed).
        var noRoute: String?
        var seconds = 0
        var frames = 0
        var freezes = 0
        var packetsReceived = 0
        var packetsLost = 0
        var latency = LatencySummary([])
        var misses = 0
        /// Bytes over the window: into office through its uplink (the relay → the viewer) and out of home.
        var officeDownlinkBytes = 0
        var homeUplinkBytes = 0
        var trace: [Second] = []
        var bitrateLines: [String] = []
    }

    func run(seconds: Int, steps: [RateStep]?) async throws -> Result {
        if let netem {
            for link in [NATTopology.Link.homeUplink, .officeUplink] { try stack.topology.shape(link, netem) }
        }
        let page = try await stack.chromium.open(stack.pageURL)
        let probe = PageProbe(page: page)
        let opened = ContinuousClock.now
        var result = Result()
        let deadline = opened + .seconds(45)
        while true {
            let stats = try await page.stats()
            if (stats?["framesDecoded"]?.intValue ?? 0) > 0 {
                result.firstFrameMs = stats?["firstFrameMs"]?.doubleValue
                result.firstSeenMs = Double((ContinuousClock.now - opened).milliseconds)
                break
            }
            if stats?["noRoute"]?.boolValue == true {
                result.noRoute = stats?["overlay"]?.stringValue ?? "(no route; the overlay is empty)"
                return result
            }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError(
                    "no frame and no \"no route\" within 45 s; stats: \(stats?.serializedString() ?? "none")\n"
                        + "robotd:\n\(stack.robotd.outputTail(lines: 10))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let connection = try await PagePeerConnection.find(in: page) else {
            throw TestSupportError("the page shows video but DevTools found no connected RTCPeerConnection")
        }
        let first = ICEPath(stats: try await connection.stats())
        result.path = first
        say("candidate types: \(first.candidateTypes)")
        say("  page \(first.localAddress ?? "?") ⇄ robot \(first.remoteAddress ?? "?")")
        return try await watch(
            page: page, probe: probe, connection: connection, start: first, result: result,
            plan: steps ?? [RateStep(rate: "", seconds: seconds)], shaping: steps != nil)
    }

    private func watch(
        page: BrowserPage, probe: PageProbe, connection: PagePeerConnection, start: ICEPath, result: Result,
        plan: [RateStep], shaping: Bool
    ) async throws -> Result {
        var result = result
        let total = plan.reduce(0) { $0 + $1.seconds }
        say("== watching \(total) s" + (shaping ? " (rate steps on both uplinks; per second: received, target)" : ""))
        _ = try await probe.drain()
        var offsets = ClockOffsets()
        var samples: [ProbeSample] = []
        let officeBefore = try stack.topology.uplinkBytes(.officeUplink)
        let homeBefore = try stack.topology.uplinkBytes(.homeUplink)
        let linesBefore = stack.bitrateTargets().count
        var previous = start
        var second = 0
        let began = ContinuousClock.now
        for step in plan {
            if shaping {
                let options = ((netem.map { $0 + " " } ?? "") + "rate \(step.rate)")
                for link in [NATTopology.Link.homeUplink, .officeUplink] { try stack.topology.shape(link, options) }
            }
            for _ in 0..<step.seconds {
                second += 1
                try await Task.sleep(until: began + .seconds(second))
                let reading = try await probe.drain()
                let offset = offsets.add(try await probe.clockOffsetMs())
                samples += reading.samples.map { $0.shownOnWallClock(offsetMs: offset) }
                result.misses += reading.misses
                let now = ICEPath(stats: try await connection.stats())
                let entry = Second(
                    second: second, rate: shaping ? step.rate : nil,
                    receivedKbps: Double(now.videoBytesReceived - previous.videoBytesReceived) * 8 / 1000,
                    targetKbps: stack.bitrateTargets().last?.kbps, framesDecoded: now.framesDecoded)
                result.trace.append(entry)
                if shaping {
                    say(
                        "  \(second) s  rate \(step.rate)  received \(Int(entry.receivedKbps)) kbit/s  target "
                            + "\(entry.targetKbps.map { "\($0) kbit/s" } ?? "–")  frames +\(now.framesDecoded - previous.framesDecoded)"
                    )
                } else if second % 5 == 0 {
                    say(
                        "  \(second) s: \(now.framesDecoded - start.framesDecoded) frames, \(Int(entry.receivedKbps)) kbit/s"
                    )
                }
                previous = now
            }
        }
        let officeAfter = try stack.topology.uplinkBytes(.officeUplink)
        let homeAfter = try stack.topology.uplinkBytes(.homeUplink)
        result.seconds = total
        result.finalPath = previous
        result.frames = previous.framesDecoded - start.framesDecoded
        result.freezes = previous.freezeCount - start.freezeCount
        result.packetsReceived = previous.videoPacketsReceived - start.videoPacketsReceived
        result.packetsLost = previous.videoPacketsLost - start.videoPacketsLost
        result.latency = LatencySummary(samples.map(\.latencyMs))
        result.officeDownlinkBytes = officeAfter.received - officeBefore.received
        result.homeUplinkBytes = homeAfter.sent - homeBefore.sent
        result.bitrateLines = stack.bitrateTargets().dropFirst(linesBefore).map(\.line)
        return result
    }
}
