extension [Double] {
    /// The value at fraction `p` (0…1) of a sorted array (nearest rank); NaN when empty. For the benches.
    public func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return .nan }
        return self[Swift.min(count - 1, Int((Double(count - 1) * p).rounded()))]
    }
}
