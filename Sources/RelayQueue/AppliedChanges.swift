/// The outcome of ``DurableQueue/apply(_:)``.
public struct AppliedChanges: Sendable, Equatable {
    /// The seq of each replacement's error-action delivery, in the order of ``QueueChanges/replacements``;
    /// nil where the row to replace was no longer queued and nothing was inserted.
    public var replacementSeqs: [Int64?]
    /// Seqs named in the changes that were no longer queued, in the order met: completed twice, retried after
    /// completion, or never appended. Worth a warning in the log — the relay should not lose track of a row.
    public var missing: [Int64]

    /// Creates an outcome.
    public init(replacementSeqs: [Int64?] = [], missing: [Int64] = []) {
        self.replacementSeqs = replacementSeqs
        self.missing = missing
    }
}
