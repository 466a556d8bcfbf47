import Basics
import CredentialProvider
import Glibc
import JSONConfig
import StrictJSON
import SystemPackage

/// `video.credentialsFile`: the AWS credentials robotd hands to robot-webrtc (a KVS master), which reads the file
/// again whenever it signs a request — so a refresh rewrites it and the producer keeps running.
///
/// The credential provider's own `credentials` object, `{"accessKeyId":…,"secretAccessKey":…,"sessionToken":…,
/// "expiration":"<ISO-8601>"}`, mode 0600 in a folder robotd creates 0700 if it is missing (systemd's
/// `RuntimeDirectory=robot` makes `/run/robot`, a tmpfs: the secrets never reach a disk). Replaced atomically
/// (``AtomicFile``), so a read never sees half a file; removed when video stops. Its contents are never logged.
struct CredentialsFile: Sendable {
    let path: String

    struct WriteError: Error, CustomStringConvertible {
        let path: String
        let what: String
        let errno: Errno

        var description: String {
            "cannot \(what) \(path) (video.credentialsFile): \(errno) — under systemd the unit's "
                + "RuntimeDirectory=robot makes /run/robot; elsewhere point video.credentialsFile into a folder "
                + "robotd may write"
        }
    }

    /// Writes `credentials` (creating the folder, 0700, if its parent exists).
    func write(_ credentials: AWSCredentials) throws(WriteError) {
        let folder = FileAccess.directory(of: path)
        if access(folder, F_OK) != 0 {
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
                throw WriteError(path: folder, what: "create the folder", errno: .current)
            }
        }
        do throws(Errno) {
            try AtomicFile.write(Self.contents(credentials), to: path, mode: 0o600)
        } catch {
            throw WriteError(path: path, what: "write the AWS credentials to", errno: error)
        }
    }

    /// Deletes the file (nothing if it is not there).
    func remove() {
        unlink(path)
    }

    /// The file's bytes: one JSON object and a newline.
    static func contents(_ credentials: AWSCredentials) -> [UInt8] {
        let object: JSONValue = .object([
            ("accessKeyId", .string(credentials.accessKeyID)),
            ("secretAccessKey", .string(credentials.secretAccessKey)),
            ("sessionToken", .string(credentials.sessionToken)),
            ("expiration", .string(credentials.expiration.iso8601)),
        ])
        return object.serialized() + [UInt8(ascii: "\n")]
    }
}
