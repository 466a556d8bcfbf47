/// Why a payload is not strict JSON, and where.
///
/// `offset` is the zero-based byte offset at which the problem was found. The `description` is a single line
/// meant for people, e.g. `invalid JSON at byte 12: expected ',' or '}' after object member, got 'x'`.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of problem, for code that needs to tell them apart.
    public enum Kind: Sendable, Equatable {
        /// The payload has no bytes at all.
        case emptyPayload
        /// The bytes are not well-formed UTF-8 (including overlong forms and encoded surrogates).
        case invalidUTF8
        /// The text is not JSON: `detail` says what was expected and what was found.
        case syntax
        /// An object has the same key twice.
        case duplicateKey
        /// A number is too large for a `Double`.
        case numberOutOfRange
        /// Arrays and objects are nested deeper than the parser allows.
        case tooDeep
    }

    /// What went wrong, as a case to switch on.
    public var kind: Kind
    /// Zero-based byte offset of the problem.
    public var offset: Int
    /// What is wrong, without the offset, e.g. `duplicate key "speed"`.
    public var detail: String

    public init(kind: Kind, offset: Int, detail: String) {
        self.kind = kind
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .emptyPayload: "empty payload"
        case .invalidUTF8: "payload is not valid UTF-8 (byte \(offset))"
        case .syntax, .duplicateKey, .numberOutOfRange, .tooDeep: "invalid JSON at byte \(offset): \(detail)"
        }
    }
}
