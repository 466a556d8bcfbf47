import Battery
import Hardware
import Logging
import RobotDaemon
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// The battery service in process against the ADS1015 and INA219 register models (opened through the same
/// `makeBatterySensor` robotd uses): what it reports, and that a sensor that fails never ends it. Pure: no process,
/// no socket; readings arrive on a stream, so nothing is timed.
@Suite(.timeLimit(.minutes(1))) struct BatteryServiceTests {
    typealias Report = (reading: BatteryReading, event: BatteryEvent?)

    /// Runs a service reading the sensor `battery` describes every 5 ms until `count` reports came, then cancels it.
    /// The first `undelivered` reports say their event could not be delivered (robotd not connected yet).
    func reports(
        _ count: Int, battery: RobotConfig.Battery, undelivered: Int = 0,
        openI2CBus: @escaping @Sendable (Int) throws -> any I2CBus
    ) async throws -> [Report] {
        let (stream, continuation) = AsyncStream.makeStream(of: Report.self)
        let reported = Attempts()
        let service = BatteryService(
            interval: .milliseconds(5), thresholds: batteryThresholds(battery), logger: Logger(label: "battery"),
            open: { try makeBatterySensor(battery, openI2CBus: openI2CBus) }
        ) { reading, event in
            continuation.yield((reading, event))
            return reported.next() > undelivered
        }
        let run = Task { await service.run() }
        var reports: [Report] = []
        for await report in stream {
            reports.append(report)
            if reports.count == count { break }
        }
        run.cancel()
        await run.value
        return reports
    }

    @Test func anADS1015BehindADividerReportsLowOnceAndItsLevel() async throws {
        var battery = RobotConfig.Battery(sensor: .ads1015, lowVolts: 6.8)
        battery.dividerRatio = 2
        battery.fullVolts = 8.4
        battery.emptyVolts = 6.4
        let reports = try await reports(3, battery: battery) { bus in
            #expect(bus == 1)
            let chip = ADS1015RegisterFile()
            chip.inputVolts[3] = 3.3  // a 2S pack at 6.6 V behind two equal resistors, on the Explorer HAT's input 1
            return chip
        }
        #expect(reports.map(\.event) == [.low, nil, nil], "the first reading below lowVolts is a crossing, once")
        let reading = reports[0].reading
        #expect(abs(reading.volts - 6.6) < 0.003 && reading.low && reading.amps == nil)
        #expect(abs((reading.level ?? -1) - 0.1) < 0.002)
    }

    @Test func anEventThatCouldNotBeDeliveredComesAgainWithTheNextReadingUntilItIs() async throws {
        let battery = RobotConfig.Battery(sensor: .ads1015, lowVolts: 6.8)
        let reports = try await reports(4, battery: battery, undelivered: 2) { _ in
            let chip = ADS1015RegisterFile()
            chip.inputVolts[3] = 5
            return chip
        }
        #expect(reports.map(\.event) == [.low, .low, .low, nil])
    }

    @Test func anINA219ReportsVoltsAndAmpsWithoutAnEventAboveTheThreshold() async throws {
        var battery = RobotConfig.Battery(sensor: .ina219, lowVolts: 6.8)
        battery.shuntOhms = 0.05
        let reports = try await reports(2, battery: battery) { _ in
            let chip = INA219RegisterFile()
            chip.busVolts = 7.9
            chip.shuntVolts = 0.02
            try chip.write(address: 0x40, bytes: [0x00, 0x01, 0x9F])  // 16 V, ±40 mV: the service configures it
            return chip
        }
        #expect(reports.map(\.event) == [nil, nil])
        #expect(reports[0].reading.json.serializedString() == #"{"volts":7.92,"amps":0.4,"low":false}"#)
    }

    @Test func aSensorThatFailsIsOpenedAgainUntilItReadsAndTheServiceGoesOn() async throws {
        let attempts = Attempts()
        let battery = RobotConfig.Battery(sensor: .ina219, lowVolts: 6.8)
        let reports = try await reports(1, battery: battery) { _ in
            let attempt = attempts.next()
            // Three attempts find no chip (EREMOTEIO), the fourth a bus error (EIO), the fifth a working chip.
            let chip = INA219RegisterFile(address: attempt <= 3 ? 0x41 : 0x40)
            chip.failure = attempt == 4 ? .ioError : nil
            chip.busVolts = 7
            return chip
        }
        #expect(attempts.total == 5)
        #expect(abs(reports[0].reading.volts - 7) < 1e-9)
    }

    @Test func readFailuresAreWarnedAtTheFirstAndEverySixtiethInARow() {
        let levels = (1...121).map(BatteryService.logLevel(forFailure:))
        #expect(levels.indices.filter { levels[$0] == .warning }.map { $0 + 1 } == [1, 60, 120])
        #expect(levels.filter { $0 == .debug }.count == 118)
    }
}

/// How many times a sensor was opened.
private final class Attempts: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }

    var total: Int { count.withLock { $0 } }
}
