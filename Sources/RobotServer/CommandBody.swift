import Hummingbird
import DriveProtocol
import StrictJSON

/// A `POST …/publish` body: read with a size limit, checked as JSON, validated as a drive command.
struct CommandBody {
    /// A command that passed validation, ready to publish.
    struct Validated {
        /// The bytes for `<thing>/action`: the body as sent, or with the added `id`.
        var payload: [UInt8]
        var id: String
        /// What it asks for (a motion, a stop…), for the control lease.
        var intent: DriveCommand.Intent
    }

    let bytes: [UInt8]

    /// Reads the body: `application/json` only (415), at most the drive protocol's 4 KiB (413). `what` names the
    /// body in refusals (another JSON body, such as a control action, is read the same way).
    static func read(_ request: Request, what: String = "a drive command") async throws -> CommandBody {
        let limit = DriveCommandParser.maxPayloadBytes
        let type = request.headers[.contentType]
        guard let type, let media = MediaType(from: type), media.isType(.applicationJson) else {
            throw APIError(
                .unsupportedMediaType, "unsupported media type",
                "the body must be \(what) in JSON with Content-Type: application/json, got "
                    + (type.map { "\"\($0)\"" } ?? "no Content-Type"))
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge(length, what: what)
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else { throw tooLarge(nil, what: what) }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return CommandBody(bytes: bytes)
    }

    private static func tooLarge(_ length: Int?, what: String) -> APIError {
        let size = length.map { "\($0) bytes" } ?? "larger than that"
        return APIError(
            .contentTooLarge, "payload too large",
            "\(what) is at most \(DriveCommandParser.maxPayloadBytes) bytes; this body is \(size)")
    }

    /// The body as JSON, or 400 `invalid JSON` with the parser's message.
    func json() throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw APIError(.badRequest, "invalid JSON", error.description)
        }
    }

    /// Checks the body with the drive protocol's own parser — the code robotd runs — and adds an `id` if the
    /// command has none.
    func validate(defaults: DriveDefaults = DriveDefaults()) throws -> Validated {
        let value = try json()
        let command: DriveCommand
        do {
            command = try DriveCommandParser.command(from: value, defaults: defaults)
        } catch {
            throw APIError(.badRequest, "invalid command", error.reason)
        }
        if let id = command.id {
            return Validated(payload: bytes, id: id, intent: command.intent)
        }
        guard case .object(var object) = value else { preconditionFailure("a valid command is an object") }
        let id = Self.newID()
        object["id"] = .string(id)
        let payload = JSONValue.object(object).serialized()
        guard payload.count <= DriveCommandParser.maxPayloadBytes else {
            throw APIError(
                .contentTooLarge, "payload too large",
                "with the \"id\" the server adds, this command would be \(payload.count) bytes; the limit is "
                    + "\(DriveCommandParser.maxPayloadBytes) (send a shorter body, or your own \"id\")")
        }
        return Validated(payload: payload, id: id, intent: command.intent)
    }

    /// `srv-` and 16 random hex digits: unique enough to match telemetry, well under the 64-character limit.
    static func newID() -> String {
        "srv-" + Hex.string(withUnsafeBytes(of: UInt64.random(in: .min ... .max).bigEndian, Array.init))
    }
}
