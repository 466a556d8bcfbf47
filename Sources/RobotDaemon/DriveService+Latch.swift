import Basics
import DriveProtocol
import Logging

extension DriveService {
    /// Reads the saved latch at start (fail safe: a file that cannot be read or understood latches) and puts its
    /// state into every telemetry message. Returns whether the latch is engaged.
    func restoreLatch() -> Bool {
        guard let latchFile else { return false }
        let engaged: Bool
        switch latchFile.read() {
        case .released:
            engaged = false
        case .engaged(let since, _):
            logger.notice(
                #"emergency stop engaged since \#(since ?? "an unknown time") (from \#(latchFile.path)); send {"action":"release"} to drive"#
            )
            engaged = true
        case .unreadable(let problem):
            logger.error(
                #"the emergency stop file \#(latchFile.path) is unusable: \#(problem); the emergency stop stays engaged (fail safe) until {"action":"release"}"#
            )
            engaged = true
        }
        telemetry.estopEngaged = engaged
        return engaged
    }

    /// The motors are stopped; the latch is engaged: save it if it changed, and answer `id` with `estop`/`engaged`.
    func engageLatch(id: String?, newly: Bool) {
        telemetry.estopEngaged = true
        logger.notice(
            newly ? "emergency stop engaged" : "emergency stop (already engaged)",
            metadata: id.map { ["robot.command.id": "\($0)"] })
        if newly { save(engaged: true, id: id) }
        telemetry.publish(.estop, left: 0, right: 0, id: id, reason: "engaged")
    }

    /// The latch is released (nothing moves): save it if it changed, and answer `id` with `estop`/`released`.
    func releaseLatch(id: String?, wasEngaged: Bool) {
        telemetry.estopEngaged = false
        if wasEngaged {
            logger.notice("emergency stop released", metadata: id.map { ["robot.command.id": "\($0)"] })
            save(engaged: false, id: id)
        }
        let (left, right) = currentThrottles
        telemetry.publish(.estop, left: left, right: right, id: id, reason: "released")
    }

    /// A failed save keeps the latch in memory and says, as a `fault`, that it will not survive a restart.
    private func save(engaged: Bool, id: String?) {
        guard let latchFile else { return }
        do {
            try latchFile.save(engaged: engaged, id: id, since: .now())
        } catch {
            let reason =
                engaged
                ? "cannot save the emergency stop to \(latchFile.path): \(error); it will not survive a restart"
                : "cannot save the release to \(latchFile.path): \(error); the emergency stop engages again at restart"
            logger.error("\(reason)")
            telemetry.publish(.fault, left: 0, right: 0, id: id, reason: reason)
        }
    }
}
