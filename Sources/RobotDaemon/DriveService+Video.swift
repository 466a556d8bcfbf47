import DriveProtocol
import StrictJSON

extension DriveService {
    /// Publishes a `video` telemetry event (the producer started, ended, restarts…) with the current throttles.
    func reportVideo(reason: String, extra: JSONObject) {
        let (left, right) = currentThrottles
        telemetry.publish(.video, left: left, right: right, reason: reason, extra: extra)
    }
}
