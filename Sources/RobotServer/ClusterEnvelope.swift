/// A forwarded viewer's message between two instances (`<p>/to/<id>/peer/<thing>/<peer>`): `<verb>\n<body>`, the verb
/// in ASCII and the body as it is (a signaling frame's text verbatim, or a small JSON object), so a frame is never
/// escaped twice and stays within the broker's payload limit (a frame is at most 64 KiB, `SignalingLimits`; AWS IoT
/// takes 128 KiB).
struct ClusterEnvelope: Sendable, Equatable {
    var verb: String
    var body: [UInt8]

    init(_ verb: String, body: [UInt8] = []) {
        self.verb = verb
        self.body = body
    }

    init(_ verb: String, text: String) {
        self.init(verb, body: Array(text.utf8))
    }

    /// The body as text (a frame; JSON).
    var text: String { String(decoding: body, as: UTF8.self) }

    var payload: [UInt8] { Array(verb.utf8) + [UInt8(ascii: "\n")] + body }

    /// Reads a payload; nil when it has no newline or the verb is not printable ASCII (at most 32 bytes).
    init?(payload: [UInt8]) {
        guard let newline = payload.firstIndex(of: UInt8(ascii: "\n")), newline <= 32,
            payload[..<newline].allSatisfy({ (0x21...0x7e).contains($0) })
        else { return nil }
        verb = String(decoding: payload[..<newline], as: UTF8.self)
        body = Array(payload[(newline + 1)...])
    }
}
