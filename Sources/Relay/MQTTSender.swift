import MQTT
import RelayQueue

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

    var batchSize: Int { 1000 }
    var concurrency: Int { 1 }

    func send(_ batch: [QueuedDelivery], settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void) async {
        guard client.isConnected else {
            settle(batch.map { ($0, .unreachable("not connected to \(client.options.endpoint)")) })
            return
        }
        for (index, delivery) in batch.enumerated() {
            let destination = topic.render(context(delivery))
            do throws(MQTTError) {
                try client.publish(
                    topic: destination, payload: delivery.delivery.payload, qos: qos, timeout: acknowledgementTimeout
                ) { result in
                    switch result {
                    case .success: settle([(delivery, .delivered)])
                    case .failure(let error):
                        settle([(delivery, .failed("\(destination): \(error)", permanent: error.code == .refused))])
                    }
                }
            } catch {
                let rest = batch[index...].map { ($0, DeliveryResult.unreachable("\(destination): \(error)")) }
                settle(rest)
                return
            }
        }
    }
}
