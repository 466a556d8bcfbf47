@testable import RobotServer
import Testing

/// The signaling rate limit's bucket, with time passed in.
@Suite struct TokenBucketTests {
    let start = ContinuousClock.now

    @Test func aFullBurstPassesThenTheRestIsRefused() {
        var bucket = TokenBucket(burst: 100, perSecond: 20, now: start)
        let passed = (0..<150).filter { _ in bucket.take(now: start) }.count
        #expect(passed == 100)
    }

    @Test func tokensComeBackAtTheRateAndNoFasterThanTheBurst() {
        var bucket = TokenBucket(burst: 10, perSecond: 20, now: start)
        for _ in 0..<10 { _ = bucket.take(now: start) }
        let empty = bucket.take(now: start)
        #expect(!empty)
        let early = bucket.take(now: start + .milliseconds(49))
        #expect(!early, "under one token after 49 ms at 20/s")
        let refilled = bucket.take(now: start + .milliseconds(50))
        #expect(refilled)
        // A long quiet spell refills to the burst, not beyond.
        let later = start + .seconds(3600)
        #expect((0..<20).filter { _ in bucket.take(now: later) }.count == 10)
    }

    @Test func aSteadyStreamAtTheRatePassesForever() {
        var bucket = TokenBucket(burst: 10, perSecond: 20, now: start)
        let refused = (1...2000).filter { !bucket.take(now: start + .milliseconds(50 * $0)) }
        #expect(refused.isEmpty)
    }

    @Test func aStreamFasterThanTheRateRunsDry() {
        var bucket = TokenBucket(burst: 10, perSecond: 20, now: start)
        // 40 frames/s: the burst plus 20/s pass, then every other one is refused.
        let first = (1...100).first { !bucket.take(now: start + .milliseconds(25 * $0)) }
        // The bucket is full at the first frame (its half token is lost to the cap); by the 20th, 475 ms later, 19
        // frames have taken the burst and the 9.5 tokens that came back: half a token is left.
        #expect(first == 20)
    }

    @Test func timeGoingBackwardsAddsNothing() {
        var bucket = TokenBucket(burst: 1, perSecond: 1, now: start + .seconds(10))
        let first = bucket.take(now: start)
        #expect(first)
        let second = bucket.take(now: start + .seconds(5))
        #expect(!second)
    }
}
