import Battery
import StrictJSON
import TestSupport
import Testing

@Suite("BatteryMonitor: thresholds with hysteresis, level, events")
struct BatteryMonitorTests {
    private func volts(_ monitor: inout BatteryMonitor, _ values: [Double]) -> [BatteryEvent?] {
        values.map { monitor.record(BatterySample(volts: $0)).event }
    }

    @Test("one low event per crossing below lowVolts, one ok above lowVolts + hysteresis; no event in between")
    func hysteresis() {
        var monitor = BatteryMonitor(thresholds: .init(lowVolts: 6.8, hysteresisVolts: 0.2))
        let events = volts(&monitor, [7.4, 7.0, 6.79, 6.7, 6.85, 6.75, 7.0, 7.01, 6.9, 6.79])
        #expect(events == [nil, nil, .low, nil, nil, nil, nil, .ok, nil, .low])
        #expect(monitor.isLow)
    }

    @Test("the first reading below the threshold after start counts as a crossing")
    func startsLow() {
        var monitor = BatteryMonitor(thresholds: .init(lowVolts: 6.8))
        let (reading, event) = monitor.record(BatterySample(volts: 6.4, amps: 0.5))
        #expect(event == .low)
        #expect(reading == BatteryReading(volts: 6.4, amps: 0.5, level: nil, low: true))
        #expect(monitor.record(BatterySample(volts: 6.4)).event == nil)
    }

    @Test("exactly at lowVolts is not low; exactly at lowVolts + hysteresis is still low")
    func boundaries() {
        var monitor = BatteryMonitor(thresholds: .init(lowVolts: 7, hysteresisVolts: 0.5))
        #expect(volts(&monitor, [7, 6.99, 7.5, 7.51]) == [nil, .low, nil, .ok])
    }

    @Test("level is linear between emptyVolts and fullVolts, clamped to 0…1; nil without both")
    func level() {
        var monitor = BatteryMonitor(thresholds: .init(lowVolts: 6.8, fullVolts: 8.4, emptyVolts: 6.4))
        #expect(abs((monitor.record(BatterySample(volts: 7.4)).reading.level ?? -1) - 0.5) < 1e-9)
        #expect(monitor.record(BatterySample(volts: 9)).reading.level == 1)
        #expect(monitor.record(BatterySample(volts: 6)).reading.level == 0)
        #expect(BatteryMonitor(thresholds: .init(lowVolts: 6.8, fullVolts: 8.4)).level(7.4) == nil)
    }

    @Test("the telemetry object rounds to millivolts and milliamps and leaves out what is unknown")
    func json() {
        let reading = BatteryReading(volts: 7.41999, amps: 0.3104, level: 0.62, low: false)
        #expect(reading.json.serializedString() == #"{"volts":7.42,"amps":0.31,"level":0.62,"low":false}"#)
        #expect(BatteryReading(volts: 6.4, low: true).json.serializedString() == #"{"volts":6.4,"low":true}"#)
    }

    @Test("a battery draining on an Explorer HAT's AIN3 behind a 2:1 divider: one low event, then ok on charge")
    func drainingThroughTheADS1015() throws {
        let chip = ADS1015RegisterFile()
        let input = ADS1015BatteryInput(chip: ADS1015(bus: chip), channel: 3, dividerRatio: 2)
        var monitor = BatteryMonitor(
            thresholds: .init(lowVolts: 6.8, hysteresisVolts: 0.2, fullVolts: 8.4, emptyVolts: 6.4))
        var events: [BatteryEvent] = []
        var last: BatteryReading?
        for battery in [8.4, 7.6, 6.9, 6.7, 6.6, 6.9, 7.1] {
            chip.inputVolts[3] = battery / 2
            let (reading, event) = monitor.record(try input.read())
            events += event.map { [$0] } ?? []
            #expect(abs(reading.volts - battery) <= 0.006, "within one 3 mV step × 2 of \(battery) V")
            last = reading
        }
        #expect(events == [.low, .ok])
        #expect(last?.low == false)
        #expect(chip.conversions == 7)
    }

    @Test("an INA219 reading carries amps through to the telemetry object")
    func ina219Reading() throws {
        let chip = INA219RegisterFile()
        let sensor = INA219(bus: chip)
        try sensor.configure()
        chip.busVolts = 6.5
        chip.shuntVolts = 0.05
        var monitor = BatteryMonitor(thresholds: .init(lowVolts: 6.8))
        let (reading, event) = monitor.record(try sensor.read())
        #expect(event == .low, "VIN+ is 6.5 V + 50 mV = 6.55 V")
        #expect(reading.json.serializedString() == #"{"volts":6.55,"amps":0.5,"low":true}"#)
    }
}
