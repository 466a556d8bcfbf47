import POSIXThreads

/// Runs a blocking call (a libcurl transfer) on a POSIX thread of its own, so that it never holds one of the few
/// threads of Swift's cooperative pool (two on a Raspberry Pi 3's budget) while the drive path needs them.
enum BlockingThread {
    /// `body`'s result, computed on a new thread. Cancelling the task calls `onCancel` (which should make `body`
    /// return early) and still waits for `body`.
    static func run<T: Sendable>(
        _ body: @escaping @Sendable () -> T, onCancel: @escaping @Sendable () -> Void
    ) async -> T {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DetachedThread.start { continuation.resume(returning: body()) }
            }
        } onCancel: {
            onCancel()
        }
    }
}
