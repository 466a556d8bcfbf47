import DriveProtocol
import StrictJSON

/// A call to the lease's owner and its reply, both on `<p>/to/<id>/call` (`docs/SCALING.md`): pure, with the time
/// passed in.
///
/// `{"id":"b-17","from":"b","thing":"sts-pi","op":"command","intent":"motion","driver":{"identity":…,"name":…}}`
/// → `{"reply":"b-17","lease":{…the retained message…},"change":"taken"|null}`
/// or `{"reply":"b-17","refusal":{"kind":"heldByAnother"|"notTheHolder"|"nobodyAsked","holder":{…}|null}}`.
/// A `refresh` (the holder drove through another instance) has no reply.
extension ClusterLeases {
    struct Call: Sendable, Equatable {
        enum Op: Sendable, Equatable {
            /// Decide this event and reply.
            case event(ControlLease.Event)
            /// The holder's motion passed at the caller: refresh its lease (or take a free one); no reply.
            case refresh
        }

        /// `<caller>-<n>`: the reply names it.
        var id: String
        /// The caller's instance id: where the reply goes.
        var from: String
        var thing: String
        var op: Op
        var driver: ControlLease.Driver

        var json: JSONValue {
            let (op, intent): (String, DriveCommand.Intent?) =
                switch self.op {
                case .event(.command(let intent)): ("command", intent)
                case .event(let event): ("\(event)", nil)
                case .refresh: ("refresh", nil)
                }
            return [
                "id": .string(id), "from": .string(from), "thing": .string(thing), "op": .string(op),
                "intent": intent.map { .string("\($0)") } ?? .null,
                "driver": .object(JSONObject(Wire.json(driver))),
            ]
        }

        init(id: String, from: String, thing: String, op: Op, driver: ControlLease.Driver) {
            self.id = id
            self.from = from
            self.thing = thing
            self.op = op
            self.driver = driver
        }

        init(json: JSONValue) throws(WireError) {
            let name = try Wire.string(json, "op")
            let op: Op
            switch name {
            case "command":
                let intent = try Wire.string(json, "intent")
                guard let known = Self.intents.first(where: { "\($0)" == intent }) else {
                    throw WireError("unknown intent \(JSONValue.quoted(intent))")
                }
                op = .event(.command(known))
            case "refresh":
                op = .refresh
            default:
                guard let event = Self.actions.first(where: { "\($0)" == name }) else {
                    throw WireError("unknown op \(JSONValue.quoted(name))")
                }
                op = .event(event)
            }
            guard let driver = json["driver"] else { throw WireError("driver is missing") }
            self.init(
                id: try Wire.string(json, "id"), from: try Wire.string(json, "from"),
                thing: try Wire.string(json, "thing"), op: op, driver: try Wire.driver(driver))
        }

        private static let intents: [DriveCommand.Intent] = [.motion, .stop, .emergencyStop, .release]
        private static let actions: [ControlLease.Event] = [.request, .handover, .decline, .release, .takeover]
    }

    /// The owner's answer to a call.
    struct Reply: Sendable, Equatable {
        enum Outcome: Sendable, Equatable {
            /// The lease after the event, and what it changed.
            case decided(Record, ControlLease.Change?)
            case refused(ControlLease.Refusal)
        }

        /// The call's id.
        var id: String
        var outcome: Outcome

        func json(now: ContinuousClock.Instant) -> JSONValue {
            switch outcome {
            case .decided(let record, let change):
                return [
                    "reply": .string(id), "lease": record.json(now: now),
                    "change": change.map { .string("\($0)") } ?? .null,
                ]
            case .refused(let refusal):
                let (kind, holder): (String, ControlLease.Holder?) =
                    switch refusal {
                    case .heldByAnother(let holder): ("heldByAnother", holder)
                    case .notTheHolder(let holder): ("notTheHolder", holder)
                    case .nobodyAsked: ("nobodyAsked", nil)
                    }
                let refusal: JSONValue = [
                    "kind": .string(kind), "holder": holder.map { Wire.json($0, now: now) } ?? .null,
                ]
                return ["reply": .string(id), "refusal": refusal]
            }
        }

        init(id: String, outcome: Outcome) {
            self.id = id
            self.outcome = outcome
        }

        init(json: JSONValue, now: ContinuousClock.Instant) throws(WireError) {
            let id = try Wire.string(json, "reply")
            if let refusal = json["refusal"] {
                let holder = try Wire.optional(refusal, "holder") { (value) throws(WireError) in
                    try Wire.holder(value, now: now)
                }
                switch (try Wire.string(refusal, "kind"), holder) {
                case ("heldByAnother", let holder?): self.init(id: id, outcome: .refused(.heldByAnother(holder)))
                case ("notTheHolder", _): self.init(id: id, outcome: .refused(.notTheHolder(holder)))
                case ("nobodyAsked", _): self.init(id: id, outcome: .refused(.nobodyAsked))
                case (let kind, _): throw WireError("unknown refusal \(JSONValue.quoted(kind)) (or no holder)")
                }
                return
            }
            guard let lease = json["lease"] else { throw WireError("a reply needs lease or refusal") }
            let change = try Wire.optional(json, "change") { (value) throws(WireError) in
                guard let name = value.stringValue, let change = Self.changes.first(where: { "\($0)" == name })
                else { throw WireError("unknown change \(value.summary())") }
                return change
            }
            self.init(id: id, outcome: .decided(try Record(json: lease, now: now), change))
        }

        private static let changes: [ControlLease.Change] = [
            .taken, .handedOver, .released, .expired, .takenOver, .requested, .declined,
        ]
    }

    /// What arrives on our `call` topic: a call to us as owner, or the reply to one of ours.
    enum Message: Sendable, Equatable {
        case call(Call)
        case reply(Reply)

        init(payload: [UInt8], now: ContinuousClock.Instant) throws(WireError) {
            let json = try Wire.parse(payload)
            self = json["reply"] == nil ? .call(try Call(json: json)) : .reply(try Reply(json: json, now: now))
        }
    }
}
