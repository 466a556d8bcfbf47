public import Foundation

/// Configuration tests need the TLS files a config names to exist and be readable — loading checks no more.
/// Placeholder files do that without the shared test PKI, whose first use blocks every caller while
/// `scripts/pki.sh` runs (on 2 CPUs, dozens of blocked tests stall the cooperative pool for seconds).
public enum PlaceholderFiles {
    /// A scratch folder with `pki/ca.crt`, `pki/robot-server.{crt,key}` and `pki/admin.{crt,key}` (not real
    /// certificates) and `name` holding `text`; returns the config file.
    public static func config(
        _ text: String, name: String = "config.json", label: String = "server-config"
    ) throws -> URL {
        let folder = try ScratchDirectory.make(label)
        let pki = folder.appending(path: "pki")
        try FileManager.default.createDirectory(at: pki, withIntermediateDirectories: true)
        for file in ["ca.crt", "robot-server.crt", "robot-server.key", "admin.crt", "admin.key"] {
            try Data("placeholder, not a certificate\n".utf8).write(to: pki.appending(path: file))
        }
        let file = folder.appending(path: name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
