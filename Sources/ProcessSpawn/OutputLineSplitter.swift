/// Turns a child's output bytes into lines: `\n` ends a line (a `\r` before it is dropped), a line longer than
/// ``maximumLineLength`` bytes is cut into pieces, and what is left at end of file is the last line.
///
/// Invalid UTF-8 is replaced (U+FFFD), so a binary blob cannot break the log.
public struct OutputLineSplitter: Sendable {
    public let maximumLineLength: Int
    private var pending: [UInt8] = []

    public init(maximumLineLength: Int = 4096) {
        self.maximumLineLength = max(1, maximumLineLength)
    }

    /// The complete lines that `bytes` finishes.
    public mutating func append(_ bytes: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(take())
            } else {
                pending.append(byte)
                if pending.count >= maximumLineLength { lines.append(take()) }
            }
        }
        return lines
    }

    /// The unterminated last line at end of file, if any.
    public mutating func finish() -> String? {
        pending.isEmpty ? nil : take()
    }

    private mutating func take() -> String {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        defer { pending.removeAll(keepingCapacity: true) }
        return String(decoding: pending, as: UTF8.self)
    }
}
