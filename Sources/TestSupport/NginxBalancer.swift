public import Foundation

/// Debian's nginx running `deploy/nginx/robot-server.conf` — the production file — in front of robot-server
/// instances on 127.0.0.1. `scripts/lib/nginx.sh`'s `write_nginx_config` rewrites the listen port, the upstream
/// ports and the log folder (the same substitution `scripts/bench-fleet.sh` uses); nginx then runs in the
/// foreground with its pid file, logs and temp folders in a scratch folder, so the system's nginx is not touched.
public final class NginxBalancer: Sendable {
    /// Where nginx listens (127.0.0.1).
    public let port: UInt16
    /// The robot-server ports in the `upstream`, in order (least_conn's ties go to the first).
    public let upstreams: [UInt16]
    /// The scratch folder: `nginx.conf`, `robot-server.conf`, `error.log`, `robot-server.access.log`.
    public let directory: URL
    public let process: ChildProcess

    private init(port: UInt16, upstreams: [UInt16], directory: URL, process: ChildProcess) {
        self.port = port
        self.upstreams = upstreams
        self.directory = directory
        self.process = process
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The production file's access log (one line per request, written when it ends — for a WebSocket, when it
    /// closes — with `upstream=` naming the instance that served it).
    public var accessLog: [String] {
        ChildProcess.read(directory.appending(path: "robot-server.access.log")).split(separator: "\n").map(String.init)
    }

    public var errorLog: String { ChildProcess.read(directory.appending(path: "error.log")) }

    /// Writes `nginx.conf` (which includes the rewritten `robot-server.conf`) into `directory`.
    public static func writeConfig(listen: UInt16, upstreams: [UInt16], in directory: URL) async throws {
        let library = RepositoryPaths.scripts.appending(path: "lib/nginx.sh")
        let result = try await ChildProcess.run(
            "bash",
            [
                "-c", #". "$1" && shift && write_nginx_config "$@""#, "write_nginx_config", library.path,
                directory.path,
                String(listen),
            ] + upstreams.map(String.init))
        guard result.termination == .exited(0) else {
            throw TestSupportError("write_nginx_config failed (\(result.termination)): \(result.standardError)")
        }
    }

    /// `nginx -t` on the configuration written in `directory`.
    public static func check(_ directory: URL) async throws -> ChildProcess.Result {
        try await ChildProcess.run("nginx", ["-t", "-p", directory.path, "-c", directory.path + "/nginx.conf"])
    }

    /// Starts nginx in front of `upstreams` on a free port and returns once its workers run. Start it after the
    /// instances listen: a refused connection marks an instance down for `fail_timeout` (5 s).
    public static func start(upstreams: [UInt16]) async throws -> NginxBalancer {
        var attempt = 0
        while true {
            attempt += 1
            let directory = try ScratchDirectory.make("nginx")
            let port = try FreePort.next()
            try await writeConfig(listen: port, upstreams: upstreams, in: directory)
            let process = try ChildProcess.start(
                "nginx", ["-p", directory.path, "-c", directory.path + "/nginx.conf"], outputDirectory: directory)
            let balancer = NginxBalancer(port: port, upstreams: upstreams, directory: directory, process: process)
            let started = try await pollUntil(timeout: .seconds(10)) { () -> Bool? in
                let ended = process.termination
                if balancer.errorLog.contains("start worker process") { return true }
                return ended == nil ? nil : false
            }
            if started == true { return balancer }
            _ = try? await process.kill()
            let why = balancer.errorLog + process.outputTail()
            guard why.contains("Address already in use"), attempt < 5 else {
                throw TestSupportError("nginx did not start (\(directory.path)):\n\(why)")
            }
        }
    }

    /// Stops nginx (SIGTERM: a fast shutdown that closes every connection).
    public func stop() async {
        _ = try? await process.terminate()
    }
}
