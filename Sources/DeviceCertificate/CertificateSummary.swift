/// What `robotd check` reports about a certificate.
public struct CertificateSummary: Sendable, Equatable {
    /// `/CN=sts-pi`, as OpenSSL writes a name on one line.
    public var subject: String
    /// Seconds until `notAfter`; negative once expired; nil if the time does not parse.
    public var secondsUntilExpiry: Int64?
    /// Whether `notBefore` has passed (a robot whose clock is far behind sees a certificate as not valid yet).
    public var isValidYet: Bool
}

/// A certificate or key file that cannot be used, naming the file.
public struct DeviceCertificateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public var description: String { "\(path) \(problem)" }
}
