public import CredentialProvider
public import Logging
import ProcessSpawn
public import ServiceLifecycle
public import StrictJSON
import Supervision

/// The WebRTC video producer as a service: fetches AWS credentials from the IoT credential provider, keeps them
/// fresh, and runs the producer with them — handed over in a file it re-reads (robot-webrtc as a KVS master: it
/// keeps running, and so do its viewers) or restarted with them in its environment (the KVS C SDK sample) before
/// the old ones expire; restarted with back-off when it exits or crashes, stopped (SIGTERM, then SIGKILL) when
/// robotd stops.
///
/// Two pure state machines decide (``CredentialRefresh``, ``ProducerSupervisor``); this actor only performs their
/// actions. Every wait, fetch and child process is a task of one task group that ``run()`` owns, reporting back
/// through one event stream, so events are handled one at a time, in order. Nothing here can stop driving:
/// ``run()`` never throws, and it is configured so that its end is ignored by the service group.
public actor VideoService: Service {
    let settings: VideoSettings
    /// The AWS IoT credential provider; nil for a producer that needs no AWS credentials (self-hosted video with
    /// `robot-webrtc`): it starts at once and runs without `AWS_` variables.
    let client: CredentialProviderClient?
    /// Where robot-webrtc reads the credentials; nil: they go into the producer's environment.
    let credentialsFile: CredentialsFile?
    let logger: Logger
    let report: @Sendable (String, JSONObject) async -> Void
    var refresh: CredentialRefresh<ContinuousClock.Instant>
    var supervisor: ProducerSupervisor<ContinuousClock.Instant>
    /// The newest credentials and their generation (1, 2, …).
    var credentials: (generation: Int, value: AWSCredentials)?
    var producer: SpawnedProcess?
    var fetchFailuresLogged = 0

    enum Event: Sendable {
        case fetched(Result<FetchedCredentials, CredentialProviderError>)
        case refreshTimer
        case restartTimer
        case spawned(generation: Int, Result<SpawnedProcess, SpawnError>)
        case exited(pid: Int32, ProcessTermination)
        case shutdown
    }

    /// Work for the task group.
    enum Effect: Sendable {
        case fetch
        case sleep(until: ContinuousClock.Instant, then: Event)
        case spawn(generation: Int, command: [String], environment: [String])
        case watch(SpawnedProcess)
        case terminate(SpawnedProcess, grace: Duration)
        case report(String, JSONObject)
        case finish
    }

    /// - Parameter report: publishes a `video` telemetry event with a reason and extra fields.
    public init(
        settings: VideoSettings, client: CredentialProviderClient?, logger: Logger,
        report: @escaping @Sendable (String, JSONObject) async -> Void
    ) {
        self.settings = settings
        self.client = client
        self.credentialsFile = settings.credentialsFile.map(CredentialsFile.init(path:))
        self.logger = logger
        self.report = report
        self.refresh = CredentialRefresh(policy: settings.refreshPolicy)
        self.supervisor = ProducerSupervisor(policy: settings.supervisionPolicy)
    }

    public func run() async {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await gracefulShutdown()
                continuation.yield(.shutdown)
            }
            launch(start(), into: &group, continuation)
            for await event in events {
                launch(handle(event), into: &group, continuation)
            }
            group.cancelAll()
        }
        logger.debug("video: stopped")
    }

    private func launch(
        _ effects: [Effect], into group: inout DiscardingTaskGroup, _ continuation: AsyncStream<Event>.Continuation
    ) {
        for effect in effects {
            if case .finish = effect {
                continuation.finish()
            } else {
                group.addTask { await self.perform(effect, continuation) }
            }
        }
    }

    /// Runs one effect in a child task; its outcome comes back as an event.
    nonisolated func perform(_ effect: Effect, _ events: AsyncStream<Event>.Continuation) async {
        switch effect {
        case .fetch:
            guard let client else { return }
            do throws(CredentialProviderError) {
                events.yield(.fetched(.success(try await client.fetch())))
            } catch {
                events.yield(.fetched(.failure(error)))
            }
        case .sleep(let deadline, let event):
            guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
            events.yield(event)
        case .spawn(let generation, let command, let environment):
            let logger = self.logger
            do throws(SpawnError) {
                let process = try await SpawnedProcess.start(command, environment: environment) { stream, line in
                    logger.info("video: \(line)", metadata: ["video.stream": "\(stream.rawValue)"])
                }
                events.yield(.spawned(generation: generation, .success(process)))
            } catch {
                events.yield(.spawned(generation: generation, .failure(error)))
            }
        case .watch(let process):
            let termination = await process.waitForExit()
            events.yield(.exited(pid: process.processIdentifier, termination))
        case .terminate(let process, let grace):
            await process.terminate(grace: grace)
        case .report(let reason, let extra):
            await report(reason, extra)
        case .finish:
            events.finish()
        }
    }
}
