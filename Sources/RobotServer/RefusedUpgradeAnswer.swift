import Hummingbird
import NIOCore

/// Answers a refused WebSocket upgrade with robot-server's JSON error (401, 403, 404…) instead of the empty
/// `400 Bad Request` that hummingbird-websocket writes for any refused upgrade.
///
/// hummingbird-websocket (2.8) gives an upgrade request that its router refuses no way to choose the answer:
/// it writes a bare 400 and closes the connection. So before refusing, the signaling route puts this
/// handler at the network end of the connection's pipeline: it writes the real answer (status, JSON body,
/// `Connection: close`) and swallows the bytes of the 400 that follow. The connection then closes as usual.
final class RefusedUpgradeAnswer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let answer: ByteBuffer

    init(_ error: APIError) {
        var head = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        var body = error.body.serialized()
        body.append(UInt8(ascii: "\n"))
        var fields = error.headers
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        for field in fields {
            head += "\(field.name.rawName): \(field.value)\r\n"
        }
        head += "\r\n"
        var buffer = ByteBuffer(string: head)
        buffer.writeBytes(body)
        answer = buffer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(answer)), promise: nil)
    }

    /// Everything written after the answer (the library's 400) goes nowhere.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.succeed()
    }

    /// Writes the answer on `channel` now; what the library writes after it is dropped.
    static func install(_ error: APIError, on channel: any Channel) async throws {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(RefusedUpgradeAnswer(error), position: .first)
        }.get()
    }
}
