import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's child channel (HTTP/1 with the WebSocket upgrade) behind a ``ConnectionGuard``, which sees every
/// connection first: the connection cap and the request-head timeout (`docs/LIMITS.md`).
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let gate: ConnectionGate
    let headTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuard(gate: gate, headTimeout: headTimeout), position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
