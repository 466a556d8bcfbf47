import DriveControl
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
    let telemetry: TelemetryPublisher
    var controller = DriveController<ContinuousClock.Instant>()
    var deadlineTimer: Task<Void, Never>?
    var armedDeadline: ContinuousClock.Instant?
    var counters = Counters()
    var connectFailuresLogged = 0
    /// Set once ``run()`` has stopped the motors and started the MQTT client (see ``liveness(now:)``).
    var isRunning = false

    struct Counters {
        var commands = 0
        var rejected = 0
    }

    public init(
        thingName: String, client: MQTTClient, base: sending DifferentialBase, defaults: DriveDefaults,
        heartbeat: Duration?, logger: Logger
    ) {
        self.thingName = thingName
        self.client = client
        self.base = base
        self.defaults = defaults
        self.heartbeat = heartbeat
        self.logger = logger
        self.telemetry = TelemetryPublisher(thingName: thingName, client: client, logger: logger)
    }

    public func run() async {
        perform(controller.started(), now: .now)
        client.start()
        isRunning = true
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consumeEvents() }
            if let heartbeat {
                group.addTask { await self.sendHeartbeats(every: heartbeat) }
            }
            group.addTask {
                // Returns on SIGTERM/SIGINT (through the service group) or when the group is cancelled.
                try? await gracefulShutdown()
                await self.shutDown()
            }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func consumeEvents() async {
        for await event in client.events {
            handle(event)
        }
    }

    private func sendHeartbeats(every period: Duration) async {
        while (try? await Task.sleep(for: period)) != nil {
            let (left, right) = currentThrottles
            telemetry.publish(.heartbeat, left: left, right: right, extra: countersJSON)
        }
    }

    /// Commands stop counting first, then the motors stop, then `offline` is delivered, then we disconnect.
    private func shutDown() async {
        logger.notice("shutting down: stopping motors")
        perform(controller.shuttingDown(), now: .now)
        deadlineTimer?.cancel()
        await telemetry.publishOffline(reason: "shutdown")
        await client.disconnect()
    }
}
