/// Credentials and how long they stay valid, measured on the provider's clock.
///
/// `validFor` is `expiration` minus the time in the answer's `Date` header (the local clock when it has none): a
/// robot that booted without a real-time clock, before NTP set the time, still refreshes in time.
public struct FetchedCredentials: Sendable, Equatable {
    public var credentials: AWSCredentials
    public var validFor: Duration

    public init(credentials: AWSCredentials, validFor: Duration) {
        self.credentials = credentials
        self.validFor = validFor
    }
}
