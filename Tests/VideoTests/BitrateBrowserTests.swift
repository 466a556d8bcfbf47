import BrowserControl
import Foundation
import TestSupport
import Testing

extension VideoEndToEnd {
    /// The viewer's feedback reaches the producer on a real Chromium peer connection: receiver reports (loss, the
    /// round trip from LSR/DLSR) and REMB (asked for with goog-remb in the offer), and on a clean link (loopback)
    /// the encoder climbs from --bitrate to --max-bitrate. The lossy and rate-limited links are in the NAT lab
    /// (`NATTraversalLinkTests`).
    @Suite(.timeLimit(.minutes(2))) struct BitrateBrowserTests {
        let browser = BrowserTests()

        @Test func chromiumsReportsAndREMBRaiseTheBitrateOnACleanLink() async throws {
            let arguments = ["--bitrate", "1000", "--max-bitrate", "3000", "--log-level", "debug"]
            try await VideoStack.with(producerArguments: arguments) { stack in
                let page = try await stack.chromium.open(stack.pageURL)
                _ = try await browser.waitForFrames(page, atLeast: 30, timeout: .seconds(20))
                try await browser.waitFor("the bit rate reaches --max-bitrate", timeout: .seconds(40)) {
                    stack.robotd.lines().contains { $0.contains("video bitrate 3000 kbit/s") }
                }
                let lines = stack.robotd.lines()
                let feedback = lines.filter { $0.contains("video feedback") }
                let withREMB = feedback.filter { !$0.contains("webrtc.rembKbps=-") }
                let withReports = feedback.filter { !$0.contains("webrtc.lossFraction=-") }
                let roundTrips = feedback.compactMap { BitrateTrace.number(after: "webrtc.roundTripMs=", in: $0) }
                #expect(!withREMB.isEmpty, "Chromium sends REMB: \(feedback.suffix(5))")
                #expect(!withReports.isEmpty, "Chromium sends receiver reports: \(feedback.suffix(5))")
                #expect(!roundTrips.isEmpty && roundTrips.allSatisfy { $0 < 100 }, "loopback round trips: \(roundTrips)")
                let trace = BitrateTrace(lines: lines)
                #expect(trace.changes.map(\.kbps) == trace.changes.map(\.kbps).sorted(), "only up: \(trace)")
                print("bitrate on loopback: \(trace); \(withREMB.count) REMB, \(withReports.count) reports, RTT \(roundTrips.suffix(5)) ms")
                let stats = try await page.stats() ?? .null
                #expect((stats["framesDecoded"]?.intValue ?? 0) > 30)
            }
        }
    }
}
