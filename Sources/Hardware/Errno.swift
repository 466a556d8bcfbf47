import Glibc

/// A POSIX error number with its symbolic name (`EREMOTEIO`) and a short lower-case meaning, so that
/// hardware errors read well in a log line and can be matched in a `catch` (`catch Errno.resourceBusy`).
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` value.
    public var rawValue: Int32

    /// Wraps a raw `errno` value.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The calling thread's current `errno`.
    public static var current: Errno {
        Errno(rawValue: Glibc.errno)
    }

    /// `EPERM`.
    public static let operationNotPermitted = Errno(rawValue: EPERM)
    /// `ENOENT`.
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// `EINTR`.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EIO`.
    public static let ioError = Errno(rawValue: EIO)
    /// `ENXIO`: some I2C adapters report a missing chip (no ACK) with it.
    public static let noSuchDeviceOrAddress = Errno(rawValue: ENXIO)
    /// `EBADF`.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// `EAGAIN`.
    public static let resourceTemporarilyUnavailable = Errno(rawValue: EAGAIN)
    /// `EACCES`.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EBUSY`.
    public static let resourceBusy = Errno(rawValue: EBUSY)
    /// `ENODEV`.
    public static let noSuchDevice = Errno(rawValue: ENODEV)
    /// `EISDIR`.
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// `EINVAL`.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `ENOTTY`: the ioctl does not apply to this file (e.g. a regular file instead of `/dev/i2c-1`).
    public static let inappropriateIOCTLForDevice = Errno(rawValue: ENOTTY)
    /// `ETIMEDOUT`.
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    /// `EREMOTEIO`: the Raspberry Pi's I2C adapter reports a missing chip (no ACK) with it.
    public static let remoteIO = Errno(rawValue: EREMOTEIO)

    /// The symbolic name, e.g. `ENOENT`, or `errno 123` for a number without one here.
    public var name: String {
        Self.table[rawValue]?.name ?? "errno \(rawValue)"
    }

    /// A short lower-case meaning, e.g. `device or resource busy`.
    public var meaning: String {
        if let entry = Self.table[rawValue] { return entry.meaning }
        guard let text = strerror(rawValue) else { return "unknown error" }
        return String(cString: text).lowercased()
    }

    /// `meaning (NAME)`, e.g. `no such file or directory (ENOENT)`.
    public var description: String {
        "\(meaning) (\(name))"
    }

    /// Matches an `Errno`, or a ``HardwareError`` caused by it, in a `catch` or `switch` pattern.
    public static func ~= (pattern: Errno, value: any Error) -> Bool {
        if let errno = value as? Errno { return errno == pattern }
        if let error = value as? HardwareError { return error.errno == pattern }
        return false
    }

    private static let table: [Int32: (name: String, meaning: String)] = [
        EPERM: ("EPERM", "operation not permitted"),
        ENOENT: ("ENOENT", "no such file or directory"),
        EINTR: ("EINTR", "interrupted system call"),
        EIO: ("EIO", "input/output error"),
        ENXIO: ("ENXIO", "no such device or address"),
        EBADF: ("EBADF", "bad file descriptor"),
        EAGAIN: ("EAGAIN", "resource temporarily unavailable"),
        ENOMEM: ("ENOMEM", "out of memory"),
        EACCES: ("EACCES", "permission denied"),
        EFAULT: ("EFAULT", "bad address"),
        EBUSY: ("EBUSY", "device or resource busy"),
        ENODEV: ("ENODEV", "no such device"),
        ENOTDIR: ("ENOTDIR", "not a directory"),
        EISDIR: ("EISDIR", "is a directory"),
        EINVAL: ("EINVAL", "invalid argument"),
        EMFILE: ("EMFILE", "too many open files"),
        ENOTTY: ("ENOTTY", "inappropriate ioctl for device"),
        EROFS: ("EROFS", "read-only file system"),
        EOPNOTSUPP: ("EOPNOTSUPP", "operation not supported"),
        ETIMEDOUT: ("ETIMEDOUT", "connection timed out"),
        EREMOTEIO: ("EREMOTEIO", "remote I/O error"),
    ]
}
