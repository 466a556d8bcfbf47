import Glibc
public import SystemPackage

/// The few file operations configuration loading needs, without Foundation.
public enum FileAccess {
    /// The whole file, or the reason it cannot be read (its `description` is `No such file or directory`).
    public static func read(_ path: String, limit: Int = 1 << 20) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(rawValue: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(rawValue: errno))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return .failure(.fileTooLarge)
    }

    /// nil when `path` is readable by this process, else why not.
    public static func readability(_ path: String) -> Errno? {
        access(path, R_OK) == 0 ? nil : Errno(rawValue: errno)
    }

    /// The folder part of a path (`/etc/robot` for `/etc/robot/config.json`, `.` for `config.json`).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` resolved against `directory` unless it is absolute.
    public static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") ? path : (directory == "." ? path : "\(directory)/\(path)")
    }
}
