import Foundation
import Glibc

/// A child process forked from the test process that only sleeps and exits, never calling `exec`: it holds a
/// duplicate of a descriptor the test process had open — as a child spawned by another thread does in the window
/// between its `fork` and its `exec`.
///
/// Swift marks `fork` unavailable; it is called through `dlsym`. The child runs only async-signal-safe calls, and
/// closes every other inherited descriptor at once, so it holds no socket or file of the tests running beside it.
struct ForkedChild {
    let pid: pid_t

    private typealias Fork = @convention(c) () -> pid_t
    private typealias CloseRange = @convention(c) (UInt32, UInt32, Int32) -> Int32

    /// Forks a child that keeps only `descriptor` (and 0–2) open, sleeps `milliseconds` and exits.
    static func sleeping(milliseconds: Int, holding descriptor: Int32) -> ForkedChild {
        let fork = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fork")!, to: Fork.self)
        let closeRange = unsafeBitCast(
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), "close_range")!, to: CloseRange.self)
        var pause = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let keep = UInt32(descriptor)
        let pid = fork()
        if pid == 0 {
            if keep > 3 { _ = closeRange(3, keep - 1, 0) }
            _ = closeRange(keep + 1, UInt32.max, 0)
            var remaining = timespec()
            while nanosleep(&pause, &remaining) != 0 { pause = remaining }
            _exit(0)
        }
        precondition(pid > 0, "fork failed: errno \(errno)")
        return ForkedChild(pid: pid)
    }

    /// The descriptor this process has open on `path`, found in `/proc/self/fd`.
    static func descriptor(openOn path: String) throws -> Int32 {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        for entry in entries {
            guard let number = Int32(entry),
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")
            else { continue }
            if target == path { return number }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }

    /// Waits for the child to exit.
    func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
