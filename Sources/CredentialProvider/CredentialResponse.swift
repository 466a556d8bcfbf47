public import Basics
import StrictJSON

/// The credential provider's answer:
/// `{"credentials":{"accessKeyId":"…","secretAccessKey":"…","sessionToken":"…","expiration":"2026-11-21T12:00:00Z"}}`.
public enum CredentialResponse {
    /// Parses an answer; `now` (the provider's `Date`, else the local clock) turns `expiration` into a lifetime.
    public static func parse(_ body: [UInt8], now: Timestamp) throws(CredentialProviderError) -> FetchedCredentials {
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw malformed("not JSON (\(error))")
        }
        guard case .object(let object) = root else { throw malformed("a JSON \(root.typeName), not an object") }
        guard let inner = object["credentials"] else { throw malformed("no \"credentials\" object") }
        guard case .object(let credentials) = inner else {
            throw malformed("\"credentials\" is a JSON \(inner.typeName), not an object")
        }
        func field(_ key: String) throws(CredentialProviderError) -> String {
            guard let value = credentials[key] else { throw malformed("no credentials.\(key)") }
            guard case .string(let string) = value, !string.isEmpty else {
                throw malformed("credentials.\(key) is \(value.summary(maxStringLength: 0)), not a non-empty string")
            }
            return string
        }
        let expirationText = try field("expiration")
        guard let expiration = Timestamp(iso8601: expirationText) else {
            throw malformed("credentials.expiration \(JSONValue.quoted(expirationText)) is not an ISO-8601 UTC time")
        }
        let parsed = AWSCredentials(
            accessKeyID: try field("accessKeyId"), secretAccessKey: try field("secretAccessKey"),
            sessionToken: try field("sessionToken"), expiration: expiration)
        let validFor = Duration.nanoseconds(expiration.nanosecondsSinceEpoch - now.nanosecondsSinceEpoch)
        guard validFor > .zero else {
            throw malformed("the credentials expired at \(expiration.iso8601), before the answer's time \(now.iso8601)")
        }
        return FetchedCredentials(credentials: parsed, validFor: validFor)
    }

    private static func malformed(_ detail: String) -> CredentialProviderError {
        CredentialProviderError(
            .malformedAnswer,
            "the credential provider's answer is not credentials: \(detail) — is credentials.endpoint the "
                + "iot:CredentialProvider endpoint (aws iot describe-endpoint --endpoint-type iot:CredentialProvider)?")
    }
}

extension CredentialResponse {
    /// The `message` of an AWS error answer (`{"message":"Access Denied"}`), shortened; nil if there is none.
    static func errorMessage(_ body: [UInt8]) throws -> String? {
        guard case .string(let message) = try JSONParser.parse(body)["message"] else { return nil }
        return String(message.prefix(160))
    }
}
