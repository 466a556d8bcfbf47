import RelayQueue
import SQS

/// Sends to an SQS queue with SendMessageBatch (10 a call, a few calls at once), like the IoT rules engine's SQS
/// action — `base64` encodes the body as its `useBase64` does.
struct SQSSender: TargetSender {
    let client: SQSClient
    let queueURL: String
    let base64: Bool

    func send(_ batch: [QueuedDelivery], settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void) async {
        let entries = batch.enumerated().map { index, delivery in
            let payload = delivery.delivery.payload
            return (id: String(index), body: base64 ? Base64.encode(payload) : String(decoding: payload, as: UTF8.self))
        }
        do throws(SQSError) {
            let result = try await client.sendMessageBatch(queueURL: queueURL, entries: entries)
            var outcomes: [(QueuedDelivery, DeliveryResult)] = []
            for success in result.successful {
                if let index = Int(success.id), batch.indices.contains(index) { outcomes.append((batch[index], .delivered)) }
            }
            for failure in result.failed {
                guard let index = Int(failure.id), batch.indices.contains(index) else { continue }
                outcomes.append(
                    (batch[index], .failed("\(queueURL): \(failure.code): \(failure.message)", permanent: !failure.isRetryable)))
            }
            let settled = Set(outcomes.map(\.0.seq))
            for delivery in batch where !settled.contains(delivery.seq) {
                outcomes.append((delivery, .failed("\(queueURL): no result for this entry in the reply", permanent: false)))
            }
            settle(outcomes)
        } catch {
            let result: DeliveryResult =
                error.code == "transport" && error.httpStatus == nil
                ? .unreachable("\(error)") : .failed("\(error)", permanent: !error.isRetryable)
            settle(batch.map { ($0, result) })
        }
    }
}
