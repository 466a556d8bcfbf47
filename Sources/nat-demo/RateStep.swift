import ArgumentParser

/// One step of `--rate-schedule`: a netem `rate` (tc's syntax: `4mbit`, `500kbit`) held for some seconds.
struct RateStep: Sendable, Equatable {
    var rate: String
    var seconds: Int

    /// "4mbit:20,1mbit:20,4mbit:20" → three steps.
    static func parse(_ text: String) throws -> [RateStep] {
        try text.split(separator: ",").map { item in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let seconds = Int(parts[1]), seconds > 0,
                parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." })
            else {
                throw ValidationError("--rate-schedule: '\(item)' is not RATE:SECONDS (e.g. 4mbit:20)")
            }
            return RateStep(rate: String(parts[0]), seconds: seconds)
        }
    }
}
