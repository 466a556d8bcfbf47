public import Foundation
public import TestSupport

/// Debian's headless Chromium (for tests and `video-bench`) with remote debugging on a free port, and a DevTools connection to it.
///
/// The flags are for tests on a loopback-only host: `--allow-loopback-in-peer-connection` lets WebRTC use
/// 127.0.0.1 candidates; `--no-sandbox` because the tests may run as root; `--remote-allow-origins` because the
/// WebSocket client sends an `Origin`, which DevTools refuses otherwise. A profile of its own in a scratch
/// folder; the process (and its group: renderers, GPU process) is killed by ``stop()``.
///
/// With a command prefix (`ip netns exec <namespace>`), the browser runs inside a network namespace and its DevTools
/// port is on that namespace's 127.0.0.1: two `socat`s bridge it to this process's 127.0.0.1 through a unix socket
/// (the file system is shared, the network is not), so the namespace gets no extra interface — and WebRTC no extra
/// candidate.
public final class Chromium: Sendable {
    public let process: ChildProcess
    public let devtools: DevTools
    /// The DevTools port as this process reaches it (the bridge's port when the browser runs behind a prefix).
    public let port: UInt16
    /// The `socat` bridge to a browser in a namespace (empty otherwise).
    private let bridge: [ChildProcess]

    private init(process: ChildProcess, devtools: DevTools, port: UInt16, bridge: [ChildProcess] = []) {
        self.process = process
        self.devtools = devtools
        self.port = port
        self.bridge = bridge
    }

    /// The browser's executable: `$CHROMIUM`, or `chromium` in PATH (apt-get install chromium).
    public static var executable: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "chromium" }

    /// Starts a browser. Every browser has a fake camera and microphone and grants them without asking
    /// (`--use-fake-device-for-media-stream --use-fake-ui-for-media-stream`); `fakeAudioCapture` makes the
    /// microphone play that WAV file in a loop instead of Chromium's beep. `commandPrefix` runs the browser
    /// through another program, e.g. `["ip", "netns", "exec", "rlab-…-office"]`.
    public static func start(fakeAudioCapture: URL? = nil, commandPrefix: [String] = []) async throws -> Chromium {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try FreePort.next()
            let profile = try ScratchDirectory.make("chromium-profile")
            let command = commandPrefix + [executable]
            let process = try ChildProcess.start(
                command[0],
                Array(command.dropFirst()) + [
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
                guard !commandPrefix.isEmpty else {
                    return Chromium(process: process, devtools: try await DevTools.connect(url: url), port: port)
                }
                let (bridge, local) = try await Self.bridge(commandPrefix: commandPrefix, port: port, folder: profile)
                do {
                    let devtools = try await DevTools.connect(
                        url: url.replacingOccurrences(of: "127.0.0.1:\(port)/", with: "127.0.0.1:\(local)/"))
                    return Chromium(process: process, devtools: devtools, port: local, bridge: bridge)
                } catch {
                    for socat in bridge { _ = try? await socat.kill() }
                    throw error
                }
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
        for socat in bridge { _ = try? await socat.kill() }
    }

    /// `socat`s from this process's 127.0.0.1 to `port` on the 127.0.0.1 of the namespace `commandPrefix` enters:
    /// there UNIX-LISTEN → TCP, here TCP-LISTEN → UNIX-CONNECT. Returns them and the local port.
    private static func bridge(
        commandPrefix: [String], port: UInt16, folder: URL
    ) async throws -> ([ChildProcess], UInt16) {
        let socket = folder.appending(path: "devtools.sock").path
        let inside = commandPrefix + ["socat", "UNIX-LISTEN:\(socket),fork", "TCP:127.0.0.1:\(port)"]
        let far = try ChildProcess.start(inside[0], Array(inside.dropFirst()))
        var lastError: (any Error)?
        for _ in 0..<3 {
            let local = try FreePort.next()
            let near = try ChildProcess.start(
                "socat", ["TCP-LISTEN:\(local),bind=127.0.0.1,reuseaddr,fork", "UNIX-CONNECT:\(socket)"])
            // Both listen within milliseconds; a connection attempt proves it (socat has no ready line).
            if await Self.listens(port: local, socket: socket) {
                return ([far, near], local)
            }
            lastError = TestSupportError("the DevTools bridge did not listen: \(near.outputTail()) \(far.outputTail())")
            _ = try? await near.kill()
        }
        _ = try? await far.kill()
        throw lastError ?? TestSupportError("the DevTools bridge did not start")
    }

    /// Whether the unix socket exists and `port` on 127.0.0.1 accepts a connection, within 5 s.
    private static func listens(port: UInt16, socket: String) async -> Bool {
        for _ in 0..<250 {
            if FileManager.default.fileExists(atPath: socket),
                let probe = try? await ChildProcess.run(
                    "socat", ["-u", "/dev/null", "TCP:127.0.0.1:\(port)"], timeout: .seconds(2)),
                probe.termination == .exited(0)
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
