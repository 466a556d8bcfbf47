import Crypto

/// The configured static bearer tokens, kept as SHA-256 digests.
///
/// A presented token is hashed and compared with every digest in constant time (no early exit, no
/// dictionary lookup), so the time taken says nothing about how close a guess was or which token matched.
struct StaticTokens: Sendable {
    let tokens: [AuthConfig.StaticToken]

    var isEmpty: Bool { tokens.isEmpty }

    /// The principal of the token whose digest matches, or nil.
    func principal(for token: Substring) -> Principal? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var match: AuthConfig.StaticToken?
        for candidate in tokens where Self.constantTimeEqual(candidate.sha256, digest) {
            match = candidate
        }
        return match.map {
            Principal(
                kind: .token, name: $0.name, permissions: Permissions([.init(robots: $0.robots, roles: $0.roles)]))
        }
    }

    /// Compares two digests of equal length in time independent of their contents.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
