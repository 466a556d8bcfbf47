import Testing
import WebRTCProducer

/// The RTX history's bound (``RetransmissionBudget``): pure, no GStreamer.
@Suite struct BitrateRetransmissionTests {
    @Test func theHistoryIsTwoRoundTripsAndAMarginWithinBounds() {
        var budget = RetransmissionBudget()
        #expect(budget.historyMs == 500, "before any round trip: the lower bound")
        #expect(budget.feedback(ReceiverFeedback(lossFraction: 0.04, roundTripMs: 340)) == 880)
        #expect(budget.feedback(ReceiverFeedback(rembKbps: 900)) == 880, "a report without a round trip keeps the last")
        #expect(budget.feedback(ReceiverFeedback(roundTripMs: 20)) == 500, "a LAN: still half a second")
        #expect(budget.feedback(ReceiverFeedback(roundTripMs: 900)) == 1000, "never older than a second")
    }

    @Test func lossAloneDoesNotChangeTheHistory() {
        var budget = RetransmissionBudget()
        budget.feedback(ReceiverFeedback(roundTripMs: 300))
        #expect(budget.feedback(ReceiverFeedback(lossFraction: 0.4)) == 800, "bursts of loss are when repairs matter")
    }
}
