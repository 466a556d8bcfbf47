/// One RTCP report block: what the viewer says about one stream it receives.
public struct ReportBlock: Sendable, Equatable {
    public var ssrc: UInt32
    /// Packets lost since the previous report, 0…255 = 0…100 %.
    public var fractionLost: UInt8
    /// The extended highest sequence number received.
    public var highestSequence: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, highestSequence: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.highestSequence = highestSequence
    }
}

/// One compound RTCP packet from a viewer, as read (``ProducerEvent/receiverReport(branch:_:)``): a block per stream
/// (video, its retransmissions, audio), and maybe a REMB and a round trip.
public struct ReceiverReport: Sendable, Equatable {
    public var blocks: [ReportBlock]
    public var rembKbps: Int?
    public var roundTripMs: Int?

    public init(blocks: [ReportBlock], rembKbps: Int? = nil, roundTripMs: Int? = nil) {
        self.blocks = blocks
        self.rembKbps = rembKbps
        self.roundTripMs = roundTripMs
    }
}

/// Turns a viewer's reports into ``ReceiverFeedback`` about the **video**: the block of the stream whose highest
/// sequence number grew the most since the previous report (the video sends several times the packets of the
/// audio; the RTX stream only carries repairs, and its "fraction lost" counts the gaps between them). The first
/// report of a stream gives no loss: there is nothing to compare with yet.
public struct VideoBlockPicker: Sendable {
    private var highest: [UInt32: UInt32] = [:]

    public init() {}

    public mutating func feedback(from report: ReceiverReport) -> ReceiverFeedback {
        var video: (growth: UInt32, block: ReportBlock)?
        for block in report.blocks {
            defer { highest[block.ssrc] = block.highestSequence }
            guard let previous = highest[block.ssrc] else { continue }
            let growth = block.highestSequence &- previous
            if growth < 1 << 31, growth > (video?.growth ?? 0) { video = (growth, block) }
        }
        return ReceiverFeedback(
            lossFraction: video.map { Double($0.block.fractionLost) / 256 }, rembKbps: report.rembKbps,
            roundTripMs: report.roundTripMs)
    }
}
