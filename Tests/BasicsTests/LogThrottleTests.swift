import Basics
import Testing

@Suite struct LogThrottleTests {
    @Test func theFirstLineGoesOutThenOnePerIntervalWithTheCountHeldBack() {
        var throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(throttle.admit(now: start) == 0)
        #expect(throttle.admit(now: start + .seconds(1)) == nil)
        #expect(throttle.admit(now: start + .seconds(9)) == nil)
        #expect(throttle.admit(now: start + .seconds(10)) == 2)
        #expect(throttle.admit(now: start + .seconds(11)) == nil)
        #expect(throttle.admit(now: start + .seconds(30)) == 1)
        #expect(throttle.admit(now: start + .seconds(60)) == 0)
    }

    @Test func aThousandLinesInASecondMakeOne() {
        var throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        let admitted = (0..<1000).compactMap { throttle.admit(now: start + .milliseconds($0)) }
        #expect(admitted == [0])
    }
}
