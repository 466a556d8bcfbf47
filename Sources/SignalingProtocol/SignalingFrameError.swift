/// Why robot-server refuses a peer's frame: the text of the `{"type":"error","message":…}` frame it answers with
/// (the socket stays open).
public struct SignalingFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
