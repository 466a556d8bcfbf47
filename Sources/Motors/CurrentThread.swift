import Glibc

/// The calling thread's Linux identity through `/proc/thread-self`, as Swift's Glibc module does not expose
/// `gettid()` and `pthread_setname_np()` (they need `_GNU_SOURCE`). Diagnostics only: failures are ignored.
enum CurrentThread {
    /// The kernel thread id (as in `/proc/self/task/<id>` and `top -H`), or nil if `/proc` is not mounted.
    static func id() -> Int32? {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let link = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { Int32($0) }
    }

    /// Names the calling thread (at most 15 bytes are kept), as shown by `top -H` and `ps -L`.
    static func setName(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
