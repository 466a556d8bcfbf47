import Glibc

/// Runs a blocking call (a libcurl transfer) on a POSIX thread of its own, so that it never holds one of the few
/// threads of Swift's cooperative pool (two on a Raspberry Pi 3's budget) while the drive path needs them.
enum BlockingThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// `body`'s result, computed on a new thread. Cancelling the task calls `onCancel` (which should make `body`
    /// return early) and still waits for `body`.
    static func run<T: Sendable>(
        _ body: @escaping @Sendable () -> T, onCancel: @escaping @Sendable () -> Void
    ) async -> T {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                start { continuation.resume(returning: body()) }
            }
        } onCancel: {
            onCancel()
        }
    }

    private static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }
}
