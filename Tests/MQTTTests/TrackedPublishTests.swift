@testable import MQTT
import Logging
import Synchronization
import TestSupport
import Testing

/// Tracked publishes register their message id after libmosquitto's publish returns (outside the client's
/// lock), so an acknowledgement can come first. These drive ``MQTTClient/Shared`` directly: the publish closure
/// stands in for libmosquitto and acknowledges on the spot, as a fast broker and network thread can.
@Suite struct TrackedPublishTests {
    let shared: MQTTClient.Shared

    init() {
        let (_, continuation) = AsyncStream<MQTTEvent>.makeStream()
        shared = MQTTClient.Shared(
            continuation: continuation, logger: Logger(label: "test"),
            options: MQTTOptions(
                host: "localhost", port: 1, clientID: "tracked", caFile: "", certFile: "", keyFile: ""),
            gate: nil)
        shared.state.withLock { $0.phase = .running }
    }

    private func acknowledge(_ mid: Int32, reasonCode: Int32 = 0) {
        shared.callbacks().publish(mid, reasonCode)
    }

    @Test func anAcknowledgementBeforeTheRegistrationCompletesTheDelivery() async throws {
        let delivery = try shared.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in
            acknowledge(7)
            return 7
        }
        try await delivery.wait()
        #expect(shared.state.withLock { $0.deliveries.isEmpty && $0.earlyAcknowledgements.isEmpty })
    }

    @Test func anEarlyRefusalFailsTheDelivery() async throws {
        let delivery = try shared.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in
            acknowledge(8, reasonCode: 0x87)
            return 8
        }
        await #expect(throws: MQTTError.self) { try await delivery.wait() }
    }

    @Test func anAcknowledgementWhileNothingRegistersIsNotKeptForALaterPublish() async throws {
        acknowledge(9)  // an untracked publish's
        let delivery = try shared.publishTracked(timeout: .milliseconds(100)) { () throws(MQTTError) -> Int32 in 9 }
        let error = await #expect(throws: MQTTError.self) { try await delivery.wait() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("no acknowledgement"))
    }

    @Test func aRegisteredDeliveryIsCompletedByItsAcknowledgement() async throws {
        let delivery = try shared.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in 10 }
        #expect(shared.state.withLock { $0.deliveries[10] != nil })
        acknowledge(10)
        try await delivery.wait()
    }

    @Test func aBatchCompletesEachPublishedMemberOnceAndStopsAtAFailure() throws {
        let calls = Mutex<[(index: Int, ok: Bool)]>([])
        let (published, error) = shared.publishTracked(batch: 4, timeout: .seconds(5)) { index, result in
            calls.withLock { $0.append((index, (try? result.get()) != nil)) }
        } _: { index throws(MQTTError) -> Int32 in
            if index == 3 { throw MQTTError(.notConnected, "offline") }
            if index == 1 { acknowledge(21) }  // before the batch is registered
            return Int32(20 + index)
        }
        #expect(published == 3)
        #expect(error?.code == .notConnected)
        #expect(calls.withLock { $0.map(\.index) } == [1], "the early acknowledgement completes at registration")
        acknowledge(20)
        acknowledge(22, reasonCode: 0x87)
        acknowledge(20)  // a duplicate acknowledgement completes nothing twice
        let outcome = calls.withLock { $0 }
        #expect(outcome.map(\.index) == [1, 0, 2])
        #expect(outcome.map(\.ok) == [true, true, false], "0x87 is a refusal")
        #expect(shared.state.withLock { $0.registering == 0 && $0.deliveries.isEmpty })
    }

    @Test func aFailedPublishLeavesNothingRegistering() throws {
        #expect(throws: MQTTError.self) {
            try shared.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in
                throw MQTTError(.notConnected, "offline")
            }
        }
        #expect(shared.state.withLock { $0.registering } == 0)
    }
}
