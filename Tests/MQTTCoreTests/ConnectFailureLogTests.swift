import MQTT
import Testing

@Suite struct ConnectFailureLogTests {
    let failed = MQTTEvent.connectFailed(reason: "connection refused", retryIn: .seconds(1))

    @Test func theFirstFailureAndEveryNthAreWarningsTheRestDebug() {
        var log = ConnectFailureLog(every: 3)
        let levels = (0..<7).map { _ in log.level(for: failed) }
        #expect(levels == [.warning, .debug, .warning, .debug, .debug, .warning, .debug])
        #expect(log.failures == 7)
    }

    @Test func aConnectionStartsANewRun() {
        var log = ConnectFailureLog()
        _ = log.level(for: failed)
        _ = log.level(for: failed)
        #expect(log.level(for: .connected) == nil)
        #expect(log.level(for: failed) == .warning)
        #expect(log.level(for: .connectionLost(reason: "gone")) == nil)
        #expect(log.level(for: failed) == .debug, "a lost connection does not start a run; a connection does")
    }
}
