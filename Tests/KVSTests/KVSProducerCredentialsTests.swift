import Foundation
import Testing
import TestSupport

/// robot-webrtc as a KVS master whose credentials expire: a refused signature (403) is followed by a read of the
/// credentials file and, once robotd (here the test) has written fresh ones, a successful connect — without a
/// restart.
@Suite(.serialized)
struct KVSProducerCredentialsTests {
    @Test func expiredCredentialsAtConnectAreReadAgainUntilFreshOnesWork() async throws {
        let (stack, expired) = try await KVSProducerStack.start()
        try stack.kvs.expire(expired.accessKeyID)
        // The first attempt may already have used the key before it expired: wait for a refusal with it.
        let refused = try await stack.kvs.waitFor("a 403 for the expired key", timeout: .seconds(15)) {
            ($0["status"] as? Int) == 403 && $0["accessKeyId"] as? String == expired.accessKeyID
        }
        #expect(refused["error"] as? String == "ExpiredTokenException", "\(refused)")
        #expect(stack.producer.isRunning, "robot-webrtc exited: \(stack.producer.outputTail())")

        let mark = stack.kvs.log.count
        let fresh = try stack.kvs.addCredentials()
        try stack.rotate(to: fresh)
        let rotatedAt = ContinuousClock.now
        let connect = try await stack.waitForMasterConnect(after: mark, timeout: .seconds(10))
        let waited = ContinuousClock.now - rotatedAt
        print("KVS: fresh credentials written → master connected in \(waited)")
        #expect(connect["accessKeyId"] as? String == fresh.accessKeyID)
        // Read again at once (the file is polled each second while the last failure was a refused signature),
        // not at the end of a back-off that may have reached several seconds.
        #expect(waited < .seconds(5), "took \(waited): \(stack.producer.outputTail())")
        #expect(stack.producer.output(.any).contains("expired or invalid credentials"))
        #expect(!stack.producer.output(.any).contains(fresh.secretAccessKey))
        let termination = try await stack.stop()
        #expect(termination == .exited(0), "\(termination): \(stack.producer.outputTail(lines: 40))")
    }
}
