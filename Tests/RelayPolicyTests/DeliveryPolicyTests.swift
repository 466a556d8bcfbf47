@testable import Relay
import RelayQueue
import StrictJSON
import Basics
import Testing

/// What a delivery's outcome means, decided without a queue, a lane or a clock: outcomes in, effects out.
@Suite struct DeliveryPolicyTests {
    static let now: Int64 = 1_700_000_123_456

    static func policy(_ role: DeliveryPolicy.Role, maxAttempts: Int = 3) -> DeliveryPolicy {
        DeliveryPolicy(
            role: role, maxAttempts: maxAttempts, label: "mqtt:b/out",
            backoff: CappedBackoff(initial: .milliseconds(200), maximum: .milliseconds(1000), jitter: 0.2))
    }

    static let target = policy(.target(withErrorAction: false))
    static let escalating = policy(.target(withErrorAction: true))
    static let errorAction = policy(.errorAction)

    @Test func deliveredIsCompletedAndCounted() {
        let settlement = Self.target.settle(
            [(Fixtures.row(1), .delivered), (Fixtures.row(2), .delivered)], now: Self.now)
        #expect(settlement.effects == [.complete([1, 2]), .count(.delivered, 2)])
        #expect(settlement.settled == 2)
        #expect(settlement.requeue.isEmpty)
        // The error action's own deliveries count as error actions.
        #expect(
            Self.errorAction.settle([(Fixtures.row(3), .delivered)], now: Self.now).effects
                == [.complete([3]), .count(.errorActions, 1)])
    }

    /// An unreachable destination costs the message no attempt: it goes back as it was, and the lane waits.
    @Test func unreachableGoesBackWithoutAnAttempt() {
        let row = Fixtures.row(7, attempts: 2)
        let settlement = Self.escalating.settle([(row, .unreachable("not connected to b.local:8883"))], now: Self.now)
        #expect(settlement.effects == [])
        #expect(settlement.requeue == [row])
        #expect(settlement.reason == "not connected to b.local:8883")
        #expect(Self.escalating.verdict(row.delivery, .unreachable("x")) == .wait(reason: "x"))
    }

    @Test func aFailureBelowMaxAttemptsIsRecordedAndRetried() {
        let settlement = Self.escalating.settle([(Fixtures.row(4, attempts: 1), .failed("HTTP 503", permanent: false))], now: Self.now)
        #expect(
            settlement.effects == [
                .count(.retried, 1), .recordRetry(.init(seq: 4, attempts: 2, notBefore: Self.now, lastError: "HTTP 503")),
            ])
        #expect(settlement.requeue.map(\.seq) == [4])
        #expect(settlement.requeue[0].delivery.attempts == 2)
        #expect(settlement.requeue[0].delivery.lastError == "HTTP 503")
    }

    @Test func whenAttemptsRunOutOrTheDestinationRefusesTheErrorActionGetsAReport() throws {
        #expect(
            Self.escalating.verdict(Fixtures.row(1, attempts: 2).delivery, .failed("HTTP 503", permanent: false))
                == .errorAction(attempts: 3, reason: "HTTP 503"))
        #expect(
            Self.escalating.verdict(Fixtures.row(1).delivery, .failed("HTTP 403", permanent: true))
                == .errorAction(attempts: 1, reason: "HTTP 403"))
        let failed = Fixtures.row(9, attempts: 2)
        let settlement = Self.escalating.settle([(failed, .failed("HTTP 500", permanent: false))], now: Self.now)
        #expect(settlement.requeue.isEmpty, "the lane goes on")
        #expect(settlement.effects.count == 3)
        #expect(settlement.effects.prefix(2) == [.count(.failed, 1), .count(.deadLettered, 1)])
        guard case .runErrorAction(let seq, let report) = settlement.effects[2] else {
            Issue.record("\(settlement.effects[2])")
            return
        }
        #expect(seq == 9)
        #expect(report.messageID == "m9")
        #expect(report.rule == "r")
        #expect(report.target == "error", "the queue's stored name of the error action's lane")
        #expect(report.topic == "in/dev-1")
        #expect(report.receivedAt == failed.delivery.receivedAt)
        #expect(report.attempts == 0)
        let body = try JSONParser.parse(report.payload)
        #expect(body.objectValue?["reason"] == .string("HTTP 500"))
        #expect(body.objectValue?["target"] == .string("mqtt:b/out"))
        #expect(body.objectValue?["attempts"] == .number(3))
        #expect(body.objectValue?["payload"] == .object(["n": .number(9)]))
    }

    /// With nowhere to go — a rule without an error action, or the error action itself — a delivery that failed for
    /// good is parked, and the lane goes on.
    @Test func withNowhereToGoItIsParked() {
        for policy in [Self.target, Self.errorAction] {
            let settlement = policy.settle([(Fixtures.row(5), .failed("HTTP 404", permanent: true))], now: Self.now)
            #expect(
                settlement.effects == [
                    .count(.failed, 1), .count(.parked, 1),
                    .park(.init(seq: 5, attempts: 1, lastError: "HTTP 404", parkedAt: Self.now)),
                    .logParked(reason: "HTTP 404"),
                ])
            #expect(settlement.requeue.isEmpty)
        }
        #expect(
            Self.target.verdict(Fixtures.row(5, attempts: 2).delivery, .failed("timeout", permanent: false))
                == .park(attempts: 3, reason: "timeout"))
    }

    /// One send's outcomes in one settlement: effects in outcome order, then the completions; what goes back keeps
    /// its order; the reason is the last failure's.
    @Test func aMixedSendSettlesInOrder() {
        let settlement = Self.escalating.settle(
            [
                (Fixtures.row(1), .delivered),
                (Fixtures.row(2), .failed("refused", permanent: true)),
                (Fixtures.row(3), .unreachable("offline")),
                (Fixtures.row(4), .failed("busy", permanent: false)),
                (Fixtures.row(5), .delivered),
            ], now: Self.now)
        #expect(settlement.settled == 5)
        #expect(settlement.requeue.map(\.seq) == [3, 4])
        #expect(settlement.reason == "busy")
        let kinds = settlement.effects.map { effect -> String in
            switch effect {
            case .count(let name, let n): "count \(name.rawValue) \(n)"
            case .recordRetry(let retry): "retry \(retry.seq)"
            case .runErrorAction(let seq, _): "errorAction \(seq)"
            case .park(let park): "park \(park.seq)"
            case .logParked: "log"
            case .complete(let seqs): "complete \(seqs)"
            }
        }
        #expect(
            kinds == [
                "count failed 1", "count dead_lettered 1", "errorAction 2", "count retried 1", "retry 4",
                "complete [1, 5]", "count delivered 2",
            ])
    }

    /// The lane's pause doubles with its failed sends in a row up to the maximum, less up to 20 % of jitter; the
    /// 1st and every 20th is logged.
    @Test func theLanePausesLongerWithEachFailureInARow() {
        let policy = Self.target
        #expect((1...5).map { policy.pause(afterFailures: $0, random: 0).delay } == [200, 400, 800, 1000, 1000].map { .milliseconds($0) })
        #expect(policy.pause(afterFailures: 1, random: 1).delay == .milliseconds(160))
        #expect(policy.pause(afterFailures: 0, random: 0).delay == .milliseconds(200))
        #expect([1, 2, 19, 20, 21, 40].map { policy.pause(afterFailures: $0, random: 0.5).logged } == [true, false, false, true, false, true])
    }
}
