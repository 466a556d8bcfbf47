import FoundationEssentials
import JSONConfig
import JWTKit
import Logging
import ServiceLifecycle

/// The identity provider's signing keys (its JWKS), kept current.
///
/// From a file, or from an HTTPS URL (``JWKSFetcher``). Keys are fetched at start and again every
/// `cacheSeconds`; a token whose `kid` is not in the set causes one more fetch — at most one per
/// `minRefetchSeconds`, so tokens with made-up key ids cannot hammer the provider — which is how a
/// provider's key rotation is picked up at once. When a fetch fails, the keys already held stay in use.
actor SigningKeys: Service {
    struct KeySet: Sendable {
        let collection: JWTKeyCollection
        let keyIDs: Set<String>
    }

    let config: AuthConfig.JWT
    let fetcher: JWKSFetcher
    let logger: Logger
    private var current: KeySet?
    private var lastError = "not fetched yet"
    private var lastUnknownKeyFetch: ContinuousClock.Instant?
    private var inflight: Task<Void, Never>?

    init(config: AuthConfig.JWT, fetcher: JWKSFetcher, logger: Logger) {
        self.config = config
        self.fetcher = fetcher
        self.logger = logger
    }

    /// Reads a JWKS file before the server starts: one that cannot be used is a configuration error. A JWKS
    /// URL is fetched when the service starts instead, so an unreachable provider does not hold up the start.
    func loadFile() async throws(ConfigError) {
        guard case .file = config.keys else { return }
        await refresh()
        if current == nil {
            throw ConfigError("auth.jwt.jwksFile", lastError)
        }
    }

    /// The keys to verify a token signed with `keyID`; fetches once more (rate-limited) if it is unknown.
    func keys(for keyID: String) async throws(AuthFailure) -> JWTKeyCollection {
        if let current, current.keyIDs.contains(keyID) { return current.collection }
        let now = ContinuousClock.now
        if current == nil || lastUnknownKeyFetch.map({ now - $0 >= .seconds(config.minRefetchSeconds) }) ?? true {
            lastUnknownKeyFetch = now
            logger.info("JWT names an unknown key id; fetching the JWKS again", metadata: ["auth.kid": "\(keyID)"])
            await refresh()
        }
        guard let current else {
            throw AuthFailure.keysUnavailable("the identity provider's keys are not available: \(lastError)")
        }
        guard current.keyIDs.contains(keyID) else {
            throw AuthFailure.invalidToken("unknown key id \"\(keyID)\": no key with that kid in the JWKS")
        }
        return current.collection
    }

    func run() async {
        let period = Duration.seconds(config.cacheSeconds)
        if current == nil {
            await refresh()
        }
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: period)) != nil {
                await self.refresh()
            }
        }
        await fetcher.shutdown()
    }

    /// One fetch at a time: callers that arrive while one runs wait for it instead of starting another
    /// (the task is awaited here, never left running on its own).
    private func refresh() async {
        if let inflight {
            await inflight.value
            return
        }
        let task = Task { await self.fetchNow() }
        inflight = task
        await task.value
        inflight = nil
    }

    private func fetchNow() async {
        do {
            let jwks = try await fetcher.fetch()
            let collection = JWTKeyCollection()
            try await collection.add(jwks: jwks)
            let keyIDs = Set(jwks.keys.compactMap { $0.keyIdentifier?.string })
            current = KeySet(collection: collection, keyIDs: keyIDs)
            logger.debug("JWKS loaded", metadata: ["auth.kids": "\(keyIDs.sorted())"])
        } catch {
            lastError = "\(error)"
            logger.warning("cannot load the JWKS: \(error)\(current == nil ? "" : "; keeping the keys held")")
        }
    }
}
