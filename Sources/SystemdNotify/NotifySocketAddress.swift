import Glibc

/// Where systemd listens for a service's notifications: the `NOTIFY_SOCKET` variable, an AF_UNIX datagram
/// socket named by an absolute path (`/run/systemd/notify`) or, with a leading `@`, in the abstract namespace
/// (`@/org/freedesktop/systemd1/notify/…`, no file; the `@` stands for the leading NUL byte).
public struct NotifySocketAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Namespace: Sendable, Equatable {
        /// A socket file.
        case filesystem
        /// The Linux abstract socket namespace.
        case abstract
    }

    public let namespace: Namespace
    /// The name without the leading `@` of an abstract address.
    public let name: String

    /// The most bytes `sun_path` holds (108 on Linux).
    static let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    /// Parses `NOTIFY_SOCKET`. Other forms (e.g. `vsock:` of newer systemd versions) are refused.
    public init(_ text: String) throws(NotifyError) {
        if text.hasPrefix("@") {
            namespace = .abstract
            name = String(text.dropFirst())
            guard !name.isEmpty else { throw NotifyError(.badAddress(text), "the abstract socket name is empty") }
        } else if text.hasPrefix("/") {
            namespace = .filesystem
            name = text
        } else {
            throw NotifyError(.badAddress(text), "expected an absolute path or an @abstract name")
        }
        // A path also needs its terminating NUL; an abstract name its leading NUL.
        guard name.utf8.count + 1 <= Self.pathCapacity else {
            throw NotifyError(
                .badAddress(text), "longer than the \(Self.pathCapacity - 1) bytes a socket name may have")
        }
        guard !name.utf8.contains(0) else { throw NotifyError(.badAddress(text), "contains a NUL byte") }
    }

    /// `NOTIFY_SOCKET`'s spelling: the path, or `@` and the abstract name.
    public var description: String {
        namespace == .abstract ? "@" + name : name
    }

    /// The bytes of `sun_path` that name the socket: a leading NUL and the name for an abstract address
    /// (no terminator: every byte counts), the path and its NUL for a file.
    var sunPathBytes: [UInt8] {
        switch namespace {
        case .abstract: [0] + Array(name.utf8)
        case .filesystem: Array(name.utf8) + [0]
        }
    }

    /// Calls `body` with this address as a `sockaddr` and its exact length.
    func withSocketAddress<Result>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(NotifyError) -> Result
    ) throws(NotifyError) -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = sunPathBytes
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        return try withUnsafePointer(to: &address) { pointer throws(NotifyError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic throws(NotifyError) in
                try body(generic, length)
            }
        }
    }
}
