public import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What swift-system's `Errno` leaves out and error messages here want: the calling thread's `errno`, Linux's
/// `EREMOTEIO`, and the symbolic name (`ENOENT`) beside the `strerror` text that `description` gives.
extension Errno {
    /// The calling thread's current `errno` (swift-system keeps its own accessor internal).
    public static var current: Errno {
        Errno(rawValue: errno)
    }

    #if os(Linux)
        /// `EREMOTEIO`: the Raspberry Pi's I2C adapter reports a chip that does not answer (no ACK) with it.
        public static var remoteIO: Errno {
            Errno(rawValue: EREMOTEIO)
        }
    #endif

    /// The symbolic name, e.g. `ENOENT`; nil for a number not in the table.
    public var symbol: String? {
        errnoSymbols[rawValue]
    }

    /// ``symbol``, or `errno 123` for a number without one.
    public var name: String {
        symbol ?? "errno \(rawValue)"
    }
}

/// The names of the `errno` values these programs meet (outside the extension: inside it, `EPERM` is Errno's).
private let errnoSymbols: [CInt: String] = {
    var table: [CInt: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF",
        EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST",
        ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENFILE: "ENFILE",
        EMFILE: "EMFILE", ENOTTY: "ENOTTY", EFBIG: "EFBIG", ENOSPC: "ENOSPC", EROFS: "EROFS", EPIPE: "EPIPE",
        ELOOP: "ELOOP", ENAMETOOLONG: "ENAMETOOLONG", EDQUOT: "EDQUOT", ENOLCK: "ENOLCK",
        EOPNOTSUPP: "EOPNOTSUPP", ECONNREFUSED: "ECONNREFUSED", ECONNRESET: "ECONNRESET", ETIMEDOUT: "ETIMEDOUT",
        ESRCH: "ESRCH", ECHILD: "ECHILD", ENOEXEC: "ENOEXEC", E2BIG: "E2BIG",
    ]
    #if os(Linux)
        table[EREMOTEIO] = "EREMOTEIO"
    #endif
    return table
}()
