import StrictJSON

/// The benchmark's message: a ~200-byte JSON object that starts with `"seq"` (its number in the run) and
/// `"sentUs"` (the publisher's CLOCK_REALTIME in µs when it was handed to the client), then `"run"` (the run's
/// id) and filler fields that look like device telemetry, padded with a `"note"` to the requested size.
///
/// The receiver does not depend on the member order: a relay may re-serialize the object and add members.
struct BenchMessage {
    /// Everything after `"sentUs":<digits>`, from the comma to the closing brace.
    private let tail: [UInt8]

    init(run: String, size: Int) {
        func members(note: String) -> [(String, JSONValue)] {
            [
                ("run", .string(run)), ("device", "bench-device-0001"), ("kind", "telemetry"),
                ("temperature", 21.5), ("humidity", 40), ("battery", 87), ("note", .string(note)),
            ]
        }
        // A typical head: `{"seq":50000,"sentUs":1700000000000000` (38 bytes).
        let headSize = 38
        let bare = JSONValue.object(JSONObject(members(note: ""))).serialized().count
        let note = String(repeating: "x", count: max(0, size - headSize - bare))
        let object = JSONValue.object(JSONObject(members(note: note))).serialized()
        tail = [UInt8(ascii: ",")] + object.dropFirst()
    }

    /// The payload of message `seq`, stamped with `sentUs`.
    func payload(seq: Int, sentUs: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(tail.count + 40)
        out.append(contentsOf: #"{"seq":"#.utf8)
        out.append(contentsOf: String(seq).utf8)
        out.append(contentsOf: #","sentUs":"#.utf8)
        out.append(contentsOf: String(sentUs).utf8)
        out.append(contentsOf: tail)
        return out
    }
}

/// What the receiver reads from a message without parsing all of it (a byte scan costs far less than a parse at
/// tens of thousands of messages a second; `Receive` also parses every 1000th message in full to check it).
struct ScannedMessage {
    var seq: Int?
    var sentUs: Int64?
    /// Where the `"run"` string's content lies in the payload.
    var run: Range<Int>?

    init(_ payload: [UInt8]) {
        seq = Self.integer(after: #""seq":"#, in: payload).map { Int($0) }
        sentUs = Self.integer(after: #""sentUs":"#, in: payload)
        run = Self.string(after: #""run":""#, in: payload)
    }

    /// The index just past the first occurrence of `key` in `bytes`.
    static func end(of key: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(key.utf8)
        guard bytes.count >= needle.count, let first = needle.first else { return nil }
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first {
                var matched = 1
                while matched < needle.count, bytes[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return index + needle.count }
            }
            index += 1
        }
        return nil
    }

    private static func integer(after key: String, in bytes: [UInt8]) -> Int64? {
        guard var index = end(of: key, in: bytes) else { return nil }
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        var value: Int64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 18 {
            value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func string(after key: String, in bytes: [UInt8]) -> Range<Int>? {
        guard let start = end(of: key, in: bytes) else { return nil }
        guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return start..<close
    }
}
