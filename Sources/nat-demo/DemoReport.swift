import BrowserControl
import Foundation
import StrictJSON

/// What nat-demo prints at the end, and the same as JSON.
struct DemoReport: Sendable {
    let result: DemoSession.Result
    let turn: Bool
    let nat: Bool
    let netem: String?

    private var fps: Double { result.seconds > 0 ? Double(result.frames) / Double(result.seconds) : 0 }
    private var lossPercent: Double {
        let sent = result.packetsReceived + result.packetsLost
        return sent > 0 ? Double(result.packetsLost) / Double(sent) * 100 : 0
    }
    /// kbit/s over the window.
    private func kbps(_ bytes: Int) -> Double {
        result.seconds > 0 ? Double(bytes) * 8 / 1000 / Double(result.seconds) : 0
    }

    var lines: [String] {
        var lines = ["== results (turn: \(turn), nat: \(nat), netem: \(netem ?? "none"))"]
        if let noRoute = result.noRoute {
            return lines + ["candidate types: none (ICE failed)", "frames decoded: 0", "the page says: \(noRoute)"]
        }
        lines += [
            "candidate types: \(result.path?.candidateTypes ?? "?")",
            "candidate types at the end: \(result.finalPath?.candidateTypes ?? "?") (page "
                + "\(result.finalPath?.localAddress ?? "?") ⇄ robot \(result.finalPath?.remoteAddress ?? "?"))",
            "frames decoded: \(result.frames) in \(result.seconds) s (fps \(format(fps)))",
            "time to first frame: \(ms(result.firstFrameMs)) from the page's navigation start (page clock); "
                + "\(ms(result.firstSeenMs)) from opening it, as nat-demo saw it",
            "freezes: \(result.freezes)",
            "packets lost: \(result.packetsLost) of \(result.packetsReceived + result.packetsLost) video packets "
                + "(\(format(lossPercent)) %)",
            "glass-to-glass: p50 \(ms(result.latency.p50)) p95 \(ms(result.latency.p95)) (\(result.latency.count) "
                + "frames; \(result.misses) stripes unreadable)",
            "\(result.path?.isRelayed == true ? "TURN relay bandwidth per viewer" : "bandwidth per viewer (direct)"): "
                + "\(format(kbps(result.officeDownlinkBytes))) kbit/s into office through its uplink (ort's wan rx "
                + "bytes; one viewer), \(format(kbps(result.homeUplinkBytes))) kbit/s out of home (hrt's wan tx bytes)",
        ]
        lines.append("producer video bitrate lines: \(result.bitrateLines.count)")
        // "<robotd's time> … video: <producer's time> … video bitrate 859 kbit/s (loss 14%)" → time and message.
        lines += result.bitrateLines.suffix(20).map { line in
            let time = line.split(separator: " ").first.map(String.init) ?? ""
            let message = line.range(of: "video bitrate").map { String(line[$0.lowerBound...]) } ?? line
            return "  \(time) \(message)"
        }
        return lines
    }

    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("turn", .bool(turn)), ("nat", .bool(nat)), ("netem", netem.map(JSONValue.string) ?? .null),
            ("candidateTypes", result.path.map { .string($0.candidateTypes) } ?? .null),
            ("noRoute", result.noRoute.map(JSONValue.string) ?? .null),
            ("seconds", .number(Double(result.seconds))), ("framesDecoded", .number(Double(result.frames))),
            ("fps", .number(fps)), ("freezes", .number(Double(result.freezes))),
            ("packetsLost", .number(Double(result.packetsLost))), ("lossPercent", .number(lossPercent)),
            ("firstFrameMs", result.firstFrameMs.map(JSONValue.number) ?? .null),
            ("glassToGlassP50Ms", result.latency.p50.map(JSONValue.number) ?? .null),
            ("glassToGlassP95Ms", result.latency.p95.map(JSONValue.number) ?? .null),
            ("officeDownlinkKbps", .number(kbps(result.officeDownlinkBytes))),
            ("homeUplinkKbps", .number(kbps(result.homeUplinkBytes))),
        ]
        let trace = result.trace.map { second -> JSONValue in
            .object(
                JSONObject([
                    ("second", .number(Double(second.second))), ("rate", second.rate.map(JSONValue.string) ?? .null),
                    ("receivedKbps", .number(second.receivedKbps)),
                    ("targetKbps", second.targetKbps.map { .number(Double($0)) } ?? .null),
                ]))
        }
        fields.append(("trace", .array(trace)))
        return .object(JSONObject(fields))
    }

    private func ms(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return "\(Int(value.rounded())) ms"
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
