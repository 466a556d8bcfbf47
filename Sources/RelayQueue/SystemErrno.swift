import Glibc

/// Names of the `errno` values a database file's I/O meets, for error messages.
enum SystemErrno {
    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EACCES: "EACCES", EBUSY: "EBUSY", EEXIST: "EEXIST",
        ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE",
        ENOSPC: "ENOSPC", EROFS: "EROFS", ELOOP: "ELOOP", ENAMETOOLONG: "ENAMETOOLONG", EDQUOT: "EDQUOT",
        EAGAIN: "EAGAIN", ENOLCK: "ENOLCK", ENOMEM: "ENOMEM", EFBIG: "EFBIG",
    ]

    /// `ENOENT: No such file or directory`.
    static func describe(_ number: Int32) -> String {
        let meaning = strerror(number).map { String(cString: $0) } ?? "unknown error"
        return "\(names[number] ?? String(number)): \(meaning)"
    }
}
