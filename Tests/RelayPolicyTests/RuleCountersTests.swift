@testable import Relay
import Testing

@Suite struct RuleCountersTests {
    /// The status page lists every counter, in a fixed order, by its metric name; zero and negative adds change nothing.
    @Test func countersAddUpAndListEveryName() {
        let counters = RuleCounters(rule: "r")
        counters.add(.delivered, 3)
        counters.add(.delivered)
        counters.add(.parked, 0)
        counters.add(.parked, -2)
        counters.add(.filteredOut)
        #expect(counters.value(.delivered) == 4)
        #expect(counters.value(.parked) == 0)
        let snapshot = counters.snapshot
        #expect(snapshot.map(\.0) == RuleCounters.Name.allCases.map(\.rawValue))
        #expect(snapshot.first { $0.0 == "filtered_out" }?.1 == 1)
        #expect(snapshot.filter { $0.1 != 0 }.count == 2)
    }
}
