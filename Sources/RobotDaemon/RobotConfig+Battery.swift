public import JSONConfig

extension RobotConfig {
    /// The `battery` section: which sensor, where, and when to warn (docs/ROBOTD.md, "Battery").
    public struct Battery: Sendable, Equatable {
        /// The chip that measures the battery.
        public enum Sensor: String, Sendable, CaseIterable {
            /// A TI ADS1015 ADC input (the Explorer HAT Pro's analog inputs), usually behind a divider.
            case ads1015
            /// A TI INA219 voltage and current monitor in the battery's positive lead.
            case ina219
            /// A fixed voltage (``volts``), for local runs and tests.
            case simulated

            /// The chip's usual address: the Explorer HAT Pro's ADS1015 is at 0x48, most INA219 boards at 0x40.
            var defaultAddress: Int { self == .ina219 ? 0x40 : 0x48 }
        }

        /// false: the section is checked but nothing is read (`config.json.example` ships it so).
        public var enabled = true
        public var sensor: Sensor
        public var i2cBus = 1
        public var i2cAddress: Int
        /// The ADS1015 input, AIN0…AIN3; 3 is the Explorer HAT's analog input 1 (its inputs 1…4 are AIN3…AIN0).
        public var channel = 3
        /// (R_top + R_bottom) / R_bottom of the divider in front of the ADS1015 input; 1 without one.
        public var dividerRatio = 1.0
        /// The INA219's shunt resistor, in ohms.
        public var shuntOhms = 0.1
        /// What the simulated sensor reports, in volts.
        public var volts: Double?
        public var intervalSeconds = 10
        public var lowVolts: Double
        public var hysteresisVolts = 0.2
        public var fullVolts: Double?
        public var emptyVolts: Double?

        public init(sensor: Sensor, lowVolts: Double) {
            self.sensor = sensor
            self.lowVolts = lowVolts
            self.i2cAddress = sensor.defaultAddress
        }
    }

    static let batteryKeys: Set<String> = [
        "enabled", "sensor", "i2cBus", "i2cAddress", "channel", "dividerRatio", "shuntOhms", "volts", "intervalSeconds",
        "lowVolts", "hysteresisVolts", "fullVolts", "emptyVolts",
    ]

    /// Which keys only one kind of sensor takes.
    private static let batterySensorKeys: [(key: String, sensors: [Battery.Sensor])] = [
        ("i2cBus", [.ads1015, .ina219]), ("i2cAddress", [.ads1015, .ina219]), ("channel", [.ads1015]),
        ("dividerRatio", [.ads1015]), ("shuntOhms", [.ina219]), ("volts", [.simulated]),
    ]

    static func parseBattery(_ reader: ConfigReader) throws(ConfigError) -> Battery {
        let names = Battery.Sensor.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = try reader.string("sensor") else {
            throw ConfigError(reader.keyPath("sensor"), "is required: one of \(names)")
        }
        guard let sensor = Battery.Sensor(rawValue: name) else {
            throw ConfigError(reader.keyPath("sensor"), "unknown sensor \"\(name)\"; expected \(names)")
        }
        for (key, sensors) in batterySensorKeys where reader.has(key) && !sensors.contains(sensor) {
            throw ConfigError(
                reader.keyPath(key),
                "is only used with sensor \(sensors.map(\.rawValue).joined(separator: " or ")), and "
                    + "\(reader.keyPath("sensor")) is \(name); remove it")
        }
        guard let lowVolts = try reader.double("lowVolts", in: 0...100) else {
            throw ConfigError(reader.keyPath("lowVolts"), "is required: below this many volts the battery is low")
        }
        var battery = Battery(sensor: sensor, lowVolts: lowVolts)
        battery.enabled = try reader.bool("enabled") ?? true
        battery.i2cBus = try reader.int("i2cBus", in: 0...255) ?? battery.i2cBus
        battery.i2cAddress = try reader.int("i2cAddress", in: 0x03...0x77) ?? battery.i2cAddress
        battery.channel = try reader.int("channel", in: 0...3) ?? battery.channel
        battery.dividerRatio = try reader.double("dividerRatio", in: 1...1000) ?? battery.dividerRatio
        battery.shuntOhms = try positive(reader, "shuntOhms", upTo: 100) ?? battery.shuntOhms
        battery.volts = try reader.double("volts", in: 0...100)
        if sensor == .simulated && battery.volts == nil {
            throw ConfigError(reader.keyPath("volts"), "is required with sensor simulated: the voltage it reports")
        }
        battery.intervalSeconds = try reader.int("intervalSeconds", in: 1...3600) ?? battery.intervalSeconds
        battery.hysteresisVolts = try reader.double("hysteresisVolts", in: 0...10) ?? battery.hysteresisVolts
        battery.fullVolts = try reader.double("fullVolts", in: 0...100)
        battery.emptyVolts = try reader.double("emptyVolts", in: 0...100)
        switch (battery.fullVolts, battery.emptyVolts) {
        case (nil, nil): break
        case (.some(let full), .some(let empty)):
            guard full > empty else {
                throw ConfigError(
                    reader.keyPath("fullVolts"), "must be above \(reader.keyPath("emptyVolts")) (\(full) ≤ \(empty))")
            }
        case (nil, .some):
            throw ConfigError(reader.keyPath("fullVolts"), "is required with emptyVolts (both or neither)")
        case (.some, nil):
            throw ConfigError(reader.keyPath("emptyVolts"), "is required with fullVolts (both or neither)")
        }
        return battery
    }
}
