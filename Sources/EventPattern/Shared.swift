/// One reference to an immutable compiled value, so that matching borrows it instead of copying its collections
/// (copying a `LeafMatcher` out of an enum payload costs five retains and releases, which dominated a match).
final class Shared<Value: Sendable>: Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
