import Glibc
import JSONConfig

/// The TURN server's shared secret (coturn's `static-auth-secret`), read from `video.turn.secretFile`.
///
/// Redacted wherever a value can be shown: ``description``, `debugDescription` and its mirror (`dump`, string
/// interpolation of a config that holds it) never contain it. Only ``TURNCredentialMinter`` reads ``bytes``.
public struct TURNSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let bytes: [UInt8]

    public init(_ bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    public var description: String { "(secret redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Reads the secret from `path`: the whole file without its trailing line break(s). Throws naming `keyPath` and
    /// the path when the file is missing, unreadable or empty; `warning` says so when any user may read it. A group
    /// may: the installed robot-server is a systemd `DynamicUser` that reads `/etc/robot` through its group, as
    /// `server.json` (0640 root:robot-server-config).
    static func load(path: String, keyPath: String) throws(ConfigError) -> (secret: TURNSecret, warning: String?) {
        var bytes: [UInt8]
        switch FileAccess.read(path, limit: 64 * 1024) {
        case .success(let read): bytes = read
        case .failure(let error): throw ConfigError(keyPath, "cannot read \(path): \(error)")
        }
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            bytes.removeLast()
        }
        guard !bytes.isEmpty else {
            throw ConfigError(keyPath, "\(path) is empty: put the TURN server's static-auth-secret in it")
        }
        var status = stat()
        var warning: String?
        if stat(path, &status) == 0, status.st_mode & 0o007 != 0 {
            let mode = String(status.st_mode & 0o777, radix: 8)
            warning =
                "\(keyPath): \(path) may be read by any user (mode \(mode)): "
                + "chmod 640 it, group robot-server-config (or 600, owned by robot-server's user)"
        }
        return (TURNSecret(bytes), warning)
    }
}
