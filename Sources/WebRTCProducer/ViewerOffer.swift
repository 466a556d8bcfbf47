/// A viewer's offer (KVS: the viewer offers, the producer answers), read for what webrtcbin 1.22 cannot work out
/// itself. Its `create-answer` pairs an offered m-line with one of our send transceivers only when the offer's caps
/// intersect the caps that reached the transceiver's sink pad — payload type included — so our shared streams must
/// carry the viewer's payload types (``videoPayloadType``, ``audioPayloadType``; rewritten per branch, see
/// ``ViewerBranch``); and its answer leaves out the RTCP feedback the viewer offered (NACK, PLI, FIR, REMB), which
/// ``completing(_:)`` puts back. Pure: text in, values out.
struct ViewerOffer: Sendable, Equatable {
    /// The offer's SDP text.
    let sdp: String
    /// The payload type the viewer gave our video codec.
    let videoPayloadType: Int
    /// The payload type the viewer gave Opus, or nil when it offered no Opus audio.
    let audioPayloadType: Int?
    /// The RTCP feedback the viewer offered for ``videoPayloadType`` (`nack`, `nack pli`, `ccm fir`, `goog-remb`…).
    let videoFeedback: [String]

    /// Reads `sdp` for `codec` (H.264: constrained baseline, packetization-mode 1, which is what the encoders make;
    /// VP8). Throws naming what the viewer offered when it has no such format.
    init(_ sdp: String, codec: VideoCodec) throws(ViewerOfferError) {
        let sections = Self.mediaSections(sdp)
        let video = sections.filter { $0.kind == "video" }.flatMap(\.formats)
        guard let chosen = video.first(where: { $0.fits(codec) }) else {
            let offered = video.filter { !$0.isRepair }.map(\.summary)
            throw ViewerOfferError(
                "the viewer's offer has no \(codec.encodingName) video we can send ("
                    + (codec == .h264 ? "constrained baseline, packetization-mode=1; " : "")
                    + "it offered " + (offered.isEmpty ? "no video" : offered.joined(separator: ", "))
                    + "); start robot-webrtc with a --codec the viewer decodes")
        }
        self.sdp = sdp
        videoPayloadType = chosen.payloadType
        videoFeedback = chosen.feedback
        audioPayloadType =
            sections.filter { $0.kind == "audio" }.flatMap(\.formats).first { $0.name.lowercased() == "opus" }?
            .payloadType
    }

    /// The RTCP feedback an answer should keep for the video when the viewer offered it: retransmissions, key-frame
    /// requests, and the receiver's estimate of the link (REMB, read by ``BitrateController``).
    static let videoFeedbackKept = ["nack", "nack pli", "ccm fir", "goog-remb"]

    /// webrtcbin's `answer` with the video's RTCP feedback put back (each of ``videoFeedbackKept`` that the viewer
    /// offered) and `transport-cc` taken out (no header extension carries it; with it Chromium stops sending REMB).
    func completing(_ answer: String) -> String {
        // "\r\n" is one Character, a newline.
        let lines = answer.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        let prefix = "a=rtcp-fb:\(videoPayloadType) "
        var out: [String] = []
        var inVideo = false
        var anchor: Int?
        var present: Set<String> = []
        func flush() {
            guard inVideo, let anchor else { return }
            let missing = videoFeedback.filter { Self.videoFeedbackKept.contains($0) && !present.contains($0) }
            out.insert(contentsOf: missing.map { prefix + $0 }, at: anchor + 1)
        }
        for line in lines {
            if line.hasPrefix("m=") {
                flush()
                inVideo = line.hasPrefix("m=video ")
                anchor = nil
                present = []
            } else if inVideo, line.hasPrefix(prefix) {
                let feedback = String(line.dropFirst(prefix.count))
                if feedback == "transport-cc" { continue }
                present.insert(feedback)
            }
            out.append(line)
            if inVideo, line.hasPrefix(prefix) || line.hasPrefix("a=rtpmap:\(videoPayloadType) ") {
                anchor = out.count - 1
            }
        }
        flush()
        return out.joined(separator: "\r\n")
    }

    // MARK: reading SDP

    /// One `a=rtpmap` format of an m-line with its `a=fmtp` parameters and `a=rtcp-fb` values.
    struct Format: Sendable, Equatable {
        var payloadType: Int
        var name: String
        var parameters: [String: String] = [:]
        var feedback: [String] = []

        /// Retransmission and error correction, not a codec.
        var isRepair: Bool { ["rtx", "red", "ulpfec", "flexfec-03"].contains(name.lowercased()) }

        /// `H264 102 (42e01f, packetization-mode=1)`, `VP8 96`.
        var summary: String {
            var detail: [String] = []
            if let profile = parameters["profile-level-id"] { detail.append(profile) }
            if let mode = parameters["packetization-mode"] { detail.append("packetization-mode=\(mode)") }
            return "\(name) \(payloadType)" + (detail.isEmpty ? "" : " (\(detail.joined(separator: ", ")))")
        }

        func fits(_ codec: VideoCodec) -> Bool {
            guard name.uppercased() == codec.encodingName else { return false }
            guard codec == .h264 else { return true }
            return parameters["packetization-mode"] == "1"
                && Self.isConstrainedBaseline(parameters["profile-level-id"] ?? "")
        }

        /// `42` with constraint_set1 (`42e01f`, `42c01f`): what webrtcbin calls `constrained-baseline`.
        static func isConstrainedBaseline(_ profileLevelID: String) -> Bool {
            guard profileLevelID.count == 6, let value = Int(profileLevelID, radix: 16) else { return false }
            return value >> 16 == 0x42 && (value >> 8) & 0x40 != 0
        }
    }

    struct MediaSection: Sendable, Equatable {
        var kind: String
        var formats: [Format] = []
    }

    /// The m-lines of `sdp` with their formats in the m-line's order (attributes may come in any order); a format
    /// without `a=rtpmap` (a static payload type) is left out.
    static func mediaSections(_ sdp: String) -> [MediaSection] {
        var sections: [MediaSection] = []
        for line in sdp.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("m=") {
                // m=<kind> <port> <proto> <fmt>…
                let fields = line.dropFirst(2).split(separator: " ")
                let formats = fields.dropFirst(3).compactMap { Int($0) }.map { Format(payloadType: $0, name: "") }
                sections.append(MediaSection(kind: fields.first.map(String.init) ?? "", formats: formats))
                continue
            }
            let (key, payloadType, value) = attribute(line)
            guard !sections.isEmpty, let payloadType,
                let index = sections[sections.count - 1].formats.firstIndex(where: { $0.payloadType == payloadType })
            else { continue }
            switch key {
            case "rtpmap":
                let name = value.split(separator: "/").first.map(String.init) ?? ""
                sections[sections.count - 1].formats[index].name = name
            case "fmtp":
                for pair in value.split(separator: ";") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(trimmed)
                    guard parts.count == 2 else { continue }
                    sections[sections.count - 1].formats[index].parameters[parts[0].lowercased()] = parts[1]
                }
            case "rtcp-fb":
                sections[sections.count - 1].formats[index].feedback.append(value)
            default:
                continue
            }
        }
        for index in sections.indices {
            sections[index].formats.removeAll { $0.name.isEmpty }
        }
        return sections
    }

    /// `text` without leading and trailing spaces.
    private static func trimmed(_ text: Substring) -> String {
        var text = text.drop { $0 == " " }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }

    /// `a=<key>:<pt> <value>` → its parts (nil payload type for any other line).
    private static func attribute(_ line: Substring) -> (key: String, payloadType: Int?, value: String) {
        guard line.hasPrefix("a="), let colon = line.firstIndex(of: ":") else { return ("", nil, "") }
        let key = String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
        let rest = line[line.index(after: colon)...]
        let number = rest.prefix { $0 != " " }
        let value = rest.dropFirst(number.count).drop { $0 == " " }
        return (key, Int(number), String(value))
    }
}

/// Why a viewer's offer cannot be answered, in one line.
struct ViewerOfferError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
