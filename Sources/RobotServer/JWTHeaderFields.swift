import FoundationEssentials
import StrictJSON

/// The `kid` and `alg` of a compact JWT, read before verification to pick the key (and to notice a key id
/// the cached JWKS does not have yet). Nothing read here is trusted until the signature checks out.
struct JWTHeaderFields: Sendable, Equatable {
    var keyID: String?
    var algorithm: String?

    /// Whether `token` has the shape of a compact JWS: three base64url parts.
    static func looksLikeJWT(_ token: Substring) -> Bool {
        token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2
    }

    /// Reads the header, or says why it cannot be read.
    init(token: Substring) throws(AuthFailure) {
        guard let dot = token.firstIndex(of: "."),
            let bytes = Self.base64URLDecode(token[..<dot]),
            case .object(let header)? = try? JSONParser.parse(bytes)
        else {
            throw AuthFailure.invalidToken("malformed JWT: the header is not base64url-encoded JSON")
        }
        keyID = header["kid"]?.stringValue
        algorithm = header["alg"]?.stringValue
    }

    static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var base64 = String(text).replacing("-", with: "+").replacing("_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}
