import Basics
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Free TCP ports on 127.0.0.1 for brokers and servers that tests start.
///
/// The kernel picks a port (bind to port 0); the socket is closed at once, so the
/// port is free but not reserved: whoever binds it next wins. To keep parallel tests
/// from being handed the same port twice, a port is never returned twice in one
/// process. A caller whose bind still fails (another program got there first) should
/// ask again — ``MosquittoBroker`` does.
public enum FreePort {
    private static let handedOut = Mutex<Set<UInt16>>([])

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func next() throws -> UInt16 {
        for _ in 0..<64 {
            let port = try kernelAssignedPort()
            let isNew = handedOut.withLock { $0.insert(port).inserted }
            if isNew {
                return port
            }
        }
        throw TestSupportError("no free TCP port on 127.0.0.1 after 64 tries")
    }

    private static func kernelAssignedPort() throws -> UInt16 {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else {
            throw TestSupportError("socket(AF_INET) failed: \(Errno.current)")
        }
        defer { close(fd) }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)

        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            throw TestSupportError("bind(127.0.0.1:0) failed: \(Errno.current)")
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            throw TestSupportError("getsockname failed: \(Errno.current)")
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
