@testable import Basics
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (1_709_210_096_789_012_000, "2024-02-29T12:34:56.789012Z"),  // leap day
        (1_704_067_199_999_999_999, "2023-12-31T23:59:59.999999Z"),  // Dec 31, truncated not rounded
        (1_483_228_799_000_000_000, "2016-12-31T23:59:59.000000Z"),  // Dec 31 of a leap year (day 366)
        (951_782_400_000_000_000, "2000-02-29T00:00:00.000000Z"),  // leap day of a 400-year
        (4_107_542_400_000_000_000, "2100-03-01T00:00:00.000000Z"),  // 2100 is not a leap year
        (1_795_239_484_123_456_000, "2026-11-21T05:38:04.123456Z"),
        (-1_000, "1969-12-31T23:59:59.999999Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
        (-2_208_988_800_000_000_000, "1900-01-01T00:00:00.000000Z"),
        (.max, "2262-04-11T23:47:16.854775Z"),
        (.min, "1677-09-21T00:12:43.145224Z"),
    ])
    func formatsAsISO8601WithMicroseconds(nanoseconds: Int64, text: String) {
        let timestamp = Timestamp(nanosecondsSinceEpoch: nanoseconds)
        #expect(timestamp.iso8601 == text)
        #expect(timestamp.description == text)
        // Parsing gives the instant truncated to microseconds, or nil where that is below Int64.min.
        let (truncated, overflow) = nanoseconds.subtractingReportingOverflow(nanoseconds.floorMod(1_000))
        #expect(Timestamp(iso8601: text)?.nanosecondsSinceEpoch == (overflow ? nil : truncated))
    }

    @Test(arguments: [
        ("2024-02-29T12:34:56Z", Int64(1_709_210_096_000_000_000)),
        ("2024-02-29T12:34:56.7Z", 1_709_210_096_700_000_000),
        ("2024-02-29T12:34:56.123456789Z", 1_709_210_096_123_456_789),
        ("1970-01-01T00:00:00.000001Z", 1_000),
        ("2026-11-21T05:38:04.12Z", 1_795_239_484_120_000_000),
    ])
    func parsesFractionsOfAnyLength(text: String, nanoseconds: Int64) {
        #expect(Timestamp(iso8601: text) == Timestamp(nanosecondsSinceEpoch: nanoseconds))
    }

    @Test(arguments: [
        "", "2024-02-29", "2024-02-29T12:34:56", "2024-02-29 12:34:56Z", "2024-02-29T12:34:56z",
        "2024-02-29T12:34:56+00:00", "2024-02-29T12:34:56.Z", "2024-02-29T12:34:56.1234567890Z",
        "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z",
        "2024-04-31T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
        "2016-12-31T23:59:60Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "２０２４-01-01T00:00:00Z",
        "2024-1-01T00:00:00Z", "+024-01-01T00:00:00Z",
    ])
    func rejectsOtherForms(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func nowIsRecentWholeMicrosecondsAndRoundTrips() throws {
        let now = Timestamp.now()
        #expect(now > Timestamp(iso8601: "2024-01-01T00:00:00Z")!)
        #expect(now.nanosecondsSinceEpoch % 1_000 == 0)
        #expect(Timestamp(iso8601: now.iso8601) == now)
        #expect(Timestamp.now() >= now)
    }

    @Test func secondsAndNanosecondsSplitTowardMinusInfinity() throws {
        let timestamp = try #require(Timestamp(secondsSinceEpoch: -2, nanoseconds: 250))
        #expect(timestamp.secondsSinceEpoch == -2)
        #expect(timestamp.nanosecondsOfSecond == 250)
        #expect(Timestamp(nanosecondsSinceEpoch: -1).secondsSinceEpoch == -1)
        #expect(Timestamp(nanosecondsSinceEpoch: -1).nanosecondsOfSecond == 999_999_999)
        #expect(Timestamp(secondsSinceEpoch: .max) == nil)
    }

    @Test func civilDatesRoundTripOverFourHundredYears() {
        var previous = CivilDate(daysSinceEpoch: -146_098)
        for days in -146_097...146_097 {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.isValid && date.daysSinceEpoch == days)
            if date.day != previous.day + 1 {
                #expect(date.day == 1 && previous.day == CivilDate.daysIn(month: previous.month, year: previous.year))
            }
            previous = date
        }
    }
}

extension Int64 {
    fileprivate func floorMod(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

@Suite struct TimestampMicrosecondsTests {
    @Test(arguments: [
        (Int64(0), Int64(0)),
        (1_795_239_484_123_456_789, 1_795_239_484_123_456),  // truncated
        (-1, -1),  // rounded down before 1970, like the ISO-8601 text
        (-1_000, -1),
        (-1_001, -2),
    ])
    func microsecondsAreRoundedDown(nanoseconds: Int64, microseconds: Int64) {
        #expect(Timestamp(nanosecondsSinceEpoch: nanoseconds).microsecondsSinceEpoch == microseconds)
    }

    @Test func matchesTheISO8601Text() {
        let parsed = Timestamp(iso8601: "2026-11-21T05:38:04.123456Z")
        #expect(parsed?.microsecondsSinceEpoch == 1_795_239_484_123_456)
    }
}
