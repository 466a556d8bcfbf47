import BrowserControl
import Foundation
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// Two robot-server instances behind nginx (``FailoverStack``, `deploy/nginx/robot-server.conf` as shipped but
    /// for its ports): the robot's producer on one, the page on the other, video and driving across them; then the
    /// producer's instance dies (`kill -9`) and everything comes back through the other.
    ///
    /// Needs `nginx` and `chromium` (apt-get install nginx chromium) and the GStreamer plugins robot-webrtc uses.
    @Suite(.timeLimit(.minutes(2))) struct MultiInstanceFailoverTests {
        let browser = BrowserTests()

        @Test func thePageOnTheOtherInstanceWatchesAndDrivesAndRecoversWhenTheProducersInstanceDies() async throws {
            try await FailoverStack.with { stack in
                let (a, b) = (stack.cluster["a"], stack.cluster["b"])

                // least_conn: the producer's socket went to the first instance (a tie); the page's goes to the
                // other, which has none — and is forwarded over the broker to a, the robot's home.
                #expect(b.lines(containing: "a video producer connected").isEmpty, "the producer is on a only")
                let page = try await stack.chromium.open(stack.pageURL)
                let before = try await browser.waitForPage(page, "video decoded through b", timeout: .seconds(20)) {
                    ($0["framesDecoded"]?.intValue ?? 0) >= 30
                }
                #expect(
                    b.lines(containing: "signaling: a viewer forwarded to instance a").count == 1,
                    "b holds the page's socket and forwards it to a:\n\(b.server.outputTail(lines: 30))")
                #expect(
                    a.lines(containing: "signaling: a viewer forwarded from instance b joined").count == 1,
                    "a's room has the page as b's guest:\n\(a.server.outputTail(lines: 30))")

                // The page drives (its REST publishes go to either instance; the lease is a's).
                try await drive(page, stack, "through either instance")

                // kill -9 the producer's instance. nginx's next connection to it is refused (marked down for 5 s)
                // and goes to b; b hears a's last will and closes the page's socket (4003); the page reconnects, the
                // producer reconnects, b becomes home.
                let connections = before["peerConnections"]?.intValue ?? 1
                let killed = ContinuousClock.now
                try await stack.cluster.kill("a")
                try await b.server.waitUntilOutput(contains: "a video producer connected", timeout: .seconds(10))
                let producerBack = ContinuousClock.now - killed
                let after = try await browser.waitForPage(page, "decoding again", timeout: .seconds(20)) {
                    ($0["peerConnections"]?.intValue ?? 0) > connections && ($0["framesDecoded"]?.intValue ?? 0) > 0
                }
                let recovered = ContinuousClock.now - killed
                #expect(
                    !b.lines(containing: "viewers forwarded to it are closed (4003)").isEmpty,
                    "b closed the page's forwarded socket when a went away:\n\(b.server.outputTail(lines: 30))")
                #expect(after["connectionState"] == "connected", "\(after)")
                try await drive(page, stack, "through b alone")
                let driving = ContinuousClock.now - killed
                print(
                    "failover timings: a killed → producer on b \(producerBack), page decoding again \(recovered), "
                        + "page driving again \(driving)")
                #expect(recovered < .seconds(10), "the page decoded again \(recovered) after a died")

                // The balancer's own account: one socket on a (the producer's), the page's first one on b (a
                // WebSocket's line is written when it closes); two drives, so at least a motion and a stop each, and
                // not one answered with an error (a line is written once nginx has answered, which may come a moment
                // after robotd heard the command).
                var log = stack.nginx.accessLog
                func publishes() -> [String] { log.filter { $0.contains(#""POST /robots/sts-pi/publish""#) } }
                let deadline = ContinuousClock.now + .seconds(2)
                while publishes().count < 4, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    log = stack.nginx.accessLog
                }
                let sockets = log.filter { $0.contains(#""GET /robots/sts-pi/signal" 101"#) }
                #expect(
                    sockets.filter { $0.hasSuffix("upstream=127.0.0.1:\(a.port) upstream_status=101") }.count == 1,
                    "a served one signaling socket: \(sockets)")
                #expect(
                    sockets.contains { $0.contains("upstream=127.0.0.1:\(b.port) ") }, "b served the page's: \(sockets)"
                )
                #expect(publishes().count >= 4, "the page's drive commands went through nginx: \(log)")
                let failed = publishes().filter { !$0.contains(#"publish" 202 "#) }
                #expect(failed.isEmpty, "every drive command was accepted: \(failed)")
            }
        }

        /// Holds the up arrow until robotd's simulated motors go forward, then lets go until they stop.
        func drive(_ page: BrowserPage, _ stack: FailoverStack, _ description: String) async throws {
            let mark = stack.motorMark
            try await page.arrowUp(true)
            try await stack.waitForMotors(after: mark, "forward \(description)") { $0 > 0 && $1 > 0 }
            try await page.arrowUp(false)
            try await stack.waitForMotors(after: mark, "to a stop \(description)") { $0 == 0 && $1 == 0 }
        }
    }
}
