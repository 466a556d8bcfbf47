import DriveControl
import Testing

/// The failed-stop policy, as a pure state: no clock, no sleep.
@Suite struct StopRetryTests {
    @Test func aStopThatWorksAtOnceIsJustStopped() {
        var retry = StopRetry()
        #expect(retry.succeeded() == .stopped(afterFailures: 0))
        #expect(!retry.isFailing)
    }

    @Test func aFailedStopIsRetriedEvery50MsAndReportedOnItsFirstFailure() {
        var retry = StopRetry()
        #expect(retry.failed() == .retry(after: .milliseconds(50), report: true, escalate: false))
        #expect(retry.isFailing)
        for _ in 2...4 {
            #expect(retry.failed() == .retry(after: .milliseconds(50), report: false, escalate: false))
        }
        #expect(retry.failuresInARow == 4)
    }

    @Test func fiveFailuresInARowEscalateAndEveryFiveMoreEscalateAgain() {
        var retry = StopRetry()
        #expect(StopRetry.escalationThreshold == 5, "docs/SAFETY.md documents 5")
        let actions = (1...15).map { _ in retry.failed() }
        let escalations = actions.indices.filter {
            if case .retry(_, _, let escalate) = actions[$0] { return escalate }
            return false
        }
        #expect(escalations.map { $0 + 1 } == [5, 10, 15])
        // Each escalation is reported too, so telemetry says why robotd restarts.
        #expect(actions[4] == .retry(after: .milliseconds(50), report: true, escalate: true))
    }

    @Test func aSuccessEndsTheRunAndSaysHowManyAttemptsFailed() {
        var retry = StopRetry()
        _ = retry.failed()
        _ = retry.failed()
        _ = retry.failed()
        #expect(retry.succeeded() == .stopped(afterFailures: 3))
        #expect(!retry.isFailing && retry.failuresInARow == 0)
        // A new run starts from scratch: its first failure is reported again, and escalation counts anew.
        #expect(retry.failed() == .retry(after: .milliseconds(50), report: true, escalate: false))
    }

    @Test func aThresholdOfOneEscalatesAtTheFirstFailure() {
        var retry = StopRetry(retryInterval: .milliseconds(10), escalationThreshold: 1)
        #expect(retry.failed() == .retry(after: .milliseconds(10), report: true, escalate: true))
    }
}
