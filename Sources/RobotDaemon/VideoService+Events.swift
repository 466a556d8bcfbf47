import Basics
import CredentialProvider
import Logging
import ProcessSpawn
import StrictJSON
import Supervision

extension VideoService {
    func start() -> [Effect] {
        guard let client else {
            logger.notice("video: no credentials section: starting the producer without AWS credentials")
            return supervise(supervisor.credentialsAvailable(generation: 1), now: .now)
        }
        logger.notice(
            "video: fetching AWS credentials",
            metadata: ["aws.roleAlias": "\(client.options.roleAlias)", "aws.endpoint": "\(client.options.endpoint)"])
        return refreshEffects(refresh.start())
    }

    /// Feeds one event to the state machines and returns what to do.
    func handle(_ event: Event) -> [Effect] {
        let now = ContinuousClock.now
        var effects: [Effect]
        switch event {
        case .fetched(.success(let fetched)):
            effects = received(fetched, now: now)
        case .fetched(.failure(let error)):
            effects = fetchFailed(error, now: now)
        case .refreshTimer:
            if !refresh.hasValidCredentials(at: now) { supervisor.credentialsExpired() }
            effects = refreshEffects(refresh.timerFired(now: now))
        case .restartTimer:
            effects = supervise(supervisor.timerFired(now: now), now: now)
        case .spawned(_, .success(let process)):
            producer = process
            logger.notice(
                "video: producer started",
                metadata: ["video.pid": "\(process.processIdentifier)", "video.command": "\(settings.command)"])
            effects = [.watch(process), .report("started", ["pid": .number(Double(process.processIdentifier))])]
            effects += supervise(supervisor.started(now: now), now: now)
        case .spawned(_, .failure(let error)):
            effects = producerFailed("cannot start: \(error)", now: now, action: supervisor.startFailed(now: now))
        case .exited(let pid, let termination):
            guard producer?.processIdentifier == pid else { return [] }
            producer = nil
            effects = exited(termination, now: now)
        case .shutdown:
            refresh.stop()
            if producer != nil { logger.notice("video: stopping the producer") }
            effects = supervise(supervisor.shutDown(), now: now)
        }
        if supervisor.isStopped {
            credentialsFile?.remove()
            effects.append(.finish)
        }
        return effects
    }

    private func received(_ fetched: FetchedCredentials, now: ContinuousClock.Instant) -> [Effect] {
        fetchFailuresLogged = 0
        let generation = (credentials?.generation ?? 0) + 1
        credentials = (generation, fetched.credentials)
        let action = refresh.fetched(validFor: fetched.validFor, now: now)
        if case .use(let refreshAt) = action {
            let refreshIn = seconds(now.duration(to: refreshAt))
            logger.notice(
                "video: AWS credentials fetched, valid for \(seconds(fetched.validFor)), refreshing in \(refreshIn)",
                metadata: ["aws.credentials.expiration": "\(fetched.credentials.expiration.iso8601)"])
        }
        return refreshEffects(action) + supervise(supervisor.credentialsAvailable(generation: generation), now: now)
    }

    private func fetchFailed(_ error: CredentialProviderError, now: ContinuousClock.Instant) -> [Effect] {
        guard error.kind != .cancelled else { return [] }
        let action = refresh.failed(transient: error.isTransient, now: now)
        guard case .retry(_, let delay) = action else { return refreshEffects(action) }
        let valid = refresh.hasValidCredentials(at: now)
        if !valid { supervisor.credentialsExpired() }
        // The first failure in a row is worth an error; the same one every retry is not.
        fetchFailuresLogged += 1
        let level: Logger.Level = fetchFailuresLogged == 1 ? (valid ? .warning : .error) : .debug
        logger.log(level: level, "video: cannot fetch AWS credentials: \(error); retrying in \(seconds(delay))")
        let extra: JSONObject = ["retryInMs": .number(Double(delay.milliseconds))]
        return refreshEffects(action) + [.report("credentials unavailable: \(error)", extra)]
    }

    private func exited(_ termination: ProcessTermination, now: ContinuousClock.Instant) -> [Effect] {
        let expected = supervisor.state == .rotating || supervisor.state == .stopping
        let action = supervisor.exited(now: now)
        guard !expected else {
            logger.debug("video: producer ended (\(termination))")
            return supervise(action, now: now)
        }
        let what = if case .signalled = termination { "crashed" } else { "exited" }
        return producerFailed("\(what): \(termination)", now: now, action: action)
    }

    /// The producer ended by itself or could not start: log, report, and perform the restart.
    private func producerFailed(
        _ reason: String, now: ContinuousClock.Instant, action: ProducerSupervisor<ContinuousClock.Instant>.Action
    ) -> [Effect] {
        var extra: JSONObject = ["restarts": .number(Double(supervisor.failures))]
        if case .restart(_, let delay) = action {
            extra = [
                "restartInMs": .number(Double(delay.milliseconds)), "restarts": .number(Double(supervisor.failures)),
            ]
            logger.warning("video: producer \(reason); restarting in \(seconds(delay))")
        } else {
            logger.warning("video: producer \(reason)")
        }
        return [.report(reason, extra)] + supervise(action, now: now)
    }

    func supervise(_ action: ProducerSupervisor<ContinuousClock.Instant>.Action, now: ContinuousClock.Instant)
        -> [Effect]
    {
        switch action {
        case .start(let generation):
            guard client != nil else {
                return [.spawn(generation: generation, command: settings.command, environment: environmentWithoutAWS)]
            }
            guard let credentials, credentials.generation == generation, refresh.hasValidCredentials(at: now) else {
                supervisor.credentialsExpired()
                logger.notice("video: the AWS credentials expired; the producer starts when new ones come")
                return supervise(supervisor.startFailed(now: now), now: now)
            }
            guard let credentialsFile else {
                return [
                    .spawn(
                        generation: generation, command: settings.command,
                        environment: environmentWithoutAWS
                            + credentials.value.environment(region: settings.region, caFile: settings.caFile))
                ]
            }
            do throws(CredentialsFile.WriteError) {
                try credentialsFile.write(credentials.value)
            } catch {
                return producerFailed("cannot start: \(error)", now: now, action: supervisor.startFailed(now: now))
            }
            return [.spawn(generation: generation, command: settings.command, environment: environmentWithoutAWS)]
        case .handOver(let generation):
            guard let credentials, credentials.generation == generation, let credentialsFile else { return [] }
            do throws(CredentialsFile.WriteError) {
                try credentialsFile.write(credentials.value)
            } catch {
                logger.error("video: \(error); the producer keeps the credentials it has")
                return [.report("cannot hand over fresh credentials: \(error)", [:])]
            }
            logger.notice(
                "video: fresh AWS credentials written for the running producer",
                metadata: ["video.credentialsFile": "\(credentialsFile.path)"])
            return [.report("fresh credentials handed over", [:])]
        case .stop(let reason):
            guard let producer else { return [] }
            var effects: [Effect] = [.terminate(producer, grace: settings.stopTimeout)]
            if reason == .rotation {
                logger.notice("video: restarting the producer with fresh credentials")
                effects.append(.report("restarting with fresh credentials", [:]))
            }
            return effects
        case .restart(let at, _), .wait(let at):
            return [.sleep(until: at, then: .restartTimer)]
        case .none:
            return []
        }
    }

    func refreshEffects(_ action: CredentialRefresh<ContinuousClock.Instant>.Action) -> [Effect] {
        switch action {
        case .fetch: [.fetch]
        case .use(let at), .retry(let at, _), .wait(let at): [.sleep(until: at, then: .refreshTimer)]
        case .none: []
        }
    }

    /// robotd's environment without any `AWS_` variable: a producer gets only the credentials robotd gives it.
    private var environmentWithoutAWS: [String] {
        SpawnedProcess.inheritedEnvironment().filter { !$0.hasPrefix("AWS_") }
    }

    private func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        return milliseconds >= 120_000 ? "\(milliseconds / 60_000) min" : "\(Double(milliseconds / 100) / 10) s"
    }
}
