extension Duration {
    /// Whole milliseconds, rounded towards zero — for timeouts and log lines.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
