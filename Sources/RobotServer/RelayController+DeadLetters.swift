import Hummingbird
import Relay
import StrictJSON

/// The relay's dead letters over HTTP — deliveries that failed for good on a rule without an error action, parked
/// so their lane goes on:
///
/// - `GET /relay/dead-letters?rule=NAME[&after=SEQ][&limit=N]`: the rule's dead letters, oldest first (at most
///   `limit`, default 100, up to 1000; page on with `after` = the last `seq` seen), and `total`;
/// - `POST /relay/dead-letters/replay` with `{"rule": "NAME"}` (all of them) or `{"rule": "NAME", "seqs": [..]}`:
///   back into their lanes as new deliveries; answers `{"replayed": N}`.
///
/// Under `/relay`, so only for `admin` on every robot (``AdminGate``; checked here again, as `/relay/rules` does).
/// An unknown rule is a 404, a bad request a 400.
extension RelayController {
    func addDeadLetterRoutes(to router: Router<some RequestContext>) {
        router.get("/relay/dead-letters") { request, _ -> Response in
            try await authorize(request)
            let query = request.uri.queryParameters
            guard let rule = query["rule"].map(String.init), !rule.isEmpty else {
                throw APIError(.badRequest, "missing rule", "name the rule: /relay/dead-letters?rule=NAME")
            }
            let after = try Self.integer(query["after"].map(String.init), name: "after") ?? 0
            let limit = try Self.integer(query["limit"].map(String.init), name: "limit") ?? 100
            do throws(RelayService.DeadLetterError) {
                return Self.json(try relay.deadLetters(rule: rule, after: after, limit: Int(limit)))
            } catch {
                throw Self.apiError(error)
            }
        }
        router.post("/relay/dead-letters/replay") { request, _ -> Response in
            try await authorize(request)
            let body = try await request.body.collect(upTo: 1 << 20)
            let json: JSONValue
            do {
                json = try JSONParser.parse(Array(buffer: body))
            } catch {
                throw APIError(.badRequest, "invalid JSON", "\(error)")
            }
            guard let rule = json["rule"]?.stringValue, !rule.isEmpty else {
                throw APIError(.badRequest, "missing rule", "send {\"rule\": \"NAME\"} and optionally \"seqs\": [..]")
            }
            var seqs: [Int64]?
            if let list = json["seqs"], !list.isNull {
                guard let items = list.arrayValue, let numbers = Optional(items.compactMap(\.intValue)),
                    numbers.count == items.count
                else {
                    throw APIError(.badRequest, "invalid seqs", "\"seqs\" must be a list of integers")
                }
                seqs = numbers.map(Int64.init)
            }
            do throws(RelayService.DeadLetterError) {
                let count = try relay.replayDeadLetters(rule: rule, seqs: seqs)
                return Self.json(["rule": .string(rule), "replayed": .number(Double(count))])
            } catch {
                throw Self.apiError(error)
            }
        }
    }

    private func authorize(_ request: Request) async throws {
        do {
            let principal = try await authenticator.authenticate(request)
            try authenticator.authorize(principal, .admin, everywhereFor: "/relay")
        } catch {
            throw error.apiError
        }
    }

    private static func integer(_ text: String?, name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text), value >= 0 else {
            throw APIError(.badRequest, "invalid \(name)", "\(name) must be a non-negative integer, not \"\(text)\"")
        }
        return value
    }

    private static func apiError(_ error: RelayService.DeadLetterError) -> APIError {
        switch error {
        case .unknownRule: APIError(.notFound, "unknown rule", error.description)
        case .queue: APIError(.serviceUnavailable, "relay queue unavailable", error.description)
        }
    }

    private static func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.serialized() + [UInt8(ascii: "\n")])))
    }
}
