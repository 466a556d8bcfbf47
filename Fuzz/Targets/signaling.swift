import SignalingProtocol
import StrictJSON

/// libFuzzer entry for the signaling wire contract (`SignalingProtocol`), both ends: any text frame is either
/// refused by robot-server with a message, or accepted — and then what the server relays (``ServerFrame/relayed(_:)``)
/// is what the other end reads: a viewer's answer or candidate, relayed with `viewer` set, parses on the producer's
/// side to the same fields; a producer's frame relayed to a viewer carries no `viewer` and reads back as itself.
/// Every receiver's reading never crashes, and what it read encodes to a frame it reads the same again. The
/// producer's own frames pass the server's checks. A viewer's `talk` request reads back as itself, and a viewer's
/// negotiation frame reads the same through ``ViewerFrame`` as through ``PeerFrame``.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignaling(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let frame = try? PeerFrame(parsing: text, from: .viewer) {
        let relayed = ServerFrame.relayed(frame.relayed(viewer: "viewer-1"))
        let message: SignalingMessage
        do {
            message = try SignalingMessage.parse(relayed.text)
        } catch {
            fatalError("the server relays \(relayed.text) but the producer refuses it: \(error)")
        }
        switch (frame.content, message) {
        case (.answer(let sdp), .answer("viewer-1", let read)):
            check(read == sdp)
        case (.ice(let candidate, let index), .candidate("viewer-1", let read, let readIndex)):
            check(read == candidate && Int(readIndex) == (index ?? 0), "candidate changed on the way")
        default:
            fatalError("the server relays \(frame.content) but the producer reads \(message)")
        }
    }
    if let frame = try? PeerFrame(parsing: text, from: .producer) {
        check(frame.viewer != nil, "a producer frame without a viewer passed")
        let toViewer = frame.relayed(viewer: nil)
        check(toViewer.fields["viewer"] == nil, "a frame relayed to a viewer names a viewer")
        let read = try? ServerFrame.parse(ServerFrame.relayed(toViewer).text, for: .viewer).frame
        check(read == .relayed(toViewer), "the viewer reads \(String(describing: read)), not what the server relayed")
        let echoed: ProducerMessage
        switch frame.content {
        case .offer(let sdp): echoed = .offer(viewer: frame.viewer!, sdp: sdp)
        case .ice(let candidate, let index):
            echoed = .candidate(viewer: frame.viewer!, candidate: candidate, sdpMLineIndex: UInt32(index ?? 0))
        case .answer: fatalError("a producer's answer passed")
        }
        let again = try? PeerFrame(parsing: echoed.text, from: .producer)
        check(again?.viewer == frame.viewer, "the producer's own frame does not pass the server's checks")
    }
    // A viewer's frame as robot-server reads it: a talk or restart request encodes back to itself; a negotiation
    // frame is exactly what PeerFrame(parsing:from: .viewer) accepts.
    switch try? ViewerFrame(parsing: text) {
    case .talk(let on)?:
        check((try? ViewerFrame(parsing: ViewerFrame.talk(on: on).text)) == .talk(on: on), "talk does not read back")
        check((try? PeerFrame(parsing: text, from: .viewer)) == nil, "a talk frame passed as a negotiation frame")
    case .restart?:
        check((try? ViewerFrame(parsing: ViewerFrame.restart.text)) == .restart, "restart does not read back")
        check((try? PeerFrame(parsing: text, from: .viewer)) == nil, "a restart frame passed as a negotiation frame")
    case .negotiation(let frame)?:
        check((try? PeerFrame(parsing: text, from: .viewer)) == frame, "ViewerFrame and PeerFrame disagree")
    case nil:
        check((try? PeerFrame(parsing: text, from: .viewer)) == nil, "PeerFrame accepts what ViewerFrame refuses")
    }
    for receiver in PeerRole.allCases {
        do {
            guard let frame = try ServerFrame.parse(text, for: receiver).frame else { continue }
            let again = try ServerFrame.parse(frame.text, for: receiver).frame
            check(again == frame, "\(receiver.rawValue) reads \(frame) but its encoding back as \(String(describing: again))")
        } catch {
            check(error.description.hasPrefix("bad signaling frame: "))
        }
    }
    do {
        _ = try SignalingMessage.parse(text)
    } catch {
        check(error.description.hasPrefix("bad signaling frame: "))
    }
    return 0
}
