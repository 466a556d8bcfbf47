import Basics
import StrictJSON

/// The retained lease message (`<p>/robots/<thing>/lease`, `docs/SCALING.md`) and the parts the calls share with it:
/// pure, with the time passed in.
///
/// `{"owner":"a","seq":7,"holder":{"identity":"token:home","name":"home","since":"…","idleMs":1200}|null,
///   "request":{"identity":"token:bob","name":"bob","at":"…"}|null}`
///
/// Instances share no clock: a holder travels with `idleMs`, the time since its last command when the message was
/// written, and the receiver sets `lastCommand = now - idleMs` on its own monotonic clock. `since` and `at` are wall
/// clock (ISO-8601 with microseconds, so they survive the trip unchanged).
extension ClusterLeases {
    /// Which publication of a robot's lease is newer: the higher `seq`; at the same `seq` (two instances that briefly
    /// both thought they owned the lease), the smaller owner id's — the one that stays owner once they agree.
    struct Stamp: Sendable, Equatable {
        var seq: Int
        var owner: String

        /// Nothing heard yet: every published stamp (seq ≥ 1) is newer.
        static let none = Stamp(seq: 0, owner: "")

        func isNewer(than other: Stamp) -> Bool {
            seq != other.seq ? seq > other.seq : owner < other.owner
        }
    }

    /// One robot's lease as its owner publishes it.
    struct Record: Sendable, Equatable {
        var stamp: Stamp
        var holder: ControlLease.Holder?
        var request: ControlLease.Request?

        init(stamp: Stamp, holder: ControlLease.Holder?, request: ControlLease.Request?) {
            self.stamp = stamp
            self.holder = holder
            self.request = request
        }

        init(stamp: Stamp, lease: ControlLease) {
            self.init(stamp: stamp, holder: lease.holder, request: lease.request)
        }

        /// The message, written at `now`.
        func json(now: ContinuousClock.Instant) -> JSONValue {
            [
                "owner": .string(stamp.owner), "seq": .number(Double(stamp.seq)),
                "holder": holder.map { Wire.json($0, now: now) } ?? .null,
                "request": request.map(Wire.json) ?? .null,
            ]
        }

        func payload(now: ContinuousClock.Instant) -> [UInt8] { json(now: now).serialized() }

        /// Reads a message received at `now`.
        init(json: JSONValue, now: ContinuousClock.Instant) throws(WireError) {
            let seq = try Wire.int(json, "seq")
            guard seq >= 1 else { throw WireError("seq must be 1 or more, not \(seq)") }
            self.init(
                stamp: Stamp(seq: seq, owner: try Wire.string(json, "owner")),
                holder: try Wire.optional(json, "holder") { (value) throws(WireError) in
                    try Wire.holder(value, now: now)
                },
                request: try Wire.optional(json, "request", Wire.request))
        }

        init(payload: [UInt8], now: ContinuousClock.Instant) throws(WireError) {
            try self.init(json: Wire.parse(payload), now: now)
        }

        /// The lease this record describes.
        func lease(idleSeconds: Int) -> ControlLease {
            ControlLease(idleSeconds: idleSeconds, holder: holder, request: request)
        }
    }

    /// A cluster message that cannot be read: the sender is another version, or something else wrote to our topics.
    struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
        var description: String

        init(_ description: String) {
            self.description = description
        }
    }

    /// The pieces of the lease messages.
    enum Wire {
        /// Whole milliseconds of `duration`, rounded toward zero.
        static func milliseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        }

        static func parse(_ payload: [UInt8]) throws(WireError) -> JSONValue {
            do {
                return try JSONParser.parse(payload)
            } catch {
                throw WireError("not JSON: \(error)")
            }
        }

        /// `{"identity":"token:home"|null,"name":"home"}`
        static func json(_ driver: ControlLease.Driver) -> [(String, JSONValue)] {
            [("identity", driver.identity.map(JSONValue.string) ?? .null), ("name", .string(driver.name))]
        }

        /// `{"identity":…,"name":…,"since":"…","idleMs":1200}`: idle since its last command, at `now`.
        static func json(_ holder: ControlLease.Holder, now: ContinuousClock.Instant) -> JSONValue {
            let milliseconds = Self.milliseconds(max(.zero, now - holder.lastCommand))
            return .object(
                JSONObject(
                    json(holder.driver) + [
                        ("since", .string(holder.since.iso8601)), ("idleMs", .number(Double(milliseconds))),
                    ]))
        }

        /// `{"identity":…,"name":…,"at":"…"}`
        static func json(_ request: ControlLease.Request) -> JSONValue {
            .object(JSONObject(json(request.driver) + [("at", .string(request.at.iso8601))]))
        }

        static func driver(_ json: JSONValue) throws(WireError) -> ControlLease.Driver {
            let identity = json["identity"]
            guard identity == nil || identity == .null || identity?.stringValue != nil else {
                throw WireError("identity must be a string or null")
            }
            return ControlLease.Driver(identity: identity?.stringValue, name: try string(json, "name"))
        }

        static func holder(_ json: JSONValue, now: ContinuousClock.Instant) throws(WireError) -> ControlLease.Holder {
            let idle = try int(json, "idleMs")
            guard idle >= 0 else { throw WireError("idleMs must not be negative, not \(idle)") }
            return ControlLease.Holder(
                driver: try driver(json), since: try timestamp(json, "since"),
                lastCommand: now - .milliseconds(idle))
        }

        static func request(_ json: JSONValue) throws(WireError) -> ControlLease.Request {
            ControlLease.Request(driver: try driver(json), at: try timestamp(json, "at"))
        }

        static func string(_ json: JSONValue, _ key: String) throws(WireError) -> String {
            guard let value = json[key]?.stringValue else { throw WireError("\(key) must be a string") }
            return value
        }

        static func int(_ json: JSONValue, _ key: String) throws(WireError) -> Int {
            guard let value = json[key]?.intValue else { throw WireError("\(key) must be a whole number") }
            return value
        }

        static func timestamp(_ json: JSONValue, _ key: String) throws(WireError) -> Timestamp {
            guard let value = Timestamp(iso8601: try string(json, key)) else {
                throw WireError("\(key) must be an ISO-8601 UTC time")
            }
            return value
        }

        /// `key`'s value read by `read`, or nil when it is null or missing.
        static func optional<Value>(
            _ json: JSONValue, _ key: String, _ read: (JSONValue) throws(WireError) -> Value
        ) throws(WireError) -> Value? {
            guard let value = json[key], value != .null else { return nil }
            do {
                return try read(value)
            } catch {
                throw WireError("\(key): \(error.description)")
            }
        }
    }
}
