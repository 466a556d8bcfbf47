import Foundation
import Glibc
@testable import RelayQueue
import Testing

/// The queue's lock and children that inherit its descriptor: the cause of a flake where reopening a queue right
/// after `close()` found it "open already" because a parallel test's child had forked in between and not yet
/// exec'd.
@Suite struct QueueLockTests {
    @Test func aChildForkedBeforeExecDoesNotKeepAClosedQueueLocked() throws {
        let path = try freshQueuePath("lock-child")
        let queue = try DurableQueue(path: path)
        let lock = try ForkedChild.descriptor(openOn: URL(fileURLWithPath: path + "-lock").resolvingSymlinksInPath().path)
        let child = ForkedChild.sleeping(milliseconds: 3000, holding: lock)
        defer { child.reap() }
        queue.close()
        let start = ContinuousClock.now
        try DurableQueue(path: path).close()
        // At once, not after waiting the child out: close() released the lock for the child's duplicate too.
        #expect(ContinuousClock.now - start < QueueLock.childGracePeriod / 2)
    }

    @Test func aLockHeldByAChildOfOursIsNamedAsSuch() throws {
        let path = try freshQueuePath("lock-held-by-child")
        let child = try Self.childHoldingLock(of: path, milliseconds: 4000)
        defer { child.reap() }
        let start = ContinuousClock.now
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.code == .inUse)
        let text = error?.description ?? ""
        #expect(!text.contains("has it open already"), "blames the caller: \(text)")
        #expect(text.contains("a child of this process (pid \(getpid()))"), "\(text)")
        #expect(ContinuousClock.now - start >= QueueLock.childGracePeriod)
    }

    @Test func aChildThatLetsGoSoonIsWaitedFor() throws {
        let path = try freshQueuePath("lock-child-exits")
        let child = try Self.childHoldingLock(of: path, milliseconds: 200)
        defer { child.reap() }
        try DurableQueue(path: path).close()
    }

    @Test func aSecondOpenInThisProcessIsNamedAsSuch() throws {
        let path = try freshQueuePath("lock-twice")
        let queue = try DurableQueue(path: path)
        defer { queue.close() }
        let start = ContinuousClock.now
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.description.contains("this process has it open already") == true)
        #expect(ContinuousClock.now - start < QueueLock.childGracePeriod / 2)
    }

    /// Takes `<path>-lock` as a queue does (our pid in the file), forks a child that sleeps `milliseconds`, and
    /// closes our descriptor without unlocking, as a close before the fix did: the child alone holds the lock.
    private static func childHoldingLock(of path: String, milliseconds: Int) throws -> ForkedChild {
        let descriptor = open(path + "-lock", O_RDWR | O_CREAT, 0o644)
        try #require(descriptor >= 0)
        try #require(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        let child = ForkedChild.sleeping(milliseconds: milliseconds, holding: descriptor)
        close(descriptor)
        return child
    }
}
