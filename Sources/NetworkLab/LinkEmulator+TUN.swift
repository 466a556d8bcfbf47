import Foundation
import Glibc
import Synchronization

/// Every system call of the link emulator, in one place: a TUN interface opened inside a network namespace, packet
/// reads and writes, `ppoll` with a nanosecond timeout, and the monotonic clock.
enum TUN {
    /// `TUNSETIFF` = `_IOW('T', 202, int)`; the flags from `<linux/if_tun.h>`.
    private static let setInterface: UInt = 0x4004_54CA
    private static let tunMode: Int16 = 0x0001  // IFF_TUN: IP packets, no Ethernet header
    private static let noPacketInformation: Int16 = 0x1000  // IFF_NO_PI: no 4-byte header before each packet
    private static let newNetworkNamespace: Int32 = 0x4000_0000  // CLONE_NEWNET

    /// glibc declares `setns`, `ppoll` and `pipe2` only under `_GNU_SOURCE`, which Swift's Glibc module does not
    /// define: they are looked up once by name (simpler than a C target for three prototypes).
    private static let setns = gnu("setns", as: (@convention(c) (Int32, Int32) -> Int32).self)
    private static let ppoll = gnu(
        "ppoll",
        as: (@convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?)
            -> Int32).self)
    private static let pipe2 = gnu("pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32).self)

    private static func gnu<Function>(_ name: String, as type: Function.Type) -> Function {
        guard let symbol = dlsym(nil, name) else { fatalError("glibc has no \(name)") }
        return unsafeBitCast(symbol, to: type)
    }

    /// Opens a new TUN interface `name` inside the named network namespace (`/var/run/netns/<namespace>`), its
    /// descriptor non-blocking. The interface lives while the descriptor is open. The device is made inside the
    /// namespace (``inNamespace(_:_:)``), so the root namespace never sees it.
    static func open(name: String, namespace: String) throws -> Int32 {
        try inNamespace(namespace) { openHere(name: name, namespace: namespace) }.get()
    }

    /// Runs `body` on a thread of its own that has entered the named network namespace (`setns`), and waits for
    /// it: sockets and devices it makes belong to that namespace for good. The thread ends afterwards.
    static func inNamespace<Value: Sendable>(_ namespace: String, _ body: @escaping @Sendable () -> Value) throws
        -> Value
    {
        let result = Mutex<Result<Value, NetworkLabUnavailable>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            let target = Glibc.open("/var/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
            guard target >= 0, setns(target, newNetworkNamespace) == 0 else {
                let reason = String(cString: strerror(errno))
                if target >= 0 { Glibc.close(target) }
                result.withLock { $0 = .failure(NetworkLabUnavailable("cannot enter \(namespace): \(reason)")) }
                return
            }
            Glibc.close(target)
            let value = body()
            result.withLock { $0 = .success(value) }
        }.start()
        done.wait()
        return try result.withLock { $0! }.get()
    }

    private static func openHere(name: String, namespace: String) -> Result<Int32, NetworkLabUnavailable> {
        func failure(_ what: String) -> Result<Int32, NetworkLabUnavailable> {
            let reason = String(cString: strerror(errno))
            return .failure(NetworkLabUnavailable("\(what) (TUN \(name) in \(namespace)): \(reason)"))
        }
        let fd = Glibc.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return failure("cannot open /dev/net/tun — is the tun module loaded?") }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { field in
            field.copyBytes(from: name.utf8.prefix(field.count - 1))
        }
        request.ifr_ifru.ifru_flags = tunMode | noPacketInformation
        guard ioctl(fd, setInterface, &request) == 0 else {
            let result = failure("TUNSETIFF failed")
            Glibc.close(fd)
            return result
        }
        return .success(fd)
    }

    /// One packet from a non-blocking TUN descriptor into `buffer`; nil when none is waiting (or on an error).
    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> Int? {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? count : nil
        }
    }

    /// Writes one packet to a TUN descriptor (the kernel takes it whole or not at all); false on an error.
    static func write(_ fd: Int32, _ packet: [UInt8]) -> Bool {
        while true {
            let count = packet.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            return count == packet.count
        }
    }

    /// Waits until `fds` are ready or `timeout` nanoseconds pass (nil: no limit); false on an error other than
    /// `EINTR` (which counts as ready, with no events).
    static func poll(_ fds: inout [pollfd], timeout: Int64?) -> Bool {
        for index in fds.indices {
            fds[index].revents = 0
        }
        let ready: Int32
        if let timeout {
            var limit = timespec(tv_sec: Int(timeout / 1_000_000_000), tv_nsec: Int(timeout % 1_000_000_000))
            ready = ppoll(&fds, nfds_t(fds.count), &limit, nil)
        } else {
            ready = ppoll(&fds, nfds_t(fds.count), nil, nil)
        }
        return ready >= 0 || errno == EINTR
    }

    /// A non-blocking, close-on-exec pipe: (read end, write end).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else {
            throw NetworkLabUnavailable("pipe2 failed: \(String(cString: strerror(errno)))")
        }
        return (ends[0], ends[1])
    }

    /// Nanoseconds on the monotonic clock.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
