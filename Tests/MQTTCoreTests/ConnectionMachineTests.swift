@testable import MQTT
import Basics
import SystemPackage
import Testing

/// The connection's life as sequences of events and the actions they ask for: no broker, no clock, no sleep.
@Suite struct ConnectionMachineTests {
    typealias Machine = ConnectionMachine
    static let backoff = CappedBackoff(initial: .milliseconds(100), maximum: .milliseconds(1600), jitter: 0.5)
    let lost = Machine.Failure(code: 7, errno: Errno(rawValue: 0))  // MOSQ_ERR_CONN_LOST
    let refusedTCP = Machine.Failure(code: 14, errno: .connectionRefused)  // MOSQ_ERR_ERRNO
    let t0 = ContinuousClock.now

    /// A started machine whose network thread asked for its first attempt.
    func connecting(subscribes: Bool = true) -> Machine {
        var machine = Machine(backoff: Self.backoff, connectTimeout: .seconds(10), subscribes: subscribes)
        #expect(machine.start() == [.startNetworkThread])
        #expect(
            machine.nextAttempt() == [
                .armWatchdog(attempt: 1, timeout: .seconds(10)), .connect(attempt: 1, fresh: true, backoffStep: 0),
            ])
        return machine
    }

    /// A machine whose first attempt the broker accepted.
    func connected() -> Machine {
        var machine = connecting()
        machine.connectCallSucceeded()
        #expect(machine.connackAccepted() == [.emit(.connected), .muteLibraryLog, .subscribeAll])
        return machine
    }

    @Test func startStartsTheNetworkThreadOnce() {
        var machine = Machine(backoff: Self.backoff, connectTimeout: .seconds(1), subscribes: false)
        #expect(machine.start() == [.startNetworkThread])
        #expect(machine.start() == [])
        #expect(machine.phase == .running)
    }

    @Test func anAcceptedConnectionSubscribesAndReportsWhenAllAreGranted() {
        var machine = connected()
        #expect(machine.isConnected)
        machine.subscriptionSent(mid: 1, topicFilter: "a/#")
        machine.subscriptionSent(mid: 2, topicFilter: "b/#")
        #expect(machine.subscriptionAnswered(mid: 1, granted: [1]) == [])
        #expect(machine.subscriptionAnswered(mid: 2, granted: [1]) == [.emit(.subscribed)])
        #expect(machine.subscriptionAnswered(mid: 2, granted: [1]) == [], "an unknown SUBACK is ignored")
    }

    @Test func aRefusedSubscriptionIsReportedByItsFilter() {
        var machine = connected()
        machine.subscriptionSent(mid: 5, topicFilter: "secret/#")
        #expect(
            machine.subscriptionAnswered(mid: 5, granted: [0x80])
                == [.emit(.subscriptionRefused(topicFilter: "secret/#"))])
    }

    @Test func withoutSubscriptionsTheConnectionIsSubscribedAtOnce() {
        var machine = connecting(subscribes: false)
        machine.connectCallSucceeded()
        #expect(machine.connackAccepted() == [.emit(.connected), .muteLibraryLog, .emit(.subscribed)])
    }

    @Test func aRefusedConnackIsReportedWithItsReasonAndBackedOff() {
        var machine = connecting()
        machine.connectCallSucceeded()
        machine.connackRefused("broker refused the connection: not authorised")
        #expect(!machine.isConnected)
        let actions = machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0)
        #expect(
            actions == [
                .reportConnectFailed(
                    .refused("broker refused the connection: not authorised"), retryIn: .milliseconds(100)),
                .wait(.milliseconds(100)),
            ])
        #expect(machine.link == .waitingToReconnect)
        #expect(machine.nextAttempt().last == .connect(attempt: 2, fresh: false, backoffStep: 1), "reconnects")
    }

    @Test func failedConnectsBackOffGrowingWithJitterUntilAConnectionResetsIt() {
        var machine = connecting()
        var delays: [Duration] = []
        for _ in 0..<6 {
            let actions = machine.attemptEnded(.connectFailed(refusedTCP), random: 1)
            guard case .reportConnectFailed(.failure(refusedTCP, lastError: nil), let delay) = actions.first else {
                Issue.record("expected a failed connect, got \(actions)")
                return
            }
            #expect(actions.last == .wait(delay))
            delays.append(delay)
            #expect(
                machine.nextAttempt().last
                    == .connect(attempt: delays.count + 1, fresh: true, backoffStep: delays.count))
        }
        // Halved by the jitter at random = 1: 100…1600 ms becomes 50…800 ms.
        #expect(delays == [50, 100, 200, 400, 800, 800].map { Duration.milliseconds($0) })
        machine.connectCallSucceeded()
        _ = machine.connackAccepted()
        #expect(
            machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0) == [
                .reportConnectionLost(.failure(lost, lastError: nil)), .wait(.milliseconds(100)),
            ])
        #expect(machine.backoffStep == 0)
    }

    @Test func theLibrarysLastErrorExplainsTheFailureOfItsAttemptOnly() {
        var machine = connecting()
        machine.libraryErrorLogged("OpenSSL Error: certificate verify failed")
        let tls = Machine.Failure(code: 8, errno: Errno(rawValue: 0))
        #expect(
            machine.attemptEnded(.connectFailed(tls), random: 0).first
                == .reportConnectFailed(
                    .failure(tls, lastError: "OpenSSL Error: certificate verify failed"), retryIn: .milliseconds(100)))
        _ = machine.nextAttempt()
        #expect(
            machine.attemptEnded(.connectFailed(tls), random: 0).first
                == .reportConnectFailed(.failure(tls, lastError: nil), retryIn: .milliseconds(200)))
    }

    @Test func theConnectWatchdogAbortsAnAttemptThatIsNotAccepted() {
        var machine = connecting()
        #expect(machine.watchdogFired(attempt: 1) == [.abortHandshake(attempt: 1)])
        machine.handshakeAborted(attempt: 1)
        #expect(machine.watchdogFired(attempt: 1) == [], "aborted once")
        #expect(
            machine.attemptEnded(.connectFailed(Machine.Failure(code: 8, errno: Errno(rawValue: 0))), random: 0) == [
                .reportConnectFailed(.noAnswer, retryIn: .milliseconds(100)), .wait(.milliseconds(100)),
            ])
        _ = machine.nextAttempt()
        #expect(machine.watchdogFired(attempt: 1) == [], "the watchdog of an ended attempt does nothing")
        #expect(machine.watchdogFired(attempt: 2) == [.abortHandshake(attempt: 2)])
    }

    @Test func theAcceptDeadlineEndsAnAttemptAsNoAnswer() {
        var machine = connecting()
        machine.connectCallSucceeded()
        #expect(
            machine.attemptEnded(.loopEnded(lost, notAccepted: true), random: 0).first
                == .reportConnectFailed(.noAnswer, retryIn: .milliseconds(100)))
    }

    @Test func theWatchdogLeavesAnAcceptedConnectionAlone() {
        var machine = connected()
        #expect(machine.watchdogFired(attempt: 1) == [])
        machine.handshakeAborted(attempt: 1)
        #expect(machine.isConnected)
    }

    @Test func aLateConnackOfAnAbortedAttemptIsIgnored() {
        var machine = connecting()
        machine.connectCallSucceeded()
        _ = machine.watchdogFired(attempt: 1)
        machine.handshakeAborted(attempt: 1)
        #expect(machine.connackAccepted() == [], "its socket is shut: no .connected, no subscriptions")
        #expect(!machine.isConnected)
        #expect(
            machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0).first
                == .reportConnectFailed(.noAnswer, retryIn: .milliseconds(100)))
    }

    @Test func stopWhileConnectingEndsWithoutDisconnectOrReport() {
        var machine = connecting()
        #expect(machine.stop() == [.awaitNetworkThread], "nothing to send DISCONNECT on")
        #expect(!machine.isRunning)
        #expect(machine.loopTurn() == [])
        #expect(machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0) == [])
        #expect(machine.nextAttempt() == [.endNetworkThread, .failPendingDeliveries, .finishEvents])
        #expect(machine.phase == .finished)
    }

    @Test func aConnackAfterTheStopIsServedAndThenDisconnectedOnce() {
        var machine = connecting()
        _ = machine.stop()
        machine.connectCallSucceeded()
        #expect(machine.connackAccepted().first == .emit(.connected))
        #expect(machine.loopTurn() == [.sendDisconnect])
        #expect(machine.loopTurn() == [], "one DISCONNECT")
        #expect(
            machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0) == [
                .reportConnectionLost(.disconnectedByClient), .wait(.milliseconds(100)),
            ])
        #expect(machine.nextAttempt().first == .endNetworkThread)
    }

    @Test func stopWhileConnectedSendsDisconnectAtOnce() {
        var machine = connected()
        #expect(machine.stop() == [.sendDisconnect, .awaitNetworkThread])
        #expect(machine.loopTurn() == [])
        #expect(machine.stop() == [.failPendingDeliveries, .finishEvents], "a second stop finishes at once")
    }

    @Test func stopBeforeStartFinishesAtOnce() {
        var machine = Machine(backoff: Self.backoff, connectTimeout: .seconds(1), subscribes: false)
        #expect(machine.stop() == [.failPendingDeliveries, .finishEvents])
        #expect(machine.start() == [], "a finished client never starts")
    }

    @Test func aThreadThatDoesNotEndInTimeIsGivenUpOnOnce() {
        var machine = connected()
        _ = machine.stop()
        #expect(machine.stopTimedOut() == [.warnNetworkThreadStuck, .failPendingDeliveries, .finishEvents])
        #expect(machine.stopTimedOut() == [])
        #expect(machine.nextAttempt() == [.endNetworkThread, .failPendingDeliveries, .finishEvents])
    }

    @Test func aCommitFailureCutsTheConnectionWithAGrowingBackoffAndALimitedLog() {
        var machine = connected()
        #expect(
            machine.commitFailed("disk full", now: t0) == [.logCommitFailure(error: "disk full", suppressed: 0)])
        var delays: [Duration] = []
        for cut in 1...4 {
            let actions = machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0)
            #expect(actions.first == .reportConnectionLost(.commitFailed("disk full")))
            if case .wait(let delay) = actions.last { delays.append(delay) }
            _ = machine.nextAttempt()
            machine.connectCallSucceeded()
            _ = machine.connackAccepted()
            #expect(machine.commitFailed("disk full", now: t0 + .seconds(cut)) == [], "held back within a minute")
        }
        #expect(delays == [100, 200, 400, 800].map { Duration.milliseconds($0) })
        #expect(
            machine.commitFailed("disk full", now: t0 + .seconds(61))
                == [.logCommitFailure(error: "disk full", suppressed: 4)])
    }

    @Test func aCommitFailureBeforeTheConnackIsAFailedConnect() {
        var machine = connecting()
        _ = machine.commitFailed("disk full", now: t0)
        #expect(
            machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0).first
                == .reportConnectFailed(.failure(lost, lastError: nil), retryIn: .milliseconds(100)))
        #expect(machine.commitFailure == nil)
    }

    @Test func aCommitFailureWhileStoppingIsAPlainDisconnect() {
        var machine = connected()
        _ = machine.commitFailed("disk full", now: t0)
        _ = machine.stop()
        #expect(
            machine.attemptEnded(.loopEnded(lost, notAccepted: false), random: 0).first
                == .reportConnectionLost(.disconnectedByClient))
    }

    @Test func reasonsInWordsNameTheEndpointAndTheSystemsText() {
        let options = MQTTOptions(
            host: "broker.local", port: 8883, clientID: "c", caFile: "", certFile: "", keyFile: "",
            connectTimeout: .seconds(3))
        #expect(
            Machine.Reason.failure(refusedTCP, lastError: nil).text(options) == "broker.local:8883: Connection refused")
        #expect(Machine.Reason.failure(lost, lastError: nil).text(options) == "connection to broker.local:8883 lost")
        #expect(Machine.Reason.noAnswer.text(options).hasPrefix("no answer from broker.local:8883 within 3.0 seconds"))
        #expect(
            Machine.Reason.commitFailed("disk full").text(options) == "could not keep the messages received: disk full")
    }
}
