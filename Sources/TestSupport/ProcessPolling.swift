/// Calls `body` every `interval` until it returns a value or `timeout` passes.
///
/// Test support waits on things that have no notification (a file growing, a
/// process that is not our child, a port): polling every few milliseconds is
/// simple and costs nothing measurable. Returns nil on timeout.
func pollUntil<T>(
    timeout: Duration,
    every interval: Duration = .milliseconds(10),
    _ body: () throws -> T?
) async throws -> T? {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if let value = try body() {
            return value
        }
        if clock.now >= deadline {
            return nil
        }
        try await Task.sleep(for: interval)
    }
}
