import Crypto
import StrictJSON

/// Static bearer tokens as an operator makes them: `robot-server new-token` and `robot-server hash-token`.
///
/// A token is 32 bytes from the system's CSPRNG (`SystemRandomNumberGenerator`: `getrandom(2)` on Linux),
/// written as 64 hex digits; the config keeps only its SHA-256, so a leaked config drives nothing.
public enum BearerToken {
    /// A fresh random token.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The SHA-256 of the token's UTF-8 bytes in hex, as `auth.tokens[].sha256` wants it.
    public static func sha256(_ token: String) -> String {
        Hex.string(SHA256.hash(data: Array(token.utf8)))
    }

    /// The token as read from standard input: without one trailing newline (`\n` or `\r\n`), as `echo` and
    /// a file's last line leave it. Other whitespace is part of the token.
    public static func fromInput(_ input: String) -> String {
        // By scalars: "\r\n" is one Character to String.
        var scalars = Substring(input).unicodeScalars
        if scalars.last == "\n" {
            scalars.removeLast()
            if scalars.last == "\r" { scalars.removeLast() }
        }
        return String(scalars)
    }

    /// The `auth.tokens` entry to paste: `{ "name": "home", "sha256": "…", "robots": ["*"], "roles": ["drive"] }`.
    public static func configLine(name: String, sha256: String, robots: [String], roles: [Role]) -> String {
        let quoted = { (text: String) in JSONValue.string(text).serializedString() }
        let list = { (items: [String]) in items.map(quoted).joined(separator: ", ") }
        return "{ \"name\": \(quoted(name)), \"sha256\": \"\(sha256)\", \"robots\": [\(list(robots))], "
            + "\"roles\": [\(list(roles.map(\.rawValue)))] }"
    }
}
