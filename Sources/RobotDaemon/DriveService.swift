import Battery
public import DriveControl
public import DriveProtocol
public import Logging
public import MQTT
public import Motors
public import ServiceLifecycle

/// The robot's drive path as a service: MQTT commands in, motor writes and telemetry out.
///
/// Owns the ``DriveController`` and performs its actions. Isolation to one actor means every event
/// (a message, a deadline, a lost connection, shutdown) is handled one at a time, in order.
public actor DriveService: Service {
    let thingName: String
    let client: MQTTClient
    let base: DifferentialBase
    let defaults: DriveDefaults
    let heartbeat: Duration?
    let logger: Logger
    var telemetry: TelemetryPublisher
    var controller: DriveController<ContinuousClock.Instant>
    var deadlineTimer: Task<Void, Never>?
    var armedDeadline: ContinuousClock.Instant?
    /// The ramp's next step (``DriveController/nextTick``), armed only while a ramp is under way.
    var rampTimer: Task<Void, Never>?
    var armedTick: ContinuousClock.Instant?
    /// Where the emergency-stop latch is saved; nil: it lives in memory only (in-process tests).
    let latchFile: EstopLatchFile?
    var counters = Counters()
    /// The first failed connection of a run is a warning, then every 60th (the rest are debug lines).
    var connectFailures = ConnectFailureLog(every: 60)
    /// Set once ``run()`` has stopped the motors and started the MQTT client (see ``liveness(now:)``).
    var isRunning = false
    /// What to do when the motors cannot be stopped.
    let escalation: MotorFaultEscalation
    /// The retry and escalation policy of a failing stop.
    var stopRetry = StopRetry()
    /// The next attempt at a failed stop.
    var stopRetryTimer: Task<Void, Never>?
    /// The stop to report as `stopped` once a failing stop succeeds.
    var pendingStop: PendingStop?
    /// Why the motors cannot be stopped, while they cannot.
    var faultReason: String?
    /// The battery's latest reading, reported in heartbeats (set by the battery service).
    var latestBattery: BatteryReading?
    /// Escalations that end ``run()`` (``MotorFaultEscalation/exit``).
    let fatalFaults: AsyncStream<MotorFault>.Continuation
    private let fatalFaultStream: AsyncStream<MotorFault>

    struct Counters {
        var commands = 0
        var rejected = 0
    }

    /// - Parameters:
    ///   - escalation: what to do when the motors cannot be stopped several times in a row.
    ///   - limits: the ramp and the speed cap (none by default).
    ///   - stateDirectory: where the emergency-stop latch is saved (``EstopLatchFile``); nil keeps it in memory.
    public init(
        thingName: String, client: MQTTClient, base: sending DifferentialBase, defaults: DriveDefaults,
        heartbeat: Duration?, logger: Logger, escalation: MotorFaultEscalation = .exit,
        limits: DriveLimits = DriveLimits(), stateDirectory: String? = nil
    ) {
        self.escalation = escalation
        self.controller = DriveController(limits: limits)
        self.latchFile = stateDirectory.map { EstopLatchFile(directory: $0) }
        (fatalFaultStream, fatalFaults) = AsyncStream.makeStream(of: MotorFault.self)
        self.thingName = thingName
        self.client = client
        self.base = base
        self.defaults = defaults
        self.heartbeat = heartbeat
        self.logger = logger
        self.telemetry = TelemetryPublisher(thingName: thingName, client: client, logger: logger)
    }

    /// Runs until SIGTERM/SIGINT (through the service group). Throws a ``MotorFault`` when the motors cannot be
    /// stopped: at shutdown, or while running with ``MotorFaultEscalation/exit`` (robotd then exits non-zero).
    public func run() async throws {
        perform(controller.started(latched: restoreLatch()), now: .now)
        client.start()
        isRunning = true
        let fault = await withTaskGroup(of: MotorFault?.self) { group in
            group.addTask {
                await self.consumeEvents()
                return nil
            }
            if let heartbeat {
                group.addTask {
                    await self.sendHeartbeats(every: heartbeat)
                    return nil
                }
            }
            group.addTask {
                // Returns on SIGTERM/SIGINT (through the service group) or when the group is cancelled.
                try? await gracefulShutdown()
                return await self.shutDown()
            }
            group.addTask {
                for await fault in self.fatalFaultStream { return fault }
                return nil
            }
            var first = await group.next() ?? nil
            group.cancelAll()
            // The shutdown child still stops the motors, says `offline` and disconnects; its fault counts too.
            while let next = await group.next() { first = first ?? next }
            return first
        }
        if let fault { throw fault }
    }

    private func consumeEvents() async {
        for await event in client.events {
            handle(event)
        }
    }

    private func sendHeartbeats(every period: Duration) async {
        while (try? await Task.sleep(for: period)) != nil {
            let (left, right) = currentThrottles
            var extra = countersJSON
            if let latestBattery { extra["battery"] = latestBattery.json }
            telemetry.publish(.heartbeat, left: left, right: right, extra: extra)
        }
    }

    /// Commands stop counting first, then the motors stop, then `offline` is delivered, then we disconnect.
    /// A stop that still fails after ``StopRetry/escalationThreshold`` attempts is returned: robotd then exits
    /// non-zero (under systemd, `ExecStopPost=robotd stop-motors` runs either way).
    private func shutDown() async -> MotorFault? {
        logger.notice("shutting down: stopping motors")
        perform(controller.shuttingDown(), now: .now)
        deadlineTimer?.cancel()
        rampTimer?.cancel()
        var attempts = 1
        // Cancelled: robotd is already ending with a motor fault; retrying without the pauses would only add noise.
        while let reason = faultReason, attempts < stopRetry.escalationThreshold, !Task.isCancelled {
            logger.warning("shutting down: the motors did not stop (\(reason)); trying again")
            stopRetryTimer?.cancel()
            try? await Task.sleep(for: stopRetry.retryInterval)
            attempts += 1
            attemptStop(pending: nil)
        }
        stopRetryTimer?.cancel()
        fatalFaults.finish()
        await telemetry.publishOffline(reason: faultReason == nil ? "shutdown" : "shutdown with a motor fault")
        await client.disconnect()
        return faultReason.map { MotorFault(reason: $0) }
    }
}
