import DriveControl
import DriveProtocol
import Logging
import Motors
public import SystemdNotify

/// What robotd does when the motors cannot be stopped ``StopRetry/escalationThreshold`` times in a row.
public enum MotorFaultEscalation: Sendable {
    /// Ask systemd to restart robotd (`WATCHDOG=trigger`, honoured with or without `WatchdogSec=`); the unit's
    /// `ExecStopPost=robotd stop-motors` then tries the hardware from a fresh process. Falls back to
    /// ``exit`` if the notification cannot be sent.
    case systemd(SystemdNotifier)
    /// No service manager to ask: ``DriveService/run()`` throws a ``MotorFault`` and robotd exits non-zero.
    case exit
}

/// The motors could not be stopped and robotd gives up running: the reason names the device, the address and
/// the `errno`.
public struct MotorFault: Error, CustomStringConvertible {
    /// E.g. `cannot stop the motors: 7 of 7 stop writes failed (…): no chip answered at 0x60 on /dev/i2c-1 …`.
    public var reason: String

    public var description: String { reason }
}

extension DriveService {
    /// Tries to stop the motors now. On failure the ``StopRetry`` policy reports a fault, escalates and
    /// schedules the next attempt, and `pending` (why and for whom the stop was asked, when worth reporting) is
    /// kept: the retry that succeeds reports it as `stopped`. Returns whether the motors are stopped; a caller
    /// that passed `pending` reports its own success.
    @discardableResult
    func attemptStop(pending: PendingStop?) -> Bool {
        do {
            try base.stop()
        } catch {
            if let pending { pendingStop = pending }
            stopFailed(error)
            return false
        }
        stopRetryTimer?.cancel()
        stopRetryTimer = nil
        faultReason = nil
        let unreported = pendingStop
        pendingStop = nil
        if case .stopped(let failures) = stopRetry.succeeded(), failures > 0 {
            logger.notice("motors stopped after \(failures) failed attempts")
            // A caller with a stop of its own reports it; a retry reports the stop that failed.
            if pending == nil {
                let reason = unreported?.reason ?? StopReason.fault.rawValue
                telemetry.publish(.stopped, left: 0, right: 0, id: unreported?.id, reason: reason)
            }
        }
        return true
    }

    private func stopFailed(_ error: any Error) {
        let reason = error is MotorStopError ? "\(error)" : "cannot stop the motors: \(error)"
        faultReason = reason
        guard case .retry(let delay, let report, let escalate) = stopRetry.failed() else { return }
        if report {
            logger.error("\(reason); retrying every \(Int(delay / .milliseconds(1))) ms")
            telemetry.publish(.fault, left: base.left, right: base.right, reason: reason)
        } else {
            logger.debug("stop attempt \(stopRetry.failuresInARow) failed: \(reason)")
        }
        if escalate {
            self.escalate(reason)
        }
        stopRetryTimer?.cancel()
        stopRetryTimer = Task { [weak self] in
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            await self?.retryStop()
        }
    }

    private func retryStop() {
        stopRetryTimer = nil
        attemptStop(pending: nil)
    }

    private func escalate(_ reason: String) {
        let failures = stopRetry.failuresInARow
        if case .systemd(let notifier) = escalation {
            let request = "asking systemd to restart robotd (WATCHDOG=trigger; ExecStopPost runs robotd stop-motors)"
            logger.critical("\(reason) (\(failures) attempts in a row); \(request)")
            do {
                try notifier.send(.watchdogTrigger, .status("motors cannot be stopped: \(reason)"))
                return
            } catch {
                logger.critical("systemd: cannot notify: \(error)")
            }
        }
        logger.critical("\(reason) (\(failures) attempts in a row); exiting so that robotd stop-motors can run")
        fatalFaults.yield(MotorFault(reason: reason))
    }

    /// Why and for whom a stop was asked, reported as `stopped` when a failed stop finally succeeds.
    struct PendingStop: Sendable {
        var reason: String
        var id: String?
    }
}
