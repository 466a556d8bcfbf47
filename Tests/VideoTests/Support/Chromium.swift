import Foundation
import TestSupport

/// Debian's headless Chromium with remote debugging on a free port, and a DevTools connection to it.
///
/// The flags are for tests on a loopback-only host: `--allow-loopback-in-peer-connection` lets WebRTC use
/// 127.0.0.1 candidates; `--no-sandbox` because the tests may run as root; `--remote-allow-origins` because the
/// WebSocket client sends an `Origin`, which DevTools refuses otherwise. A profile of its own in a scratch
/// folder; the process (and its group: renderers, GPU process) is killed by ``stop()``.
final class Chromium: Sendable {
    let process: ChildProcess
    let devtools: DevTools
    let port: UInt16

    private init(process: ChildProcess, devtools: DevTools, port: UInt16) {
        self.process = process
        self.devtools = devtools
        self.port = port
    }

    /// The browser's executable: `$CHROMIUM`, or `chromium` in PATH (apt-get install chromium).
    static var executable: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "chromium" }

    static func start() async throws -> Chromium {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try FreePort.next()
            let profile = try ScratchDirectory.make("chromium-profile")
            let process = try ChildProcess.start(
                executable,
                [
                    "--headless=new", "--no-sandbox", "--allow-loopback-in-peer-connection",
                    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=\(port)",
                    "--remote-allow-origins=*",
                    "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
                    "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
                    "--autoplay-policy=no-user-gesture-required", "--disable-background-timer-throttling",
                    "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
                    "--window-size=800,900", "about:blank",
                ])
            do {
                let line = try await process.waitUntilOutput(contains: "DevTools listening on ", timeout: .seconds(30))
                guard let range = line.range(of: "ws://") else {
                    throw TestSupportError("chromium printed no DevTools URL: \(line)")
                }
                let url = String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
                let devtools = try await DevTools.connect(url: url)
                return Chromium(process: process, devtools: devtools, port: port)
            } catch {
                lastError = error
                _ = try? await process.kill()
            }
        }
        throw lastError ?? TestSupportError("chromium did not start")
    }

    /// Opens a page in a window of its own.
    func open(_ url: String) async throws -> BrowserPage {
        try await BrowserPage.open(url, in: devtools)
    }

    func stop() async {
        await devtools.close()
        _ = try? await process.kill()
    }
}
