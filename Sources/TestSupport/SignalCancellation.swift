import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `work` in a task that SIGINT and SIGTERM cancel, for the measuring tools (video-bench, nat-demo): Ctrl-C
/// ends the work through cancellation, so its clean-up (stopping browsers, brokers, namespaces) runs before the
/// tool exits. The signals are ignored by the process meanwhile and handled on a Dispatch source.
public func withCancellationOnSignals<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await work() }
    let sources = [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number)
        source.setEventHandler { task.cancel() }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    return try await task.value
}
