import Basics
import Testing

@Suite struct DurationMillisecondsTests {
    @Test(arguments: [
        (Duration.zero, Int64(0)),
        (.milliseconds(1500), 1500),
        (.seconds(2), 2000),
        (.microseconds(999), 0),  // rounded towards zero, not up
        (.nanoseconds(1_999_999), 1),
        (.seconds(86_400 * 365), 31_536_000_000),
        (.milliseconds(-1500), -1500),
        (.microseconds(-1), 0),  // towards zero also below it
    ])
    func wholeMillisecondsRoundedTowardsZero(duration: Duration, milliseconds: Int64) {
        #expect(duration.milliseconds == milliseconds)
    }
}
