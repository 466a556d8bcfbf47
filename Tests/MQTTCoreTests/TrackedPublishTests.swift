@testable import MQTT
import Logging
import Synchronization
import Testing

/// Tracked publishes register their message id after libmosquitto's publish returns (outside the client's
/// lock), so an acknowledgement can come first. These drive the ``ClientCore`` directly (no broker, no handle):
/// the publish closure stands in for libmosquitto and acknowledges on the spot, as a fast broker and network thread
/// can. ``DeliveryTrackerTests`` test the table alone.
@Suite struct TrackedPublishTests {
    let core: ClientCore

    init() {
        let (_, continuation) = AsyncStream<MQTTEvent>.makeStream()
        core = ClientCore(
            continuation: continuation, logger: Logger(label: "test"),
            options: MQTTOptions(
                host: "localhost", port: 1, clientID: "tracked", caFile: "", certFile: "", keyFile: ""),
            gate: nil)
        _ = core.transition { $0.start() }
    }

    private func acknowledge(_ mid: Int32, reasonCode: Int32 = 0) {
        core.callbacks().publish(mid, reasonCode)
    }

    @Test func anAcknowledgementBeforeTheRegistrationCompletesTheDelivery() async throws {
        let delivery = try core.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in
            acknowledge(7)
            return 7
        }
        try await delivery.wait()
        #expect(core.deliveries.withLock { $0.pendingCount == 0 && $0.earlyAcknowledgements.isEmpty })
    }

    @Test func anEarlyRefusalFailsTheDelivery() async throws {
        let delivery = try core.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in
            acknowledge(8, reasonCode: 0x87)
            return 8
        }
        await #expect(throws: MQTTError.self) { try await delivery.wait() }
    }

    @Test func anAcknowledgementWhileNothingRegistersIsNotKeptForALaterPublish() async throws {
        acknowledge(9)  // an untracked publish's
        let delivery = try core.publishTracked(timeout: .milliseconds(100)) { () throws(MQTTError) -> Int32 in 9 }
        let error = await #expect(throws: MQTTError.self) { try await delivery.wait() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("no acknowledgement"))
    }

    @Test func aRegisteredDeliveryIsCompletedByItsAcknowledgement() async throws {
        let delivery = try core.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in 10 }
        #expect(core.deliveries.withLock { $0.isPending(10) })
        acknowledge(10)
        try await delivery.wait()
    }

    @Test func aBatchCompletesEachPublishedMemberOnceAndStopsAtAFailure() throws {
        let calls = Mutex<[(index: Int, ok: Bool)]>([])
        let (published, error) = core.publishTracked(batch: 4, timeout: .seconds(5)) { index, result in
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
        #expect(core.deliveries.withLock { $0.registering == 0 && $0.pendingCount == 0 })
    }

    @Test func aFailedPublishLeavesNothingRegistering() throws {
        #expect(throws: MQTTError.self) {
            try core.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in
                throw MQTTError(.notConnected, "offline")
            }
        }
        #expect(core.deliveries.withLock { $0.registering } == 0)
    }

    @Test func theNetworkThreadsEndFailsPendingDeliveriesAndLaterPublishes() async throws {
        let delivery = try core.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in 31 }
        core.perform(core.transition { $0.stop() }) { #expect($0 == .awaitNetworkThread) }
        core.perform(core.transition { $0.nextAttempt() }) { #expect($0 == .endNetworkThread) }
        let error = await #expect(throws: MQTTError.self) { try await delivery.wait() }
        #expect(error?.code == .shutDown)
        let late = #expect(throws: MQTTError.self) {
            try core.publishTracked(timeout: .seconds(5)) { () throws(MQTTError) -> Int32 in 32 }
        }
        #expect(late?.code == .shutDown)
        #expect(core.deliveries.withLock { $0.pendingCount == 0 && $0.isClosed })
    }
}
