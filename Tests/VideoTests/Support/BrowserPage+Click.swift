import BrowserControl
import Foundation
import StrictJSON
import TestSupport

extension BrowserPage {
    /// Clicks the element with id `id` where a person would: a mouse press and release at its centre. Throws when
    /// the element is not shown there (hidden, or covered by another element), so a click also proves it is visible.
    func click(_ id: String) async throws {
        _ = try await evaluate("document.getElementById('\(id)')?.scrollIntoView({ block: 'nearest' }); true")
        let centre = try await centre(of: "#\(id)")
        let hit = try await evaluate(
            "(() => { const e = document.elementFromPoint(\(centre.x), \(centre.y)); "
                + "return e && (e.id === '\(id)' || e.closest('#\(id)') !== null); })()")
        guard hit == true else {
            throw TestSupportError("#\(id) is not shown at its centre \(centre): hidden or covered")
        }
        try await mouse("mousePressed", x: centre.x, y: centre.y)
        try await mouse("mouseReleased", x: centre.x, y: centre.y)
    }

    /// The up arrow pressed and held (`down`) or let go: the page drives forward while it is held.
    func arrowUp(_ down: Bool) async throws { try await key(down ? "keyDown" : "keyUp", "ArrowUp", code: 38) }
}

extension VideoEndToEnd.BrowserTests {
    /// Saves what `page` shows as `name` under ``artifacts`` (for a person to look at; never committed).
    static func saveScreenshot(_ page: BrowserPage, _ name: String) async throws {
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        try await page.screenshot().write(to: artifacts.appending(path: name))
    }
}
