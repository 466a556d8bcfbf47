public import AWSSigV4
public import Basics
import JSONConfig
import StrictJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Where the producer's AWS credentials come from: the environment the KVS C SDK sample reads, or a JSON file that
/// robotd rewrites when it refreshes them (so a running producer signs with fresh ones without a restart).
///
/// The file, `{"accessKeyId":…,"secretAccessKey":…,"sessionToken":…,"expiration":"2026-11-21T12:00:00Z"}` (the IoT
/// credential provider's `credentials` object), is read again on every ``current()``: it is tiny, and the next
/// signature after a rewrite uses the new keys. `description` and every error name the source, never a secret.
public struct AWSCredentialsSource: Sendable, CustomStringConvertible {
    enum Origin: Sendable {
        /// What `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` held when the source was made.
        case environment(Result<AWSCredentials, CredentialsSourceError>)
        case file(String)
    }

    let origin: Origin

    /// The credentials in this process's environment, read now.
    public static var environment: AWSCredentialsSource {
        var variables: [String: String] = [:]
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            variables[name] = getenv(name).map { String(cString: $0) }
        }
        return environment(variables)
    }

    /// The credentials in `variables` (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`).
    public static func environment(_ variables: [String: String]) -> AWSCredentialsSource {
        func value(_ name: String) -> String? { variables[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            let missing = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter { value($0) == nil }
            return AWSCredentialsSource(
                origin: .environment(
                    .failure(
                        CredentialsSourceError(
                            source: "the environment",
                            reason: "\(missing.joined(separator: " and ")) not set (give the credentials in the "
                                + "environment or a credentials file)"))))
        }
        let credentials = AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        return AWSCredentialsSource(origin: .environment(.success(credentials)))
    }

    /// The credentials in the JSON file at `path`, read on every use.
    public static func file(_ path: String) -> AWSCredentialsSource {
        AWSCredentialsSource(origin: .file(path))
    }

    /// The credentials to sign the next request with (the file read again).
    public func current() throws(CredentialsSourceError) -> AWSCredentials {
        try currentWithExpiration().credentials
    }

    /// ``current()`` with the file's `expiration` (nil from the environment, or a file without one).
    public func currentWithExpiration() throws(CredentialsSourceError) -> (
        credentials: AWSCredentials, expiration: Timestamp?
    ) {
        switch origin {
        case .environment(let result): return (try result.get(), nil)
        case .file(let path):
            switch FileAccess.read(path, limit: Self.maxFileBytes) {
            case .success(let bytes): return try Self.parse(bytes, path: path)
            case .failure(let errno):
                throw CredentialsSourceError(source: path, reason: "cannot be read: \(errno) (\(errno.name))")
            }
        }
    }

    /// The largest credentials file read (a real one is about 1.5 KB).
    static let maxFileBytes = 64 * 1024

    /// Parses a credentials file's bytes; errors name `path` and the member at fault, never a value.
    public static func parse(_ bytes: [UInt8], path: String) throws(CredentialsSourceError) -> (
        credentials: AWSCredentials, expiration: Timestamp?
    ) {
        func refuse(_ reason: String) -> CredentialsSourceError { CredentialsSourceError(source: path, reason: reason) }
        let object: JSONObject
        do {
            guard case .object(let parsed) = try JSONParser.parse(bytes) else {
                throw refuse("is not a JSON object")
            }
            object = parsed
        } catch let error as CredentialsSourceError {
            throw error
        } catch {
            throw refuse("is not JSON (\(error))")
        }
        func string(_ key: String, required: Bool) throws(CredentialsSourceError) -> String? {
            switch object[key] {
            case nil, .null?:
                if required { throw refuse("has no \"\(key)\"") }
                return nil
            case .string(let text)?:
                if text.isEmpty && required { throw refuse("has an empty \"\(key)\"") }
                return text.isEmpty ? nil : text
            case let other?:
                throw refuse("has \"\(key)\" as a JSON \(other.typeName), not a string")
            }
        }
        let credentials = AWSCredentials(
            accessKeyID: try string("accessKeyId", required: true)!,
            secretAccessKey: try string("secretAccessKey", required: true)!,
            sessionToken: try string("sessionToken", required: false))
        guard let text = try string("expiration", required: false) else { return (credentials, nil) }
        guard let expiration = Timestamp(iso8601: text) else {
            throw refuse("has an \"expiration\" that is not an ISO-8601 UTC time: \(JSONValue.quoted(text))")
        }
        return (credentials, expiration)
    }

    public var description: String {
        switch origin {
        case .environment: "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
        case .file(let path): "the credentials file \(path)"
        }
    }
}

/// Why no credentials could be had: the source (a file's path, or "the environment") and what is wrong with it.
public struct CredentialsSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path, or `the environment`.
    public var source: String
    /// What is wrong, in words that name no secret.
    public var reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "AWS credentials from \(source): \(reason)" }
}
