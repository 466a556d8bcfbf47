import Battery
import DriveProtocol

extension DriveService {
    /// Keeps `reading` for heartbeats; on a threshold crossing publishes a `battery` event (reason `low` or `ok`)
    /// with the reading and the current throttles.
    /// - Returns: false when there was an event but no connection to publish it on (at start, before the broker
    ///   answered, or during an outage): the battery service offers it again with its next reading.
    @discardableResult
    func batteryRead(_ reading: BatteryReading, event: BatteryEvent?) -> Bool {
        latestBattery = reading
        guard let event else { return true }
        guard client.isConnected else { return false }
        let (left, right) = currentThrottles
        telemetry.publish(.battery, left: left, right: right, reason: event.rawValue, extra: ["battery": reading.json])
        return true
    }
}
