public import StrictJSON

/// Who drives a robot, as one principal sees it: the robot's control lease (one driver at a time) and what this
/// principal may do about it. The `control` frame to viewers carries it (``ServerFrame/control(_:)``), and
/// robot-server's `GET /robots/{thing}/control` answers it with `robot` in front (`docs/SIGNALING.md`,
/// `docs/SERVER.md`).
///
/// Times are ISO-8601 UTC text in whole seconds (`2026-12-04T22:40:00Z`), as the page shows them.
public struct ControlStatus: Sendable, Equatable {
    /// The principal holding the lease, and since when.
    public struct Holder: Sendable, Equatable {
        public var name: String
        public var since: String

        public init(name: String, since: String) {
            self.name = name
            self.since = since
        }

        /// `{"name":"alice","since":"2026-12-04T22:40:00Z"}`
        public var json: JSONValue { ["name": .string(name), "since": .string(since)] }
    }

    /// A principal asking the holder for control, and when it asked.
    public struct Request: Sendable, Equatable {
        public var name: String
        public var at: String

        public init(name: String, at: String) {
            self.name = name
            self.at = at
        }

        /// `{"name":"bob","at":"2026-12-04T22:41:07Z"}`
        public var json: JSONValue { ["name": .string(name), "at": .string(at)] }
    }

    /// The principal this status is for: its name, whether it holds the lease, may drive the robot at all, and may
    /// take the lease over (the `admin` role).
    public struct You: Sendable, Equatable {
        public var name: String
        public var driving: Bool
        public var mayDrive: Bool
        public var admin: Bool

        public init(name: String, driving: Bool, mayDrive: Bool, admin: Bool) {
            self.name = name
            self.driving = driving
            self.mayDrive = mayDrive
            self.admin = admin
        }
    }

    /// Nil: nobody drives.
    public var holder: Holder?
    /// Nil: nobody asks.
    public var request: Request?
    /// How long a lease lasts without a drive command (robot-server's `control.idleSeconds`).
    public var idleSeconds: Int
    public var you: You

    public init(holder: Holder?, request: Request?, idleSeconds: Int, you: You) {
        self.holder = holder
        self.request = request
        self.idleSeconds = idleSeconds
        self.you = you
    }

    /// The members in the contract's order: `holder`, `request`, `idleSeconds`, `you`.
    public var members: [(String, JSONValue)] {
        [
            ("holder", holder?.json ?? .null),
            ("request", request?.json ?? .null),
            ("idleSeconds", .number(Double(idleSeconds))),
            (
                "you",
                [
                    "name": .string(you.name), "driving": .bool(you.driving), "mayDrive": .bool(you.mayDrive),
                    "admin": .bool(you.admin),
                ]
            ),
        ]
    }

    /// Reads the members of a `control` frame (or the REST answer); the error names the member at fault.
    public init(_ object: JSONObject) throws(SignalingMessageError) {
        holder = try Self.pair(object, "holder", "since").map { Holder(name: $0, since: $1) }
        request = try Self.pair(object, "request", "at").map { Request(name: $0, at: $1) }
        guard let idle = object["idleSeconds"]?.intValue else {
            throw SignalingMessageError(
                "idleSeconds: expected an integer, got \(object["idleSeconds"]?.typeName ?? "nothing")")
        }
        idleSeconds = idle
        guard let you = object["you"]?.objectValue else {
            throw SignalingMessageError("you: expected an object, got \(object["you"]?.typeName ?? "nothing")")
        }
        self.you = You(
            name: try you.requiredString("name"), driving: try Self.flag(you, "driving"),
            mayDrive: try Self.flag(you, "mayDrive"), admin: try Self.flag(you, "admin"))
    }

    /// `{"name": …, "<time>": …}` or null.
    private static func pair(
        _ object: JSONObject, _ key: String, _ time: String
    ) throws(SignalingMessageError) -> (String, String)? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let member = value.objectValue else {
            throw SignalingMessageError("\(key): expected an object or null, got \(value.typeName)")
        }
        guard let name = member["name"]?.stringValue, let when = member[time]?.stringValue else {
            throw SignalingMessageError("\(key): expected {\"name\": string, \"\(time)\": string}")
        }
        return (name, when)
    }

    private static func flag(_ object: JSONObject, _ key: String) throws(SignalingMessageError) -> Bool {
        guard let value = object[key]?.boolValue else {
            throw SignalingMessageError("you.\(key): expected a boolean, got \(object[key]?.typeName ?? "nothing")")
        }
        return value
    }
}
