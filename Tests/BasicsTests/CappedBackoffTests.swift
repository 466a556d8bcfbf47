import Basics
import Testing

@Suite struct CappedBackoffTests {
    let backoff = CappedBackoff(initial: .milliseconds(100), maximum: .milliseconds(1500), jitter: 0.5)

    @Test func doublesUntilTheCap() {
        let delays = (0..<6).map { backoff.delay(attempt: $0, random: 0) }
        #expect(
            delays == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1500),
                .milliseconds(1500),
            ])
    }

    @Test func jitterShortensByUpToItsFraction() {
        #expect(backoff.delay(attempt: 2, random: 1) == .milliseconds(200))
        #expect(backoff.delay(attempt: 9, random: 0.5) == .milliseconds(1125))
        for _ in 0..<100 {
            let delay = backoff.delay(attempt: 40)
            #expect(delay >= .milliseconds(750) && delay <= .milliseconds(1500))
        }
    }

    @Test func maximumIsNeverBelowInitial() {
        let odd = CappedBackoff(initial: .seconds(2), maximum: .seconds(1))
        #expect(odd.delay(attempt: 0, random: 0) == .seconds(2))
    }

    @Test func backOffIsCapped() {
        let backoff = CappedBackoff(initial: .milliseconds(500), maximum: .seconds(60))
        #expect(backoff.delay(attempt: 0) == .milliseconds(500))
        #expect(backoff.delay(attempt: 3) == .seconds(4))
        #expect(backoff.delay(attempt: 7) == .seconds(60))
        #expect(backoff.delay(attempt: 1000) == .seconds(60))
    }
}
