import RelayQueue
public import StrictJSON

/// The dead letters for `robot-server`'s HTTP routes: deliveries that failed for good on a rule without an error
/// action, parked in the queue file so their lane goes on. Listed, and replayed into their lanes.
extension RelayService {
    /// Why a dead-letter request cannot be served.
    public enum DeadLetterError: Error, Equatable, CustomStringConvertible {
        /// No rule of that name is configured.
        case unknownRule(String)
        /// The queue could not be read or written.
        case queue(String)

        public var description: String {
            switch self {
            case .unknownRule(let rule): "no relay rule named \"\(rule)\" is configured"
            case .queue(let reason): reason
            }
        }
    }

    /// A rule's dead letters, oldest first: at most `limit` after the seq `after` (to page on, pass the last
    /// `seq` seen). Each shows its seq, message id, target, topic, attempts, last error, times, and the payload
    /// (`payload` when it is JSON, else `base64Payload`).
    public func deadLetters(rule: String, after seq: Int64 = 0, limit: Int = 100) throws(DeadLetterError) -> JSONValue {
        guard plan.rule(named: rule) != nil else { throw .unknownRule(rule) }
        let letters: [DeadLetter]
        let total: Int
        do throws(QueueError) {
            letters = try engine.queue.deadLetters(rule: rule, after: seq, limit: max(1, min(limit, 1000)))
            total = try engine.queue.deadLetterCounts()[rule] ?? 0
        } catch {
            throw .queue("\(error)")
        }
        let items = letters.map { letter -> JSONValue in
            let delivery = letter.delivery
            var object: JSONObject = [
                "seq": .number(Double(letter.seq)),
                "messageId": .string(delivery.messageID),
                "target": .string(delivery.target),
                "topic": .string(delivery.topic),
                "attempts": .number(Double(delivery.attempts)),
                "lastError": .string(delivery.lastError ?? ""),
                "receivedAt": .number(Double(delivery.receivedAt)),
                "parkedAt": .number(Double(letter.parkedAt)),
            ]
            if let json = try? JSONParser.parse(delivery.payload) {
                object["payload"] = json
            } else {
                object["base64Payload"] = .string(Base64.encode(delivery.payload))
            }
            return .object(object)
        }
        return ["rule": .string(rule), "total": .number(Double(total)), "deadLetters": .array(items)]
    }

    /// Puts a rule's dead letters — all, or those of `seqs` — back into their lanes as new deliveries (no failed
    /// attempts); returns how many. A dead letter whose target is no longer configured stays parked. Works through
    /// them ``replayChunk`` at a time, one transaction each, so a large backlog of dead letters is never all in memory.
    public func replayDeadLetters(rule: String, seqs: [Int64]? = nil) throws(DeadLetterError) -> Int {
        guard let rulePlan = plan.rule(named: rule) else { throw .unknownRule(rule) }
        let ruleLanes = lanes[rulePlan.id]
        let wanted = seqs.map(Set.init)
        var after: Int64 = 0
        var total = 0
        // Replayed deliveries get new seqs, above every seq before them; one refused again is parked under its new
        // seq. Letters above the first replayed seq are such, and are left for the next replay (no chasing them).
        var ceiling = Int64.max
        while true {
            let letters: [DeadLetter]
            do throws(QueueError) {
                letters = try engine.queue.deadLetters(rule: rule, after: after, limit: Self.replayChunk)
            } catch {
                throw .queue("\(error)")
            }
            guard let last = letters.last, letters[0].seq <= ceiling else { return total }
            after = last.seq
            // Only letters whose lane exists: the others would sit in the queue with no lane to take them.
            let chosen = letters.filter { letter in
                letter.seq <= ceiling && Self.lane(of: letter.delivery, in: rulePlan, ruleLanes) != nil
                    && (wanted?.contains(letter.seq) ?? true)
            }.map(\.seq)
            guard !chosen.isEmpty else { continue }
            do throws(QueueError) {
                // Into the lanes with the queue's lock held: in seq order (see Lane).
                let replayed = try engine.queue.replayDeadLetters(rule: rule, seqs: chosen) { replayed in
                    Lane.push(
                        replayed.compactMap { queued in
                            Self.lane(of: queued.delivery, in: rulePlan, ruleLanes).map { ($0, queued) }
                        })
                }
                ceiling = min(ceiling, (replayed.map(\.seq).min() ?? .max) - 1)
                ruleLanes.counters.add(.replayed, replayed.count)
                total += replayed.count
            } catch {
                throw .queue("\(error)")
            }
        }
    }

    /// The lane a dead letter of the rule goes back to, by the target name its row carries; nil when that target
    /// is no longer configured.
    private static func lane(of delivery: NewDelivery, in rule: RulePlan, _ lanes: RuleLanes) -> Lane? {
        guard let target = TargetID(stored: delivery.target), rule.target(target) != nil else { return nil }
        return lanes.lane(target)
    }

    /// Dead letters replayed per transaction.
    static let replayChunk = 1000
}
