import NIOCore

/// The first handler of every HTTP connection: admits it under `listen.maxConnections` (else answers `503` and
/// closes it) and gives it `listen.requestHeadTimeoutSeconds` to send its first request head (else answers `408`
/// and closes it).
///
/// Hummingbird's idle timeout (`listen.idleTimeoutSeconds`) only starts once the first head is parsed, so without
/// this a client that connects and sends nothing, or a header byte every few seconds, holds a connection forever.
/// Later requests on a keep-alive connection are covered by the idle timeout, which partial heads do not reset.
/// Once the head is in (or the server starts answering, e.g. a WebSocket upgrade), bytes only pass through.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum State {
        case starting
        case waitingForHead(RequestHeadScanner)
        case serving
        case closing
    }

    private let gate: ConnectionGate
    private let headTimeout: TimeAmount
    private var state = State.starting
    private var admitted = false
    private var headTimer: Scheduled<Void>?

    init(gate: ConnectionGate, headTimeout: TimeAmount) {
        self.gate = gate
        self.headTimeout = headTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        headTimer?.cancel()
        headTimer = nil
        if admitted {
            admitted = false
            gate.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .closing:
            return  // a refused or timed-out connection's bytes go nowhere
        case .waitingForHead(var scanner):
            let buffer = unwrapInboundIn(data)
            if scanner.scan(buffer.readableBytesView) {
                served()
            } else {
                state = .waitingForHead(scanner)
            }
        case .starting, .serving:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The server answering means the head was parsed (a head ending in bare LFs, which the parser allows).
        if case .waitingForHead = state { served() }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard case .starting = state else { return }
        guard gate.admit() else {
            refuse(context, Self.overCapacity)
            return
        }
        admitted = true
        state = .waitingForHead(RequestHeadScanner())
        headTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headTimeout) { [self] in
            headTimer = nil
            guard case .waitingForHead = state else { return }
            gate.timedOut()
            refuse(context, Self.headTimedOut)
        }
    }

    private func served() {
        state = .serving
        headTimer?.cancel()
        headTimer = nil
    }

    private func refuse(_ context: ChannelHandlerContext, _ answer: [UInt8]) {
        state = .closing
        let buffer = context.channel.allocator.buffer(bytes: answer)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The answers, written before any request is read (so without the REST API's middleware), in its JSON
    /// error shape.
    static let overCapacity = answer(
        "503 Service Unavailable", "Retry-After: 5\r\n",
        #"{"error":"too many connections","detail":"the server has listen.maxConnections open; try again later"}"#)
    static let headTimedOut = answer(
        "408 Request Timeout", "",
        #"{"error":"request timeout","detail":"no complete request head within listen.requestHeadTimeoutSeconds"}"#)

    private static func answer(_ status: String, _ headers: String, _ json: String) -> [UInt8] {
        let body = json + "\n"
        return Array(
            ("HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Type: application/json\r\n\(headers)"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)").utf8)
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
