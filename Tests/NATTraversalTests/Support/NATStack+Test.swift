import BrowserControl
import Foundation
import NetworkLab
import StrictJSON
import TestSupport

extension NATStack {
    /// Runs `body` with a started stack and always stops it (and removes its namespaces).
    static func with(
        turn: Bool = true, nat: Bool = true, producerArguments: [String] = [], robotdSections: String? = nil,
        _ body: (NATStack) async throws -> Void
    ) async throws {
        let stack = try await start(
            turn: turn, nat: nat, producerArguments: producerArguments, robotdSections: robotdSections)
        var failure: (any Error)?
        do { try await body(stack) } catch { failure = error }
        await stack.stop()
        if let failure { throw failure }
    }

    /// Opens the drive page in office's browser.
    func openPage() async throws -> BrowserPage {
        try await chromium.open(pageURL)
    }

    /// Waits until the page's `robotPage.stats()` matches; the last stats and robotd's log tail in the error.
    @discardableResult
    func waitForPage(
        _ page: BrowserPage, _ description: String, timeout: Duration = .seconds(30), until match: (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last: JSONValue = .null
        repeat {
            if let stats = try await page.stats() {
                last = stats
                if match(stats) { return stats }
            }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        // A page whose scripts never ran (stats null) says which of its files arrived, and when (ms after navigation).
        let loaded = try? await page.evaluate(
            "document.readyState + ': ' + performance.getEntriesByType('resource').map(e => "
                + "e.name.split('/').pop() + ' ' + Math.round(e.responseEnd) + ' ms ' + e.responseStatus).join(', ')")
        throw TestSupportError(
            "the page never showed \(description) within \(timeout); stats: \(last.serializedString())\n"
                + "page: \(loaded?.stringValue ?? "no answer")\n"
                + "robotd:\n\(robotd.outputTail(lines: 15))\nrobot-server:\n\(server.outputTail(lines: 15))")
    }

    /// The selected path of the page's connected peer connection, from its getStats().
    func path(of page: BrowserPage) async throws -> ICEPath {
        let connection = try requireValue(
            try await PagePeerConnection.find(in: page), "the page has no connected RTCPeerConnection")
        return ICEPath(stats: try await connection.stats())
    }
}
