import Foundation
import TestSupport
import Testing

/// `deploy/nginx/robot-server.conf`: nginx accepts it as shipped, inside Debian's own `nginx.conf`, and as the tests
/// and the fleet bench run it (`scripts/lib/nginx.sh` rewriting only its ports and log folder).
///
/// Needs `nginx` (apt-get install nginx; scripts/test.sh installs it).
@Suite(.timeLimit(.minutes(1))) struct NginxConfigTests {
    static let shipped = RepositoryPaths.root.appending(path: "deploy/nginx/robot-server.conf")

    @Test func theShippedFilePassesNginxTestInDebiansMainConfig() async throws {
        // Debian's /etc/nginx in a scratch folder, with the file in conf.d/ as docs/INSTALL.md says, and the
        // system's log and pid paths moved into the scratch folder too.
        let etc = try #require(
            FileManager.default.fileExists(atPath: "/etc/nginx/nginx.conf") ? URL(filePath: "/etc/nginx") : nil,
            "Debian's nginx is not installed (apt-get install nginx)")
        let folder = try ScratchDirectory.make("nginx-etc")
        let copy = folder.appending(path: "nginx")
        try FileManager.default.copyItem(at: etc, to: copy)
        try FileManager.default.copyItem(at: Self.shipped, to: copy.appending(path: "conf.d/robot-server.conf"))
        for name in ["nginx.conf", "conf.d/robot-server.conf"] {
            let file = copy.appending(path: name)
            let text = try String(contentsOf: file, encoding: .utf8)
                .replacingOccurrences(of: "/etc/nginx/", with: copy.path + "/")
                .replacingOccurrences(of: "/var/log/nginx/", with: folder.path + "/")
                .replacingOccurrences(of: "/run/nginx.pid", with: folder.path + "/nginx.pid")
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let result = try await ChildProcess.run("nginx", ["-t", "-c", copy.path + "/nginx.conf"])
        #expect(result.termination == .exited(0), "nginx -t: \(result.standardError)")
    }

    @Test func theTestsCopyChangesOnlyPortsAndLogsAndPassesNginxTest() async throws {
        let folder = try ScratchDirectory.make("nginx-written")
        try await NginxBalancer.writeConfig(listen: 18080, upstreams: [18081, 18082, 18083], in: folder)
        let result = try await NginxBalancer.check(folder)
        #expect(result.termination == .exited(0), "nginx -t: \(result.standardError)")

        let shipped = try String(contentsOf: Self.shipped, encoding: .utf8).split(separator: "\n")
        let written = try String(contentsOf: folder.appending(path: "robot-server.conf"), encoding: .utf8)
            .split(separator: "\n")
        let removed = shipped.filter { !written.contains($0) }.map { $0.trimmingCharacters(in: .whitespaces) }
        let added = written.filter { !shipped.contains($0) }.map { $0.trimmingCharacters(in: .whitespaces) }
        // Both upstream blocks (plain requests, WebSockets) get every port, in order.
        func servers(_ ports: [Int]) -> [String] {
            ports.map { "server 127.0.0.1:\($0) max_fails=1 fail_timeout=5s;" }
        }
        #expect(
            removed
                == servers([8081, 8082]) + servers([8081, 8082]) + [
                    "listen 8080;", "access_log /var/log/nginx/robot-server.access.log robot_server;",
                ], "\(removed)")
        #expect(
            added
                == servers([18081, 18082, 18083]) + servers([18081, 18082, 18083]) + [
                    "listen 127.0.0.1:18080;", "access_log \(folder.path)/robot-server.access.log robot_server;",
                ], "\(added)")
    }
}
