import AsyncHTTPClient
import Basics
import NIOCore
import RelayQueue

/// POSTs each delivery to an HTTP(S) endpoint. 2xx delivers; 5xx, 408 and 429 are retried; other statuses are
/// refusals. Headers `X-Relay-Message-Id` (stable across retries, for the receiver's de-duplication) and
/// `X-Relay-Rule` are added to the configured ones.
struct WebhookSender: TargetSender {
    let client: HTTPClient
    let url: String
    let headers: [(String, String)]
    let timeout: Duration

    func send(_ batch: [QueuedDelivery], settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void) async {
        for delivery in batch {
            settle([(delivery, await post(delivery))])
        }
    }

    private func post(_ delivery: QueuedDelivery) async -> DeliveryResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Relay-Message-Id", value: delivery.delivery.messageID)
        request.headers.add(name: "X-Relay-Rule", value: delivery.delivery.rule)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: delivery.delivery.payload))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeout.milliseconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            switch response.status.code {
            case 200..<300: return .delivered
            case 408, 429, 500...599: return .failed("\(url): HTTP \(response.status.code)", permanent: false)
            default: return .failed("\(url): HTTP \(response.status.code)", permanent: true)
            }
        } catch let error as HTTPClientError where error == .connectTimeout || error == .remoteConnectionClosed {
            return .unreachable("\(url): \(error)")
        } catch {
            let text = "\(error)"
            if text.contains("connectionRefused") || text.contains("Connection refused") {
                return .unreachable("\(url): connection refused")
            }
            return .failed("\(url): \(text)", permanent: false)
        }
    }
}
