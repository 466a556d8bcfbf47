import Battery
import DriveProtocol

extension DriveService {
    /// Keeps `reading` for heartbeats; on a threshold crossing publishes a `battery` event (reason `low` or `ok`)
    /// with the reading and the current throttles.
    func batteryRead(_ reading: BatteryReading, event: BatteryEvent?) {
        latestBattery = reading
        guard let event else { return }
        let (left, right) = currentThrottles
        telemetry.publish(.battery, left: left, right: right, reason: event.rawValue, extra: ["battery": reading.json])
    }
}
