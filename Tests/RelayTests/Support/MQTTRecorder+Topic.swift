import MQTT
import TestSupport

extension MQTTRecorder {
    /// The message number `after` (0: the first) received on `topic`, waiting up to `timeout`.
    func waitForMessage(topic: String, after skip: Int = 0, timeout: Duration) async throws -> MQTTMessage {
        let deadline = ContinuousClock.now + timeout
        while true {
            let matching = messages.filter { $0.topic == topic }
            if matching.count > skip { return matching[skip] }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError(
                    "no message #\(skip + 1) on \(topic) within \(timeout); topics seen: \(Set(messages.map(\.topic)).sorted())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
