public import Basics
import Glibc
public import JSONConfig
import StrictJSON
public import SystemPackage

/// The emergency-stop latch on disk, `<stateDirectory>/estop.json`, so that it survives a restart and a reboot:
/// `{"engaged":true,"since":"<ISO-8601>","id":"<command id or null>"}`, mode 0600.
///
/// Written atomically (a temporary file in the same folder, `fsync`, `rename`, `fsync` of the folder): a power
/// cut leaves the old file or the new one, never half of one. Read fail-safe: a missing file is released, but a
/// file that cannot be read or understood counts as engaged (see ``Saved``).
public struct EstopLatchFile: Sendable {
    public static let fileName = "estop.json"

    /// What the file says at start.
    public enum Saved: Sendable, Equatable {
        /// No file, or `"engaged": false`.
        case released
        /// `"engaged": true`, since when (as written) and by which command.
        case engaged(since: String?, id: String?)
        /// The file exists but cannot be read or understood: robotd treats the latch as engaged (fail safe).
        case unreadable(String)
    }

    /// The state directory (created if needed).
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `<directory>/estop.json`.
    public var path: String { FileAccess.resolve(Self.fileName, against: directory) }

    /// Makes sure `directory` can hold the latch: creates it (0700) if it is missing and its parent exists.
    /// Errors name the `stateDirectory` key, the folder and the reason.
    public static func prepare(directory: String) throws(ConfigError) -> EstopLatchFile {
        var status = stat()
        if stat(directory, &status) != 0 {
            let missing = Errno.current
            let parent = FileAccess.directory(of: directory)
            guard missing == .noSuchFileOrDirectory, access(parent, F_OK) == 0 else {
                throw ConfigError("stateDirectory", "cannot use \(directory): \(missing)")
            }
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw ConfigError("stateDirectory", "cannot create \(directory): \(Errno.current)")
            }
        } else if status.st_mode & S_IFMT != S_IFDIR {
            throw ConfigError("stateDirectory", "\(directory) is not a directory")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw ConfigError("stateDirectory", "cannot write to \(directory): \(Errno.current)")
        }
        return EstopLatchFile(directory: directory)
    }

    /// The latch as saved.
    public func read() -> Saved {
        let bytes: [UInt8]
        switch FileAccess.read(path, limit: 4096) {
        case .success(let contents): bytes = contents
        case .failure(.noSuchFileOrDirectory): return .released
        case .failure(let error): return .unreadable("cannot read it: \(error)")
        }
        guard let value = try? JSONParser.parse(bytes), case .object(let object) = value else {
            return .unreadable("it is not a JSON object")
        }
        guard let engaged = object["engaged"]?.boolValue else {
            return .unreadable(#"it has no "engaged": true or false"#)
        }
        return engaged ? .engaged(since: object["since"]?.stringValue, id: object["id"]?.stringValue) : .released
    }

    /// Saves the latch: engaged (with when and which command) or released.
    public func save(engaged: Bool, id: String?, since: Timestamp) throws(Errno) {
        let contents: JSONValue = .object([
            ("engaged", .bool(engaged)), ("since", .string(since.iso8601)), ("id", id.map(JSONValue.string) ?? .null),
        ])
        try AtomicFile.write(contents.serialized() + [UInt8(ascii: "\n")], to: path, mode: 0o600)
    }
}
