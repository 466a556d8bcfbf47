import CoreMetrics
import Synchronization

/// One rule's counters: kept here for `GET /relay/rules` and reported to swift-metrics (→ `/metrics`) as
/// `relay_<name>_total{rule="…"}`.
final class RuleCounters: Sendable {
    enum Name: String, CaseIterable, Sendable {
        /// Arrived on the rule's source topic.
        case received
        /// Passed the filter (or there is none).
        case matched
        /// Did not pass the filter.
        case filteredOut = "filtered_out"
        /// Not JSON where the rule needs JSON, or a required field missing: sent to the error action.
        case rejected
        /// Delivered to a target.
        case delivered
        /// A delivery attempt failed and will be retried.
        case retried
        /// A delivery failed for good (refused, or out of attempts).
        case failed
        /// Sent to the error action after its delivery failed.
        case deadLettered = "dead_lettered"
        /// Failed for good with no error action to go to: parked in the queue's dead letters (replayable).
        case parked
        /// Taken back from the dead letters into the lane.
        case replayed
        /// Published by the error action.
        case errorActions = "error_actions"
        /// Taken up again from the queue at start: undelivered before a stop or crash. After a crash some of them
        /// had in fact been delivered (acknowledged, not yet marked done): the bound on duplicates.
        case resumed
    }

    let rule: String
    private let values = Mutex<[Name: Int]>([:])
    private let counters: [Name: Counter]

    init(rule: String) {
        self.rule = rule
        self.counters = Dictionary(
            uniqueKeysWithValues: Name.allCases.map {
                ($0, Counter(label: "relay_\($0.rawValue)_total", dimensions: [("rule", rule)]))
            })
    }

    func add(_ name: Name, _ count: Int = 1) {
        guard count > 0 else { return }
        values.withLock { $0[name, default: 0] += count }
        counters[name]?.increment(by: count)
    }

    func value(_ name: Name) -> Int {
        values.withLock { $0[name] ?? 0 }
    }

    /// Every counter by name, for the status page.
    var snapshot: [(String, Int)] {
        let values = values.withLock { $0 }
        return Name.allCases.map { ($0.rawValue, values[$0] ?? 0) }
    }
}
