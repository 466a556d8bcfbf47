extension LinkConditions {
    /// A `tc netem` option string that the lab cannot hand to the kernel, with the word at fault.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads netem's option syntax, the subset the lab uses: `delay TIME [JITTER]`, `loss [random] PERCENT`,
    /// `rate RATE`, `limit PACKETS`, and the lab's own `queue TIME` (the rate queue sized in time). Times take
    /// `us`, `ms` or `s` (bare numbers are microseconds, as in `tc`); rates `bit`, `kbit`, `mbit`, `gbit` or the
    /// byte forms `bps`, `kbps`, `mbps` (bare numbers are bytes per second, as in `tc`). Example:
    /// `delay 80ms 10ms loss 2% rate 2mbit`.
    public init(netem: String) throws(ParseError) {
        self.init()
        var words = netem.split(whereSeparator: \.isWhitespace).map(String.init)[...]
        func next(_ what: String, after keyword: String) throws(ParseError) -> String {
            guard let word = words.popFirst() else {
                throw ParseError(description: "netem \"\(netem)\": \(keyword) needs \(what)")
            }
            return word
        }
        while let keyword = words.popFirst() {
            switch keyword {
            case "delay":
                delay = try Self.time(next("a time", after: keyword), in: netem)
                if let word = words.first, let jitter = try? Self.time(word, in: netem) {
                    self.jitter = jitter
                    words.removeFirst()
                }
            case "loss":
                var word = try next("a percentage", after: keyword)
                if word == "random" {
                    word = try next("a percentage", after: "loss random")
                }
                loss = try Self.percentage(word, in: netem)
            case "rate":
                rateBitsPerSecond = try Self.rate(next("a rate", after: keyword), in: netem)
            case "limit":
                let word = try next("a packet count", after: keyword)
                guard let count = Int(word), count > 0 else {
                    throw ParseError(description: "netem \"\(netem)\": limit \"\(word)\" is not a packet count")
                }
                queueLimit = .packets(count)
            case "queue":
                queueLimit = .duration(try Self.time(next("a time", after: keyword), in: netem))
            default:
                throw ParseError(
                    description: "netem \"\(netem)\": unknown option \"\(keyword)\"; expected delay, loss, rate, "
                        + "limit or queue")
            }
        }
    }

    private static func time(_ word: String, in netem: String) throws(ParseError) -> Duration {
        let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("", 1e-6)]
        guard let seconds = scaled(word, units), seconds >= 0 else {
            throw ParseError(description: "netem \"\(netem)\": \"\(word)\" is not a time (e.g. 80ms)")
        }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    private static func rate(_ word: String, in netem: String) throws(ParseError) -> Int {
        let units: [(String, Double)] = [
            ("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9), ("bit", 1),
            ("kbps", 8e3), ("mbps", 8e6), ("gbps", 8e9), ("bps", 8), ("", 8),
        ]
        guard let bits = scaled(word.lowercased(), units), bits >= 1 else {
            throw ParseError(description: "netem \"\(netem)\": \"\(word)\" is not a rate (e.g. 2mbit)")
        }
        return Int(bits.rounded())
    }

    private static func percentage(_ word: String, in netem: String) throws(ParseError) -> Double {
        guard let percent = scaled(word, [("%", 1)]), (0...100).contains(percent) else {
            throw ParseError(description: "netem \"\(netem)\": loss \"\(word)\" is not a percentage (e.g. 2%)")
        }
        return percent / 100
    }

    /// The number before the first of `units`' suffixes that `word` ends with, times that unit's factor.
    private static func scaled(_ word: String, _ units: [(suffix: String, factor: Double)]) -> Double? {
        for unit in units where word.hasSuffix(unit.suffix) {
            guard let number = Double(word.dropLast(unit.suffix.count)) else { return nil }
            return number * unit.factor
        }
        return nil
    }
}
