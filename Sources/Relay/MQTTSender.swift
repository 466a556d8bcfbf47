import MQTT
import RelayQueue
import Synchronization

/// Republishes to a topic of an account's broker, pipelined: up to the lane's window of QoS 1 messages await
/// their PUBACK at once, each settled by its own acknowledgement on the client's network thread.
struct MQTTSender: TargetSender {
    let client: MQTTClient
    let topic: TopicTemplate
    let qos: Int32
    /// Renders the topic for a delivery (its source topic, ids and times).
    let context: @Sendable (QueuedDelivery) -> FieldTemplate.MessageContext
    /// How long a published message may wait for its PUBACK. Long, because libmosquitto resends unacknowledged
    /// messages itself after a reconnect; a shorter wait would only add duplicates.
    var acknowledgementTimeout: Duration = .seconds(60)

    func send(_ batch: [QueuedDelivery], settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void) async {
        guard client.isConnected else {
            settle(batch.map { ($0, .unreachable("not connected to \(client.options.endpoint)")) })
            return
        }
        let outcomes = Outcomes(expected: batch.count, settle: settle)
        let messages = batch.map { delivery in
            MQTTClient.Outgoing(
                topic: topic.constant ?? topic.render(context(delivery)), payload: delivery.delivery.payload)
        }
        let (published, error) = client.publish(batch: messages, qos: qos, timeout: acknowledgementTimeout) {
            index, result in
            switch result {
            case .success: outcomes.add(batch[index], .delivered)
            case .failure(let error):
                outcomes.add(
                    batch[index], .failed("\(messages[index].topic): \(error)", permanent: error.code == .refused))
            }
        }
        if let error, published < batch.count {
            let rest = batch[published...].map { ($0, DeliveryResult.unreachable("\(messages[published].topic): \(error)")) }
            outcomes.expectFewer(rest.count)
            settle(rest)
        }
    }

    /// Gathers a batch's acknowledgements and settles them in groups — an eighth of the batch, the last ones, or a
    /// failure at once — instead of one by one: each settle takes the lane's, the committer's and the counters'
    /// locks. A lone message settles on its own acknowledgement.
    private final class Outcomes: Sendable {
        private struct State {
            var gathered: [(QueuedDelivery, DeliveryResult)] = []
            var outstanding: Int
        }

        private let state: Mutex<State>
        private let group: Int
        private let settle: @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void

        init(expected: Int, settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void) {
            self.state = Mutex(State(outstanding: expected))
            self.group = max(1, expected / 8)
            self.settle = settle
        }

        func add(_ delivery: QueuedDelivery, _ result: DeliveryResult) {
            let ready = state.withLock { state -> [(QueuedDelivery, DeliveryResult)] in
                state.gathered.append((delivery, result))
                state.outstanding -= 1
                return take(&state, now: result != .delivered)
            }
            if !ready.isEmpty { settle(ready) }
        }

        /// `count` deliveries will never be added (they were settled as unreachable instead).
        func expectFewer(_ count: Int) {
            let ready = state.withLock { state -> [(QueuedDelivery, DeliveryResult)] in
                state.outstanding -= count
                return take(&state, now: false)
            }
            if !ready.isEmpty { settle(ready) }
        }

        private func take(_ state: inout State, now: Bool) -> [(QueuedDelivery, DeliveryResult)] {
            guard now || state.outstanding == 0 || state.gathered.count >= group else { return [] }
            defer { state.gathered = [] }
            return state.gathered
        }
    }
}
