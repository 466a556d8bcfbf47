public import StrictJSON

/// The page's connected `RTCPeerConnection`, reached through DevTools. The drive page keeps its connection to itself
/// (module scope), so it is found with `Runtime.queryObjects` on `RTCPeerConnection.prototype`; functions then run
/// with it as `this` (`Runtime.callFunctionOn`). video-bench reads its receiver counters this way, the NAT lab its
/// selected candidate pair.
public struct PagePeerConnection: Sendable {
    public let page: BrowserPage
    /// The DevTools handle of the connection.
    private let handle: String
    private let objectGroup: String

    /// The page's (last) connected peer connection, or nil when DevTools finds none.
    public static func find(in page: BrowserPage, objectGroup: String = "peer-connection") async throws
        -> PagePeerConnection?
    {
        let group = JSONValue.string(objectGroup)
        let prototype = try await page.call(
            "Runtime.evaluate", ["expression": "RTCPeerConnection.prototype", "objectGroup": group])
        guard let prototypeID = prototype["result"]?["objectId"]?.stringValue else { return nil }
        let found = try await page.call(
            "Runtime.queryObjects", ["prototypeObjectId": .string(prototypeID), "objectGroup": group])
        guard let listID = found["objects"]?["objectId"]?.stringValue else { return nil }
        let connected = try await page.call(
            "Runtime.callFunctionOn",
            [
                "objectId": .string(listID), "objectGroup": group,
                "functionDeclaration":
                    "function() { return this.filter((pc) => pc.connectionState === 'connected').pop(); }",
            ])
        guard let connection = connected["result"]?["objectId"]?.stringValue else { return nil }
        return PagePeerConnection(page: page, handle: connection, objectGroup: objectGroup)
    }

    /// Runs `functionDeclaration` (may be async) with the connection as `this` and returns its result by value.
    public func call(_ functionDeclaration: String) async throws -> JSONValue {
        let answer = try await page.call(
            "Runtime.callFunctionOn",
            [
                "objectId": .string(handle), "awaitPromise": true, "returnByValue": true,
                "functionDeclaration": .string(functionDeclaration),
            ])
        return answer["result"]?["value"] ?? .null
    }

    /// Every entry of `getStats()` (transport, candidate-pair, local-candidate, inbound-rtp, …).
    public func stats() async throws -> [JSONValue] {
        try await call("async function() { return Array.from((await this.getStats()).values()); }").arrayValue ?? []
    }
}
