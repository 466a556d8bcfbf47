import Basics
import Supervision
import Testing

/// The producer's restarts, with time passed in: no sleeps, no processes.
@Suite struct ProducerSupervisorTests {
    typealias Supervisor = ProducerSupervisor<ContinuousClock.Instant>
    let t0 = ContinuousClock.now
    let policy = Supervisor.Policy(
        restart: CappedBackoff(initial: .seconds(1), maximum: .seconds(8)), stableAfter: .seconds(30))

    func running(generation: Int = 1, policy: Supervisor.Policy? = nil) -> Supervisor {
        var supervisor = Supervisor(policy: policy ?? self.policy)
        #expect(supervisor.credentialsAvailable(generation: generation) == .start(generation: generation))
        #expect(supervisor.started(now: t0) == .none)
        return supervisor
    }

    @Test func waitsForCredentialsThenStarts() {
        var supervisor = Supervisor(policy: policy)
        #expect(supervisor.state == .idle)
        #expect(supervisor.timerFired(now: t0) == .none)
        #expect(supervisor.credentialsAvailable(generation: 1) == .start(generation: 1))
        #expect(supervisor.started(now: t0) == .none)
        #expect(supervisor.state == .running(generation: 1, since: t0))
    }

    @Test func crashesRestartWithCappedExponentialBackOff() {
        var supervisor = running()
        var now = t0
        var delays: [Duration] = []
        for _ in 0..<6 {
            now += .seconds(2)  // a short run: not stable
            guard case .restart(let at, let delay) = supervisor.exited(now: now) else {
                Issue.record("expected a restart, state \(supervisor.state)")
                return
            }
            delays.append(delay)
            #expect(supervisor.timerFired(now: at - .milliseconds(1)) == .wait(until: at))
            #expect(supervisor.timerFired(now: at) == .start(generation: 1))
            now = at
            #expect(supervisor.started(now: now) == .none)
        }
        #expect(delays == [1, 2, 4, 8, 8, 8].map { Duration.seconds($0) })
        #expect(supervisor.failures == 6)
    }

    @Test func aStableRunResetsTheBackOff() {
        var supervisor = running()
        _ = supervisor.exited(now: t0 + .seconds(1))
        _ = supervisor.timerFired(now: t0 + .seconds(2))
        _ = supervisor.started(now: t0 + .seconds(2))
        #expect(supervisor.exited(now: t0 + .seconds(3)) == .restart(at: t0 + .seconds(5), delay: .seconds(2)))
        _ = supervisor.timerFired(now: t0 + .seconds(5))
        _ = supervisor.started(now: t0 + .seconds(5))
        // Ran 30 s: healthy, so the next crash restarts after the initial delay again.
        #expect(supervisor.exited(now: t0 + .seconds(35)) == .restart(at: t0 + .seconds(36), delay: .seconds(1)))
    }

    @Test func newCredentialsRestartItWithThem() {
        var supervisor = running(generation: 1)
        #expect(supervisor.credentialsAvailable(generation: 2) == .stop(.rotation))
        #expect(supervisor.state == .rotating)
        #expect(supervisor.exited(now: t0 + .seconds(10)) == .start(generation: 2), "at once, no back-off")
        #expect(supervisor.started(now: t0 + .seconds(10)) == .none)
        #expect(supervisor.failures == 0, "a rotation is not a failure")
    }

    @Test func credentialsThatArriveWhileStartingRotateOnceStarted() {
        var supervisor = Supervisor(policy: policy)
        _ = supervisor.credentialsAvailable(generation: 1)
        #expect(supervisor.credentialsAvailable(generation: 2) == .none)
        #expect(supervisor.started(now: t0) == .stop(.rotation))
        #expect(supervisor.exited(now: t0) == .start(generation: 2))
    }

    @Test func aRestartAfterBackOffUsesTheNewestCredentials() {
        var supervisor = running(generation: 1)
        guard case .restart(let at, _) = supervisor.exited(now: t0 + .seconds(1)) else {
            Issue.record("expected a restart")
            return
        }
        #expect(supervisor.credentialsAvailable(generation: 2) == .none)
        #expect(supervisor.timerFired(now: at) == .start(generation: 2))
    }

    @Test func expiredCredentialsHoldRestartsUntilNewOnesCome() {
        var supervisor = running(generation: 1)
        supervisor.credentialsExpired()
        guard case .restart(let at, _) = supervisor.exited(now: t0 + .seconds(1)) else {
            Issue.record("expected a restart")
            return
        }
        #expect(supervisor.timerFired(now: at) == .none)
        #expect(supervisor.state == .idle)
        #expect(supervisor.credentialsAvailable(generation: 2) == .start(generation: 2))
    }

    @Test func aFailedStartBacksOff() {
        var supervisor = Supervisor(policy: policy)
        _ = supervisor.credentialsAvailable(generation: 1)
        #expect(supervisor.startFailed(now: t0) == .restart(at: t0 + .seconds(1), delay: .seconds(1)))
        #expect(supervisor.timerFired(now: t0 + .seconds(1)) == .start(generation: 1))
        #expect(supervisor.startFailed(now: t0 + .seconds(1)) == .restart(at: t0 + .seconds(3), delay: .seconds(2)))
    }

    @Test func shutdownStopsItAndNothingRestartsIt() {
        var supervisor = running()
        #expect(supervisor.shutDown() == .stop(.shutdown))
        #expect(supervisor.exited(now: t0 + .seconds(1)) == .none)
        #expect(supervisor.isStopped)
        #expect(supervisor.credentialsAvailable(generation: 2) == .none)
        #expect(supervisor.timerFired(now: t0 + .seconds(100)) == .none)
    }

    @Test func shutdownWhileStartingStopsItOnceStarted() {
        var supervisor = Supervisor(policy: policy)
        _ = supervisor.credentialsAvailable(generation: 1)
        #expect(supervisor.shutDown() == .none)
        #expect(supervisor.started(now: t0) == .stop(.shutdown))
        #expect(supervisor.exited(now: t0) == .none)
        #expect(supervisor.isStopped)
    }

    @Test func shutdownWhileBackingOffOrIdleIsImmediate() {
        var supervisor = running()
        _ = supervisor.exited(now: t0)
        #expect(supervisor.shutDown() == .none)
        #expect(supervisor.isStopped)
        var idle = Supervisor(policy: policy)
        #expect(idle.shutDown() == .none)
        #expect(idle.isStopped)
    }

    // Handed over by file (robot-webrtc re-reads it): fresh credentials never stop the producer.

    var filePolicy: Supervisor.Policy {
        var filePolicy = policy
        filePolicy.handover = .file
        return filePolicy
    }

    @Test func withAFileNewCredentialsAreHandedOverAndTheProducerKeepsRunning() {
        var supervisor = running(generation: 1, policy: filePolicy)
        #expect(supervisor.credentialsAvailable(generation: 2) == .handOver(generation: 2))
        #expect(supervisor.state == .running(generation: 2, since: t0), "still the same run")
        #expect(supervisor.credentialsAvailable(generation: 3) == .handOver(generation: 3))
        #expect(supervisor.credentialsAvailable(generation: 3) == .none, "nothing newer")
        #expect(supervisor.failures == 0)
        // An exit is still a failure, restarted with the newest credentials.
        guard case .restart(let at, _) = supervisor.exited(now: t0 + .seconds(1)) else {
            Issue.record("expected a restart, state \(supervisor.state)")
            return
        }
        #expect(supervisor.timerFired(now: at) == .start(generation: 3))
    }

    @Test func withAFileCredentialsThatArriveWhileStartingAreHandedOverNotRotated() {
        var supervisor = Supervisor(policy: filePolicy)
        _ = supervisor.credentialsAvailable(generation: 1)
        #expect(supervisor.credentialsAvailable(generation: 2) == .handOver(generation: 2))
        #expect(supervisor.started(now: t0) == .none, "no stop: it reads the file")
        #expect(supervisor.state == .running(generation: 2, since: t0))
    }

    @Test func withAFileCredentialsThatArriveWhileBackingOffWaitForTheRestart() {
        var supervisor = running(policy: filePolicy)
        guard case .restart(let at, _) = supervisor.exited(now: t0 + .seconds(1)) else {
            Issue.record("expected a restart")
            return
        }
        #expect(supervisor.credentialsAvailable(generation: 2) == .none, "the start writes the file")
        #expect(supervisor.timerFired(now: at) == .start(generation: 2))
    }

    @Test func withAFileShutdownAfterAHandoverStopsIt() {
        var supervisor = running(policy: filePolicy)
        _ = supervisor.credentialsAvailable(generation: 2)
        #expect(supervisor.shutDown() == .stop(.shutdown))
        #expect(supervisor.credentialsAvailable(generation: 3) == .none)
        #expect(supervisor.exited(now: t0 + .seconds(1)) == .none)
        #expect(supervisor.isStopped)
    }
}
