import Basics
import Supervision
import Testing

/// When credentials are fetched, with time passed in: no sleeps, no clock.
@Suite struct CredentialRefreshTests {
    typealias Refresh = CredentialRefresh<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    @Test(arguments: [
        // AWS's default lifetime: 80 % (48 min) comes before 5 minutes before expiry (55 min).
        (3600, 2880),
        // The shortest AWS allows: 5 minutes before expiry (10 min) comes before 80 % (12 min).
        (900, 600),
        // The longest: 80 %.
        (43_200, 34_560),
        // Shorter than AWS allows (a test provider): never sooner than half the lifetime.
        (60, 30),
        (8, 4),
    ])
    func refreshesAtTheEarlierOf80PercentAnd5MinutesBeforeExpiry(lifetime: Int, refreshAfter: Int) {
        #expect(Refresh.refreshDelay(validFor: .seconds(lifetime), policy: .init()) == .seconds(refreshAfter))
    }

    @Test func fetchesAtStartThenAtTheRefreshTime() {
        var refresh = Refresh()
        #expect(refresh.start() == .fetch)
        #expect(refresh.start() == .none, "one start only")
        #expect(!refresh.hasValidCredentials(at: t0))
        #expect(refresh.fetched(validFor: .seconds(3600), now: t0) == .use(refreshAt: t0 + .seconds(2880)))
        #expect(refresh.hasValidCredentials(at: t0 + .seconds(3599)))
        #expect(!refresh.hasValidCredentials(at: t0 + .seconds(3600)))
        #expect(refresh.timerFired(now: t0 + .seconds(100)) == .wait(until: t0 + .seconds(2880)), "early timer")
        #expect(refresh.timerFired(now: t0 + .seconds(2880)) == .fetch)
        #expect(refresh.timerFired(now: t0 + .seconds(2881)) == .none, "a stale timer while fetching")
        #expect(
            refresh.fetched(validFor: .seconds(3600), now: t0 + .seconds(2881))
                == .use(refreshAt: t0 + .seconds(2881 + 2880)))
    }

    @Test func transientFailuresBackOffExponentiallyUpToTheCap() {
        var refresh = Refresh(policy: .init(retry: CappedBackoff(initial: .seconds(1), maximum: .seconds(8))))
        _ = refresh.start()
        var now = t0
        var delays: [Duration] = []
        for _ in 0..<6 {
            guard case .retry(let at, let delay) = refresh.failed(transient: true, now: now) else {
                Issue.record("expected a retry")
                return
            }
            delays.append(delay)
            #expect(at == now + delay)
            now = at
            #expect(refresh.timerFired(now: now) == .fetch)
        }
        #expect(delays == [1, 2, 4, 8, 8, 8].map { Duration.seconds($0) })
        // Success resets the back-off.
        _ = refresh.fetched(validFor: .seconds(3600), now: now)
        _ = refresh.timerFired(now: now + .seconds(2880))
        #expect(
            refresh.failed(transient: true, now: now + .seconds(2880))
                == .retry(at: now + .seconds(2881), delay: .seconds(1)))
    }

    @Test func aFailureThatNeedsAPersonWaitsTheMaximum() {
        var refresh = Refresh(policy: .init(retry: CappedBackoff(initial: .seconds(1), maximum: .seconds(300))))
        _ = refresh.start()
        #expect(refresh.failed(transient: false, now: t0) == .retry(at: t0 + .seconds(300), delay: .seconds(300)))
    }

    @Test func whileTheOldCredentialsAreValidRetriesFitBeforeTheyExpire() {
        var refresh = Refresh(policy: .init(retry: CappedBackoff(initial: .seconds(1), maximum: .seconds(300))))
        _ = refresh.start()
        _ = refresh.fetched(validFor: .seconds(900), now: t0)
        let refreshAt = t0 + .seconds(600)
        #expect(refresh.timerFired(now: refreshAt) == .fetch)
        // 300 s remain: a refused certificate would wait 300 s, but half the remaining life is 150 s.
        #expect(
            refresh.failed(transient: false, now: refreshAt)
                == .retry(at: refreshAt + .seconds(150), delay: .seconds(150)))
        #expect(refresh.timerFired(now: refreshAt + .seconds(150)) == .fetch)
        #expect(
            refresh.failed(transient: false, now: refreshAt + .seconds(150))
                == .retry(at: refreshAt + .seconds(225), delay: .seconds(75)))
        // After expiry the cap is the policy's again.
        _ = refresh.timerFired(now: t0 + .seconds(900))
        #expect(
            refresh.failed(transient: false, now: t0 + .seconds(900))
                == .retry(at: t0 + .seconds(1200), delay: .seconds(300)))
        #expect(!refresh.hasValidCredentials(at: t0 + .seconds(900)))
    }

    @Test func aShortLifetimeRefreshesEarlyButNotInALoop() {
        var refresh = Refresh()
        _ = refresh.start()
        #expect(refresh.fetched(validFor: .seconds(6), now: t0) == .use(refreshAt: t0 + .seconds(3)))
        #expect(refresh.timerFired(now: t0 + .seconds(3)) == .fetch)
    }

    @Test func stoppedIgnoresEverything() {
        var refresh = Refresh()
        _ = refresh.start()
        refresh.stop()
        #expect(refresh.fetched(validFor: .seconds(60), now: t0) == .none)
        #expect(refresh.failed(transient: true, now: t0) == .none)
        #expect(refresh.timerFired(now: t0 + .seconds(1000)) == .none)
    }
}
