import Basics
import DriveControl
import DriveProtocol
import Logging
import MQTT
import StrictJSON

extension DriveService {
    func handle(_ event: MQTTEvent) {
        switch event {
        case .message(let message):
            receive(message)
        case .connected:
            _ = connectFailures.level(for: event)
            logger.notice("connected to the MQTT broker", metadata: ["mqtt.endpoint": "\(client.options.endpoint)"])
        case .subscribed:
            logger.notice("listening for drive commands", metadata: ["mqtt.topic": "\(thingName)/action"])
            let (left, right) = currentThrottles
            telemetry.publish(.online, left: left, right: right)
        case .subscriptionRefused(let filter):
            logger.error(
                "the broker refused the subscription — does the thing's policy allow iot:Subscribe and iot:Receive on it?",
                metadata: ["mqtt.topic": "\(filter)"])
        case .connectionLost(let reason):
            let action = controller.disconnected()
            // During shutdown the motors are already stopped and the disconnect is ours: nothing to warn about.
            if case .none = action {
                logger.debug("MQTT connection closed: \(reason)")
            } else {
                logger.warning("MQTT connection lost: \(reason); motors stopped")
            }
            perform(action, now: .now)
        case .connectFailed(let reason, let retryIn):
            let level = connectFailures.level(for: event) ?? .warning
            logger.log(
                level: level, "cannot connect to the MQTT broker: \(reason); retrying in \(retryIn.milliseconds) ms")
        }
    }

    /// The reason of the rejection of a retained message on `<thing>/action`.
    static let retainedRejection = "retained command ignored"

    /// A retained message is the broker replaying an old command at every (re)connection — a retained
    /// `forward` would drive the robot each time — so it is rejected unread. While a stop is failing, only
    /// stops, emergency stops and releases are accepted: the motors are in an unknown state.
    private func receive(_ message: MQTTMessage) {
        let now = ContinuousClock.now
        if message.retain {
            counters.rejected += 1
            perform(controller.rejected(CommandRejection(reason: Self.retainedRejection)), now: now)
            return
        }
        do throws(CommandRejection) {
            let command = try DriveCommandParser.parse(message.payload, defaults: defaults)
            // A release moves nothing, so it is accepted too (the latch does not depend on the motors).
            if let faultReason, command.intent == .motion {
                throw CommandRejection(reason: "the motors are faulted (\(faultReason))", id: command.id)
            }
            counters.commands += 1
            perform(controller.command(command, now: now), now: now)
        } catch {
            counters.rejected += 1
            perform(controller.rejected(error), now: now)
        }
    }

    /// Performs one of the controller's actions, then arms (or cancels) the ramp's timer to match
    /// ``DriveController/nextTick``.
    func perform(_ action: DriveController<ContinuousClock.Instant>.Action, now: ContinuousClock.Instant) {
        defer { syncRampTimer() }
        switch action {
        case .drive(let left, let right, let deadline, let command):
            guard setMotors(left: left, right: right, id: command.id, now: now) else { return }
            arm(deadline)
            telemetry.publish(.command, left: left, right: right, id: command.id)
        case .retarget(let left, let right, let deadline, let command):
            arm(deadline)
            telemetry.publish(.command, left: left, right: right, id: command.id)
        case .apply(let left, let right):
            if left == 0 && right == 0 {
                attemptStop(pending: nil)
            } else {
                setMotors(left: left, right: right, id: nil, now: now)
            }
        case .stop(let reason, let id, let wasMoving):
            disarm()
            let report = wasMoving || reason == .stop
            // A failed stop is retried until it succeeds, reported as `fault`, then `stopped` (see StopRetry).
            if attemptStop(pending: report ? PendingStop(reason: reason.rawValue, id: id) : nil) && report {
                telemetry.publish(.stopped, left: 0, right: 0, id: id, reason: reason.rawValue)
            }
        case .rampDown(let reason, let id, let wasMoving):
            // Reported at once, as the target is 0 now; the motors follow on the ramp's ticks (≤ 100 ms).
            disarm()
            if wasMoving || reason == .stop {
                telemetry.publish(.stopped, left: 0, right: 0, id: id, reason: reason.rawValue)
            }
        case .emergencyStop(let id, let newlyEngaged):
            disarm()
            attemptStop(pending: nil)
            engageLatch(id: id, newly: newlyEngaged)
        case .release(let id, let wasEngaged):
            releaseLatch(id: id, wasEngaged: wasEngaged)
        case .reject(let rejection):
            logger.notice(
                "rejected a command: \(rejection.reason)", metadata: rejection.id.map { ["robot.command.id": "\($0)"] })
            let (left, right) = currentThrottles
            telemetry.publish(.rejected, left: left, right: right, id: rejection.id, reason: rejection.reason)
        case .rearm(let deadline):
            armedDeadline = nil
            arm(deadline)
        case .none:
            break
        }
    }

    /// Sets the motors; a failure stops the controller (never `.moving` without an armed deadline), reports a
    /// `fault` and performs the stop. Returns whether the motors took the throttles.
    @discardableResult
    private func setMotors(left: Double, right: Double, id: String?, now: ContinuousClock.Instant) -> Bool {
        do {
            try base.drive(left: left, right: right)
            return true
        } catch {
            let reason = "cannot drive the motors: \(error)"
            logger.error("\(reason); stopping")
            telemetry.publish(.fault, left: base.left, right: base.right, id: id, reason: reason)
            perform(controller.driveFailed(), now: now)
            return false
        }
    }

    /// One timer for the ramp's next step, armed only while a ramp is under way.
    private func syncRampTimer() {
        guard let due = controller.nextTick else {
            rampTimer?.cancel()
            rampTimer = nil
            armedTick = nil
            return
        }
        guard due != armedTick else { return }
        rampTimer?.cancel()
        armedTick = due
        rampTimer = Task { [weak self] in
            guard (try? await Task.sleep(until: due, clock: .continuous)) != nil else { return }
            await self?.rampTickFired(due)
        }
    }

    private func rampTickFired(_ due: ContinuousClock.Instant) {
        // A timer replaced while it was waking up is stale.
        guard due == armedTick else { return }
        armedTick = nil
        rampTimer = nil
        let now = ContinuousClock.now
        perform(controller.tick(now: now), now: now)
    }

    /// One timer per pending deadline. Commands streaming in usually push the deadline later, so an armed
    /// timer that fires early only re-arms (``DriveController/deadlineElapsed(now:)`` says so).
    private func arm(_ deadline: ContinuousClock.Instant) {
        if let armed = armedDeadline, armed <= deadline { return }
        deadlineTimer?.cancel()
        armedDeadline = deadline
        deadlineTimer = Task { [weak self] in
            guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
            await self?.deadlineFired()
        }
    }

    private func disarm() {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        armedDeadline = nil
    }

    private func deadlineFired() {
        armedDeadline = nil
        deadlineTimer = nil
        let now = ContinuousClock.now
        perform(controller.deadlineElapsed(now: now), now: now)
    }

    var currentThrottles: (Double, Double) {
        if case .moving(let left, let right, _, _) = controller.state { return (left, right) }
        return (0, 0)
    }

    var countersJSON: JSONObject {
        JSONObject([("commands", .number(Double(counters.commands))), ("rejected", .number(Double(counters.rejected)))])
    }
}
