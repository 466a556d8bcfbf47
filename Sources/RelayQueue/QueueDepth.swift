/// How many deliveries the queue holds, in total and per target.
public struct QueueDepth: Sendable, Equatable {
    /// Rows per target, keyed `"rule/target"` (e.g. `"hooks/0"`, `"hooks/error"`); targets with no rows are absent.
    public var byTarget: [String: Int]
    /// All rows.
    public var total: Int

    /// Creates a depth report.
    public init(byTarget: [String: Int], total: Int) {
        self.byTarget = byTarget
        self.total = total
    }
}
