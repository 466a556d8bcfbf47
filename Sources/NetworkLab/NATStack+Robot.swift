import Foundation
public import TestSupport

extension NATStack {
    /// The simulated motors' throttles as robotd logged them (`simulated motors: left=+0.500 right=+0.500`), in
    /// order; each line is a change.
    public func motorSettings() -> [(left: Double, right: Double)] {
        robotd.lines().compactMap { line in
            guard let start = line.range(of: "simulated motors: left=") else { return nil }
            let fields = line[start.upperBound...].split(separator: " ")
            guard fields.count >= 2, let left = Double(fields[0]), fields[1].hasPrefix("right="),
                let right = Double(fields[1].dropFirst("right=".count))
            else { return nil }
            return (left, right)
        }
    }

    /// The producer's encoder targets as robotd logged them (`video bitrate … webrtc.bitrateKbps=N`), in order.
    public func bitrateTargets() -> [BitrateTrace.Change] {
        BitrateTrace(lines: robotd.lines()).changes
    }
}
