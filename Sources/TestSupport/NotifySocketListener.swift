#if canImport(Glibc)
    import Basics
    import Foundation
    import Glibc
    import SystemPackage
    import Synchronization

    /// A stand-in for systemd's notification socket: an AF_UNIX datagram socket that a test binds, passes to a
    /// process as `NOTIFY_SOCKET`, and reads back — every datagram, when it arrived and which process sent it
    /// (`SO_PASSCRED`, as systemd checks `NotifyAccess=main`).
    ///
    /// A background thread receives; ``notifications`` and ``waitFor(_:timeout:)`` read what it collected.
    public final class NotifySocketListener: Sendable {
        /// One datagram.
        public struct Notification: Sendable {
            /// The datagram's text, e.g. `READY=1\nSTATUS=…`.
            public let text: String
            /// When it arrived.
            public let received: ContinuousClock.Instant
            /// The sender's pid from the kernel's credentials (0 if none came).
            public let senderPID: Int32

            /// The `NAME=value` lines.
            public var assignments: [String] { text.split(separator: "\n").map(String.init) }
        }

        /// What to put in `NOTIFY_SOCKET`: a path, or `@name` for the abstract namespace.
        public let address: String
        private let descriptor: Int32
        private let path: String?
        private let received = Mutex<[Notification]>([])
        private let stopped = Atomic<Bool>(false)
        private let finished = Mutex<Bool>(false)

        /// Binds a fresh socket: a file in a scratch folder, or an abstract name when `abstract` is true.
        public init(abstract: Bool = false) throws {
            let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw TestSupportError("socket(AF_UNIX, SOCK_DGRAM): \(Self.lastError())") }
            let name: [UInt8]
            if abstract {
                let label = "telepresence-robot-tests/\(getpid())/notify-\(UInt32.random(in: 0...UInt32.max))"
                address = "@" + label
                path = nil
                name = [0] + Array(label.utf8)
            } else {
                let file = try ScratchDirectory.make("notify").appending(path: "notify.sock").path
                address = file
                path = file
                name = Array(file.utf8) + [0]
            }
            var socketAddress = sockaddr_un()
            socketAddress.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: name) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
            let bound = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            var on: Int32 = 1
            var timeout = timeval(tv_sec: 0, tv_usec: 20_000)
            let timeoutSize = socklen_t(MemoryLayout<timeval>.size)
            guard bound == 0,
                setsockopt(descriptor, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size)) == 0,
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, timeoutSize) == 0
            else {
                let error = Self.lastError()
                close(descriptor)
                throw TestSupportError("cannot bind the notification socket \(address): \(error)")
            }
            self.descriptor = descriptor
            Thread.detachNewThread { [self] in receiveLoop() }
        }

        deinit {
            stopped.store(true, ordering: .sequentiallyConsistent)
            // The receive loop wakes within its 20 ms timeout; close only after it is done with the socket.
            while !finished.withLock({ $0 }) {
                usleep(1000)
            }
            close(descriptor)
            if let path { unlink(path) }
        }

        /// Every datagram so far, in arrival order.
        public var notifications: [Notification] { received.withLock { $0 } }

        /// Waits for a datagram with the assignment `assignment` (e.g. `READY=1`) and returns the first one.
        @discardableResult
        public func waitFor(_ assignment: String, timeout: Duration = .seconds(10)) async throws -> Notification {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while clock.now < deadline {
                if let match = notifications.first(where: { $0.assignments.contains(assignment) }) {
                    return match
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            let seen = notifications.map { $0.text.debugDescription }.joined(separator: ", ")
            throw TestSupportError("no \(assignment) on \(address) within \(timeout); received: [\(seen)]")
        }

        private func receiveLoop() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            // cmsghdr (length, level, type) then struct ucred (pid, uid, gid), 8-byte aligned.
            var control = [UInt8](repeating: 0, count: 64)
            while !stopped.load(ordering: .sequentiallyConsistent) {
                let (count, pid) = buffer.withUnsafeMutableBytes { data in
                    control.withUnsafeMutableBytes { controlBytes in
                        var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                        return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                            var message = msghdr()
                            message.msg_iov = vectorPointer
                            message.msg_iovlen = 1
                            message.msg_control = controlBytes.baseAddress
                            message.msg_controllen = controlBytes.count
                            let count = recvmsg(descriptor, &message, 0)
                            return (count, Self.senderPID(controlBytes, length: Int(message.msg_controllen)))
                        }
                    }
                }
                guard count >= 0 else { continue }  // timeout (EAGAIN) or EINTR: look at `stopped` again
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                let notification = Notification(text: text, received: .now, senderPID: pid)
                received.withLock { $0.append(notification) }
            }
            finished.withLock { $0 = true }
        }

        private static func senderPID(_ control: UnsafeMutableRawBufferPointer, length: Int) -> Int32 {
            let header = MemoryLayout<cmsghdr>.size
            guard length >= header + 12 else { return 0 }
            let level = control.load(fromByteOffset: MemoryLayout<Int>.size, as: Int32.self)
            let type = control.load(fromByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self)
            guard level == SOL_SOCKET, type == scmCredentials else { return 0 }
            return control.load(fromByteOffset: header, as: Int32.self)
        }

        /// `SCM_CREDENTIALS` (linux/socket.h), which Glibc's Swift overlay does not export.
        private static let scmCredentials: Int32 = 2

        private static func lastError() -> String {
            Errno.current.description
        }
    }
#endif
