extension Timestamp {
    /// `2026-11-21T05:38:04.123456Z`: UTC, always six fractional digits (truncated, not rounded).
    public var iso8601: String {
        let seconds = secondsSinceEpoch
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let date = CivilDate(daysSinceEpoch: Int(days))
        var out: [UInt8] = []
        out.reserveCapacity(27)
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits {
                divisor *= 10
            }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        append(date.year, digits: 4)
        out.append(UInt8(ascii: "-"))
        append(date.month, digits: 2)
        out.append(UInt8(ascii: "-"))
        append(date.day, digits: 2)
        out.append(UInt8(ascii: "T"))
        append(secondOfDay / 3_600, digits: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, digits: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, digits: 2)
        out.append(UInt8(ascii: "."))
        append(Int(nanosecondsOfSecond / 1_000), digits: 6)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` in UTC, with 0 to 9 fractional digits; nil for anything else
    /// (other offsets than `Z`, impossible dates, leap seconds, out of range).
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for index in start..<(start + length) {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        func separator(_ index: Int, _ character: Unicode.Scalar) -> Bool {
            bytes[index] == UInt8(ascii: character)
        }
        guard separator(4, "-"), separator(7, "-"), separator(10, "T"), separator(13, ":"), separator(16, ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            hour < 24, minute < 60, second < 60, bytes.last == UInt8(ascii: "Z")
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid else { return nil }

        var nanoseconds = 0
        let fractionEnd = bytes.count - 1
        if fractionEnd > 19 {
            let digits = fractionEnd - 20
            guard separator(19, "."), (1...9).contains(digits), let fraction = number(20, digits) else { return nil }
            nanoseconds = fraction
            for _ in digits..<9 {
                nanoseconds *= 10
            }
        } else if fractionEnd != 19 {
            return nil
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        self.init(secondsSinceEpoch: seconds, nanoseconds: Int64(nanoseconds))
    }
}
