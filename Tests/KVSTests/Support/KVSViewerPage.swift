import BrowserControl
import Foundation
import StrictJSON
import TestSupport

/// `Tests/Fixtures/kvs_viewer.html` in headless Chromium: a KVS viewer that connects to a presigned viewer URL, offers
/// (video and audio, receive only), trickles candidates both ways, and reports what it decoded.
///
/// The page is opened from the repository (a `file:` URL); the model's certificate is from the test CA, which the
/// browser does not know, so certificate errors are ignored for the page (DevTools `Security.setIgnoreCertificateErrors`).
struct KVSViewerPage: Sendable {
    let page: BrowserPage

    /// What `kvsViewer.stats()` reports.
    struct Stats: Sendable, CustomStringConvertible {
        var framesDecoded: Int
        var audioPackets: Int
        var width, height: Int
        /// The peer connection's `connectionState` (`new`, `connecting`, `connected`, `failed`…).
        var connectionState: String
        /// The signaling socket: `connecting`, `open`, `closed`.
        var socket: String
        var closeCode: Int?
        /// `messageType` → how many the page received (`SDP_ANSWER`, `ICE_CANDIDATE`, `STATUS_RESPONSE`…).
        var received: [String: Int]
        var errors: [String]
        /// Wall-clock instants (ms since 1970) of `start` and of the first decoded frame.
        var startedAtMs, firstFrameAtMs: Double?

        var description: String {
            "\(framesDecoded) frames (\(width)×\(height)), \(audioPackets) audio packets, peer \(connectionState), "
                + "socket \(socket)\(closeCode.map { " (\($0))" } ?? ""), received \(received), errors \(errors)"
        }
    }

    /// Opens the page in a window of its own and starts it on `url` (a presigned viewer URL); `iceServers` is the
    /// `RTCPeerConnection`'s list (none: host candidates, enough on loopback).
    static func open(in chromium: Chromium, url: URL, iceServers: JSONValue = []) async throws -> KVSViewerPage {
        let page = try await chromium.open(RepositoryPaths.fixture("kvs_viewer.html").absoluteString)
        try await page.call("Security.setIgnoreCertificateErrors", ["ignore": true])
        let deadline = ContinuousClock.now + .seconds(10)
        while try await page.evaluate("typeof window.kvsViewer").stringValue != "object" {
            guard ContinuousClock.now < deadline else { throw TestSupportError("kvs_viewer.html did not load") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let start =
            "window.kvsViewer.start(\(JSONValue.string(url.absoluteString).serializedString()), "
            + "\(iceServers.serializedString()))"
        _ = try await page.evaluate(start)
        return KVSViewerPage(page: page)
    }

    func stats() async throws -> Stats {
        let value = try await page.evaluate("window.kvsViewer.stats()")
        var received: [String: Int] = [:]
        for (type, count) in value["received"]?.objectValue ?? [] { received[type] = count.intValue ?? 0 }
        return Stats(
            framesDecoded: value["framesDecoded"]?.intValue ?? 0, audioPackets: value["audioPackets"]?.intValue ?? 0,
            width: value["width"]?.intValue ?? 0, height: value["height"]?.intValue ?? 0,
            connectionState: value["connectionState"]?.stringValue ?? "none",
            socket: value["socket"]?.stringValue ?? "none", closeCode: value["closeCode"]?.intValue,
            received: received, errors: (value["errors"]?.arrayValue ?? []).compactMap(\.stringValue),
            startedAtMs: value["startedAt"]?.doubleValue, firstFrameAtMs: value["firstFrameAt"]?.doubleValue)
    }

    /// Waits until the page decoded at least `frames` video frames (more than it had at `after`, when given).
    @discardableResult
    func waitForFrames(_ frames: Int = 100, after: Int = 0, timeout: Duration = .seconds(30)) async throws -> Stats {
        let deadline = ContinuousClock.now + timeout
        var last = try await stats()
        while last.framesDecoded < after + frames {
            guard ContinuousClock.now < deadline else {
                throw TestSupportError(
                    "the KVS viewer decoded \(last.framesDecoded - after) of \(frames) frames "
                        + "within \(timeout): \(last)")
            }
            try await Task.sleep(for: .milliseconds(100))
            last = try await stats()
        }
        return last
    }

    /// Closes the socket and the peer connection, then the window.
    func close() async {
        _ = try? await page.evaluate("window.kvsViewer.stop()")
        try? await page.close()
    }
}
