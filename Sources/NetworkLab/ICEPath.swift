public import StrictJSON

/// What a peer connection's `getStats()` says about the path its media takes: the selected candidate pair (the
/// transport's `selectedCandidatePairId`, else the pair marked `selected` or nominated and succeeded) and the types
/// of its two candidates (`host`, `srflx`, `prflx`, `relay`), with the inbound media counters the lab reports.
public struct ICEPath: Sendable, Equatable {
    public var localType: String?
    public var remoteType: String?
    /// The local and remote candidates' `address:port` (and protocol), for the reader.
    public var localAddress: String?
    public var remoteAddress: String?
    public var bytesReceived: Int
    public var currentRoundTripTime: Double?
    /// Inbound video and audio.
    public var framesDecoded: Int
    public var videoPacketsReceived: Int
    public var videoPacketsLost: Int
    public var videoBytesReceived: Int
    /// Chromium's freeze counter (a frame shown late by max(3 × mean frame duration, mean + 150 ms)).
    public var freezeCount: Int
    public var audioPacketsReceived: Int
    public var audioLevel: Double?
    public var totalAudioEnergy: Double?

    /// "relay/host" as the issue prints it: local type / remote type ("?" for an unknown one).
    public var candidateTypes: String { "\(localType ?? "?")/\(remoteType ?? "?")" }

    /// Whether either end of the selected pair is a TURN relay.
    public var isRelayed: Bool { localType == "relay" || remoteType == "relay" }

    /// Reads the entries of one `getStats()` report (``BrowserControl/PagePeerConnection/stats()``).
    public init(stats entries: [JSONValue]) {
        func entry(_ id: String?) -> JSONValue? { id.flatMap { id in entries.first { $0["id"]?.stringValue == id } } }
        let selectedID =
            entries.first { $0["type"] == "transport" }?["selectedCandidatePairId"]?.stringValue
            ?? entries.first {
                $0["type"] == "candidate-pair"
                    && ($0["selected"]?.boolValue == true
                        || ($0["nominated"]?.boolValue == true && $0["state"] == "succeeded"))
            }?["id"]?.stringValue
        let pair = entry(selectedID)
        let local = entry(pair?["localCandidateId"]?.stringValue)
        let remote = entry(pair?["remoteCandidateId"]?.stringValue)
        func address(_ candidate: JSONValue?) -> String? {
            guard let candidate, let ip = candidate["address"]?.stringValue ?? candidate["ip"]?.stringValue else {
                return nil
            }
            return "\(ip):\(candidate["port"]?.intValue ?? 0)/\(candidate["protocol"]?.stringValue ?? "?")"
        }
        localType = local?["candidateType"]?.stringValue
        remoteType = remote?["candidateType"]?.stringValue
        localAddress = address(local)
        remoteAddress = address(remote)
        bytesReceived = pair?["bytesReceived"]?.intValue ?? 0
        currentRoundTripTime = pair?["currentRoundTripTime"]?.doubleValue
        let video = entries.first { $0["type"] == "inbound-rtp" && $0["kind"] == "video" }
        let audio = entries.first { $0["type"] == "inbound-rtp" && $0["kind"] == "audio" }
        framesDecoded = video?["framesDecoded"]?.intValue ?? 0
        videoPacketsReceived = video?["packetsReceived"]?.intValue ?? 0
        videoPacketsLost = video?["packetsLost"]?.intValue ?? 0
        videoBytesReceived = video?["bytesReceived"]?.intValue ?? 0
        freezeCount = video?["freezeCount"]?.intValue ?? 0
        audioPacketsReceived = audio?["packetsReceived"]?.intValue ?? 0
        audioLevel = audio?["audioLevel"]?.doubleValue
        totalAudioEnergy = audio?["totalAudioEnergy"]?.doubleValue
    }
}
