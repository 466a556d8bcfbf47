/// robot-webrtc's `video bitrate N kbit/s (reason)` log lines (`webrtc.bitrateKbps=N` in their metadata), read back
/// from a log — robotd's, which passes the producer's lines on — as the encoder's targets in order.
public struct BitrateTrace: Sendable, CustomStringConvertible {
    /// One retarget of the encoder.
    public struct Change: Sendable {
        public var kbps: Int
        public var reason: String
        /// The whole log line.
        public var line: String
    }

    public var changes: [Change]

    /// The changes among `lines`; other lines are skipped.
    public init(lines: [String]) {
        changes = lines.compactMap { line in
            guard line.contains("video bitrate "), let kbps = Self.number(after: "webrtc.bitrateKbps=", in: line)
            else { return nil }
            let reason = line.split(separator: "(", maxSplits: 1).last?.split(separator: ")").first ?? ""
            return Change(kbps: kbps, reason: String(reason), line: line)
        }
    }

    /// The integer right after `key` in `line` (a `key=value` metadata field), if any.
    public static func number(after key: String, in line: String) -> Int? {
        guard let range = line.range(of: key) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    public var description: String { changes.map { "\($0.kbps) (\($0.reason))" }.joined(separator: " → ") }
}
