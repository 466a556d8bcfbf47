import DriveControl
public import Logging
public import ServiceLifecycle
public import SystemdNotify

/// robotd's side of its systemd unit (`Type=notify`, `WatchdogSec=`): `READY=1` once the motors are stopped
/// and the broker connection is under way, `WATCHDOG=1` only while the drive loop answers and keeps its
/// deadlines, `STOPPING=1` as soon as shutdown begins, and a one-line `STATUS=` for `systemctl status`.
///
/// Each ping is earned: the service asks the ``DriveService`` actor for its ``DriveLiveness`` and pings only
/// when the answer comes back healthy. A stuck actor never answers, so systemd's watchdog fires; a motion
/// that outlives its deadline by ``overdueLimit`` makes it send `WATCHDOG=trigger` at once. Either way
/// systemd kills robotd and `ExecStopPost=robotd stop-motors` stops the motors.
public struct SystemdSupervision: Service {
    /// Between status updates when systemd runs no watchdog.
    static let statusInterval: Duration = .seconds(5)
    /// A motion this much past its deadline means the drive loop no longer stops the robot.
    public static let overdueLimit: Duration = .seconds(1)

    let notifier: SystemdNotifier
    let drive: DriveService
    let endpoint: String
    let logger: Logger

    public init(notifier: SystemdNotifier, drive: DriveService, endpoint: String, logger: Logger) {
        self.notifier = notifier
        self.drive = drive
        self.endpoint = endpoint
        self.logger = logger
    }

    public func run() async {
        await withGracefulShutdownHandler {
            // Shutdown ends the loop at once: the drive service (stopped after this one) then stops the motors.
            await cancelWhenGracefulShutdown { await supervise() }
        } onGracefulShutdown: {
            notify(.stopping, .status("stopping: motors stop, then offline telemetry"))
        }
    }

    private func supervise() async {
        var report = await drive.liveness()
        while !report.running {
            guard (try? await Task.sleep(for: .milliseconds(5))) != nil else { return }
            report = await drive.liveness()
        }
        var status = Self.status(report, endpoint: endpoint)
        notify(.ready, .status(status))
        let interval = notifier.watchdogPingInterval ?? Self.statusInterval
        logger.info(
            "systemd: ready",
            metadata: notifier.watchdogPingInterval.map { ["systemd.watchdog.ping": "\($0)"] } ?? [:])
        if notifier.watchdogPingInterval != nil {
            notify(.watchdog)
        }
        while (try? await Task.sleep(for: interval)) != nil {
            report = await drive.liveness()
            if let problem = Self.problem(report) {
                logger.critical("\(problem); asking systemd to restart robotd (ExecStopPost stops the motors)")
                notify(.watchdogTrigger, .status(problem))
                continue
            }
            var messages: [NotifyMessage] = notifier.watchdogPingInterval == nil ? [] : [.watchdog]
            let newStatus = Self.status(report, endpoint: endpoint)
            if newStatus != status {
                status = newStatus
                messages.append(.status(status))
            }
            if !messages.isEmpty {
                notify(messages)
            }
        }
    }

    /// Why the drive loop is not healthy, or nil when it is.
    /// A stop failing ``StopRetry/escalationThreshold`` times in a row is one too (the drive service has
    /// already asked for the restart; this keeps the pings from contradicting it).
    public static func problem(_ report: DriveLiveness) -> String? {
        if report.stopFailures >= StopRetry.escalationThreshold {
            return "the motors cannot be stopped: \(report.fault ?? "unknown error")"
        }
        guard let overdue = report.overdue, overdue > overdueLimit else { return nil }
        return "the motors kept driving \(overdue) past their deadline"
    }

    /// The one-line state shown by `systemctl status robotd`.
    public static func status(_ report: DriveLiveness, endpoint: String) -> String {
        if report.stopFailures > 0 { return "motor fault: \(report.fault ?? "the motors cannot be stopped")" }
        guard report.connected else { return "connecting to \(endpoint); motors stopped" }
        return "online at \(endpoint); motors \(report.moving ? "driving" : "stopped"); "
            + "\(report.commands) commands, \(report.rejected) rejected"
    }

    private func notify(_ messages: NotifyMessage...) {
        notify(messages)
    }

    private func notify(_ messages: [NotifyMessage]) {
        do {
            try notifier.send(messages)
        } catch {
            logger.warning("systemd: cannot notify: \(error)")
        }
    }
}

/// The ``SystemdSupervision`` service when systemd listens, last in the group so that shutdown reaches it
/// first (`STOPPING=1` goes out before the motors stop); nothing otherwise.
func systemdServices(
    _ notifier: SystemdNotifier?, drive: DriveService, config: RobotConfig, logger: Logger
) -> [ServiceGroupConfiguration.ServiceConfiguration] {
    guard let notifier else { return [] }
    let supervision = SystemdSupervision(
        notifier: notifier, drive: drive, endpoint: "\(config.mqtt.endpoint):\(config.mqtt.port)", logger: logger)
    return [.init(service: supervision, successTerminationBehavior: .ignore)]
}
