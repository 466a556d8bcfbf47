import Basics
import JSONConfig
import Glibc
public import SystemPackage

/// A small file replaced atomically: a temporary file in the same folder (created with `mode`, `fsync`ed), a
/// `rename` over the old one, and an `fsync` of the folder. A reader — or a power cut — sees the old file or the
/// new one, never half of one.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(Errno) {
        let folder = FileAccess.directory(of: path)
        let name = String(path.split(separator: "/").last ?? "file")
        let temporary = FileAccess.resolve(".\(name).\(getpid()).tmp", against: folder)
        do throws(Errno) {
            try writeSynced(temporary, bytes, mode: mode)
            guard rename(temporary, path) == 0 else { throw Errno.current }
        } catch {
            unlink(temporary)
            throw error
        }
        // The rename is durable once the folder's entry is on disk.
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Errno.current }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Errno.current }
    }

    private static func writeSynced(_ file: String, _ bytes: [UInt8], mode: mode_t) throws(Errno) {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Errno.current }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw Errno.current }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw Errno.current }
    }
}
