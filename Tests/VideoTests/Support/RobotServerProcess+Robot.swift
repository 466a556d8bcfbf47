import DriveProtocol
import StrictJSON
import TestSupport

/// What `sts-pi` did, as robot-server's broker saw it: the admin client (subscribed to `#`) records every drive
/// command and every telemetry message, with the instant each arrived.
extension RobotServerProcess {
    /// Telemetry of sts-pi after record `index`, with the instant each arrived.
    func telemetry(after index: Int = 0) -> [(Telemetry, ContinuousClock.Instant)] {
        admin.all.dropFirst(index).compactMap { record in
            guard case .message(let message) = record.event, message.topic == "sts-pi/telemetry",
                let telemetry = try? Telemetry(from: message.payload)
            else { return nil }
            return (telemetry, record.at)
        }
    }

    /// Drive commands published on sts-pi/action after record `index`, parsed.
    func actions(after index: Int = 0) -> [JSONValue] {
        admin.all.dropFirst(index).compactMap { record in
            guard case .message(let message) = record.event, message.topic == "sts-pi/action" else { return nil }
            return try? JSONParser.parse(message.payload)
        }
    }

    /// The admin record count now, to look only at what comes after.
    var mark: Int { admin.all.count }

    /// Waits for sts-pi telemetry after `index` that matches.
    @discardableResult
    func waitForTelemetry(
        after index: Int, _ description: String, timeout: Duration = .seconds(10),
        where match: @escaping @Sendable (Telemetry) -> Bool
    ) async throws -> Telemetry {
        let record = try await admin.first(after: index, timeout: timeout, "telemetry \(description)") { event in
            guard case .message(let message) = event, message.topic == "sts-pi/telemetry",
                let telemetry = try? Telemetry(from: message.payload)
            else { return false }
            return match(telemetry)
        }
        guard case .message(let message) = record.event else { preconditionFailure() }
        return try Telemetry(from: message.payload)
    }
}
