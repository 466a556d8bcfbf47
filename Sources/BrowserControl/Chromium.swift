public import Foundation
public import TestSupport

/// Debian's headless Chromium (for tests and `video-bench`) with remote debugging on a free port, and a DevTools connection to it.
///
/// The flags are for tests on a loopback-only host: `--allow-loopback-in-peer-connection` lets WebRTC use
/// 127.0.0.1 candidates; `--no-sandbox` because the tests may run as root; `--remote-allow-origins` because the
/// WebSocket client sends an `Origin`, which DevTools refuses otherwise. A profile of its own in a scratch
/// folder; the process (and its group: renderers, GPU process) is killed by ``stop()``.
public final class Chromium: Sendable {
    public let process: ChildProcess
    public let devtools: DevTools
    public let port: UInt16

    private init(process: ChildProcess, devtools: DevTools, port: UInt16) {
        self.process = process
        self.devtools = devtools
        self.port = port
    }

    /// The browser's executable: `$CHROMIUM`, or `chromium` in PATH (apt-get install chromium).
    public static var executable: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "chromium" }

    /// Starts a browser. Every browser has a fake camera and microphone and grants them without asking
    /// (`--use-fake-device-for-media-stream --use-fake-ui-for-media-stream`); `fakeAudioCapture` makes the
    /// microphone play that WAV file in a loop instead of Chromium's beep.
    public static func start(fakeAudioCapture: URL? = nil) async throws -> Chromium {
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
                    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                    "--window-size=800,900",
                ] + (fakeAudioCapture.map { ["--use-file-for-fake-audio-capture=\($0.path)"] } ?? []) + ["about:blank"])
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
    public func open(_ url: String) async throws -> BrowserPage {
        try await BrowserPage.open(url, in: devtools)
    }

    public func stop() async {
        await devtools.close()
        _ = try? await process.kill()
    }
}
