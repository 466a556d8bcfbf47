@testable import MQTT
import Testing

/// The tracked publishes' table with strings for deliveries and integers for time: no broker, no clock.
@Suite struct DeliveryTrackerTests {
    typealias Tracker = DeliveryTracker<String, Int>

    @Test func aRegisteredDeliveryIsCompletedByItsAcknowledgementOnce() {
        var tracker = Tracker()
        tracker.beginRegistration()
        #expect(tracker.register("a", mid: 1, deadline: 100).isPending)
        #expect(tracker.endRegistration() == true, "the first pending delivery starts the sweeper")
        #expect(tracker.acknowledged(1, reasonCode: 0) == "a")
        #expect(tracker.acknowledged(1, reasonCode: 0) == nil, "a duplicate acknowledgement completes nothing")
        #expect(tracker.pendingCount == 0)
    }

    @Test func anAcknowledgementBeforeTheRegistrationSettlesItAtRegistration() {
        var tracker = Tracker()
        tracker.beginRegistration()
        #expect(tracker.acknowledged(7, reasonCode: 0x87) == nil)
        #expect(tracker.earlyAcknowledgements == [7: 0x87])
        #expect(tracker.register("a", mid: 7, deadline: 100).reasonCode == 0x87)
        #expect(tracker.endRegistration() == false, "nothing pending: no sweeper")
        #expect(tracker.pendingCount == 0 && tracker.earlyAcknowledgements.isEmpty && tracker.registering == 0)
    }

    @Test func anAcknowledgementWhileNothingRegistersIsNotKeptForALaterPublish() {
        var tracker = Tracker()
        #expect(tracker.acknowledged(9, reasonCode: 0) == nil)  // an untracked publish's
        tracker.beginRegistration()
        #expect(tracker.register("a", mid: 9, deadline: 100).isPending)
        _ = tracker.endRegistration()
        #expect(tracker.isPending(9))
    }

    @Test func earlyAcknowledgementsAreDroppedWhenTheLastRegistrationEnds() {
        var tracker = Tracker()
        tracker.beginRegistration()
        tracker.beginRegistration()
        _ = tracker.acknowledged(3, reasonCode: 0)  // an untracked publish's, while two register
        _ = tracker.endRegistration()
        #expect(tracker.earlyAcknowledgements == [3: 0], "one is still registering")
        _ = tracker.endRegistration()
        #expect(tracker.earlyAcknowledgements.isEmpty)
    }

    @Test func theSweepFailsOverdueDeliveriesAndEndsWhenNoneIsLeft() {
        var tracker = Tracker()
        tracker.beginRegistration()
        _ = tracker.register("early", mid: 1, deadline: 100)
        _ = tracker.register("late", mid: 2, deadline: 300)
        #expect(tracker.endRegistration() == true)
        #expect(tracker.sweep(now: 99) == ([], true))
        #expect(tracker.sweep(now: 100) == (["early"], true), "due at its deadline")
        tracker.beginRegistration()
        _ = tracker.register("more", mid: 3, deadline: 500)
        #expect(tracker.endRegistration() == false, "the sweeper already runs")
        #expect(tracker.sweep(now: 400) == (["late"], true))
        #expect(tracker.acknowledged(3, reasonCode: 0) == "more")
        #expect(tracker.sweep(now: 450) == ([], false), "nothing pending: the sweeper ends")
        tracker.beginRegistration()
        _ = tracker.register("again", mid: 4, deadline: 900)
        #expect(tracker.endRegistration() == true, "and the next registration starts it again")
    }

    @Test func closingFailsEveryPendingDeliveryAndRefusesLaterOnes() {
        var tracker = Tracker()
        tracker.beginRegistration()
        _ = tracker.register("a", mid: 1, deadline: 100)
        _ = tracker.register("b", mid: 2, deadline: 100)
        tracker.beginRegistration()  // a publish still between its call and its registration
        _ = tracker.endRegistration()
        #expect(tracker.close().sorted() == ["a", "b"])
        #expect(tracker.pendingCount == 0)
        #expect(tracker.acknowledged(1, reasonCode: 0) == nil, "its acknowledgement comes too late")
        #expect(tracker.register("c", mid: 3, deadline: 100).isClosed)
        #expect(
            tracker.register("d", mid: 1, deadline: 100).reasonCode == 0, "an early acknowledgement still settles it")
        #expect(tracker.endRegistration() == false)
        #expect(tracker.sweep(now: 1000) == ([], false))
    }
}

extension DeliveryTracker.Registration {
    var isPending: Bool { if case .pending = self { true } else { false } }
    var isClosed: Bool { if case .closed = self { true } else { false } }
    var reasonCode: Int32? { if case .acknowledged(let code) = self { code } else { nil } }
}
