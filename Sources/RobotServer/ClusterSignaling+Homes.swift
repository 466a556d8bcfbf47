import StrictJSON

extension ClusterSignaling {
    /// Where each robot's signaling room lives, as this instance knows it: a pure state machine of the retained home
    /// messages (`<p>/robots/<thing>/home`) and this instance's own claims. Events return the ``Move``s they make;
    /// liveness is the ``ClusterLink``'s, passed in.
    ///
    /// A robot's *home* is the instance where its producer connected last. It is sticky — it stays when the producer
    /// leaves — and counts as nobody while its instance is offline (the local room serves then). A claim is applied
    /// here at once; another instance's home message that arrives before our claim comes back from the broker was
    /// published before it (the broker keeps one topic's messages in one order for every subscriber), so it is
    /// ignored: two producers connecting at once on two instances end with the same home everywhere.
    struct Homes: Sendable {
        /// The instance where the robot's producer connected last, and that producer's peer id:
        /// `{"instance":"a","producer":"producer-0123456789ab"}`.
        struct Home: Sendable, Equatable {
            var instance: String
            var producer: String

            var payload: [UInt8] {
                let json: JSONValue = ["instance": .string(instance), "producer": .string(producer)]
                return json.serialized()
            }

            init(instance: String, producer: String) {
                self.instance = instance
                self.producer = producer
            }

            /// Reads a home message; nil for anything else (an empty retained message clearing the topic, garbage).
            init?(payload: [UInt8]) {
                guard let json = try? JSONParser.parse(payload), let instance = json["instance"]?.stringValue,
                    !instance.isEmpty
                else { return nil }
                self.init(instance: instance, producer: json["producer"]?.stringValue ?? "")
            }
        }

        /// A robot's room changes instance: its effective home before and after (nil: nobody, the local room).
        struct Move: Sendable, Equatable {
            var thing: String
            var from: String?
            var to: String?
        }

        /// This instance's id.
        let instance: String
        private(set) var homes: [String: Home] = [:]
        /// Our claims published and not yet come back, per robot.
        private var unconfirmed: [String: Int] = [:]

        init(instance: String) {
            self.instance = instance
        }

        /// The instance whose room serves `thing` now: its home if that is this instance or a live one, else nil.
        func home(of thing: String, live: (String) -> Bool) -> String? {
            guard let home = homes[thing] else { return nil }
            return home.instance == instance || live(home.instance) ? home.instance : nil
        }

        /// A producer of `thing` joined this instance's room: the home is here now (the caller publishes
        /// ``Home/payload``, retained).
        mutating func claim(_ thing: String, producer: String, live: (String) -> Bool) -> Move? {
            let from = home(of: thing, live: live)
            homes[thing] = Home(instance: instance, producer: producer)
            unconfirmed[thing, default: 0] += 1
            return from == instance ? nil : Move(thing: thing, from: from, to: instance)
        }

        /// A home message from the broker: our claim coming back, another instance's claim, or the retained one when
        /// subscribing.
        mutating func received(_ home: Home, for thing: String, live: (String) -> Bool) -> Move? {
            if let count = unconfirmed[thing] {
                guard home.instance == instance else { return nil }  // published before our claim
                unconfirmed[thing] = count > 1 ? count - 1 : nil
                return nil  // ours, already applied
            }
            let from = self.home(of: thing, live: live)
            homes[thing] = home
            let to = self.home(of: thing, live: live)
            return from == to ? nil : Move(thing: thing, from: from, to: to)
        }

        /// Another instance came online or went offline: the rooms whose home it is move to it, or to nobody.
        func moves(instance id: String, online: Bool) -> [Move] {
            guard id != instance else { return [] }
            return homes.filter { $0.value.instance == id }.keys.sorted().map {
                Move(thing: $0, from: online ? nil : id, to: online ? id : nil)
            }
        }

        /// The broker connection is back: claims in flight may be lost, and each robot with a producer here now
        /// (`producers`: thing → peer id) is claimed again.
        mutating func reconnected(producers: [String: String], live: (String) -> Bool) -> [Move] {
            unconfirmed = [:]
            return producers.keys.sorted().compactMap { claim($0, producer: producers[$0] ?? "", live: live) }
        }
    }
}
