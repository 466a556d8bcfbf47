import StrictJSON

/// The message an error action publishes: what the rule was doing, why it failed, and the message itself —
/// as the IoT rules engine's error action does (`seeds/002…`), so nothing that failed is lost from sight.
enum ErrorReport {
    /// - Parameter payload: the message as the rule had it: the original for a rejected message, the payload after
    ///   `set` for a failed delivery. A JSON payload is embedded as `payload`; anything else as `base64Payload`.
    static func payload(
        rule: String, reason: String, topic: String, messageID: String, receivedAt: Int64, target: String?,
        attempts: Int, payload: [UInt8]
    ) -> [UInt8] {
        var report = JSONObject()
        report["rule"] = .string(rule)
        report["reason"] = .string(reason)
        if let target { report["target"] = .string(target) }
        report["attempts"] = .number(Double(attempts))
        report["topic"] = .string(topic)
        report["messageId"] = .string(messageID)
        report["receivedAt"] = .number(Double(receivedAt))
        if let json = try? JSONParser.parse(payload) {
            report["payload"] = json
        } else {
            report["base64Payload"] = .string(Base64.encode(payload))
        }
        return JSONValue.object(report).serialized()
    }
}

/// RFC 4648 base64 (standard alphabet, padded): SQS bodies with `base64` and non-JSON payloads in error reports.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
