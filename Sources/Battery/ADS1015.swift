public import Hardware

/// The TI ADS1015: a 12-bit ADC with four inputs (AIN0…AIN3) and a programmable gain amplifier on an I2C bus, as
/// on the Pimoroni Explorer HAT Pro (address 0x48).
///
/// Each ``readSingleEnded(channel:gain:dataRate:)`` is one single-shot conversion: write the config register,
/// wait the conversion time, poll the config register until OS reads 1 (bounded by ``maxPolls``), read the
/// conversion register — three I2C transactions when the first poll finds it done. An ADS1115 (16-bit, which some
/// Explorer HAT Pro boards carry) answers the same way: its result read as a 12-bit one gives the same volts.
/// Not thread-safe, like its bus.
public final class ADS1015: CustomStringConvertible {
    /// Register addresses from the datasheet (SBAS473).
    public enum Register {
        /// The conversion result: 12 bits, signed, left-justified in bits 15:4.
        public static let conversion: UInt8 = 0x00
        /// OS, MUX, PGA, MODE, DR and the comparator bits.
        public static let config: UInt8 = 0x01
    }

    /// Config register bits.
    public enum Bit {
        /// OS: written 1 to start a single-shot conversion; reads 0 while one runs, 1 when idle.
        public static let operationalStatus: UInt16 = 0x8000
        /// MODE: single-shot (power-down between conversions).
        public static let singleShot: UInt16 = 0x0100
        /// COMP_QUE = 11: the comparator disabled, ALERT/RDY high-impedance.
        public static let comparatorDisabled: UInt16 = 0x0003
    }

    /// The programmable gain amplifier's full-scale range (PGA bits 11:9).
    public enum Gain: UInt16, CaseIterable, Sendable {
        /// ±6.144 V … ±0.256 V.
        case fsr6144mV = 0, fsr4096mV, fsr2048mV, fsr1024mV, fsr512mV, fsr256mV

        /// ± this many volts give the largest codes (±2048 counts); the input itself must stay within GND − 0.3 V
        /// and VDD + 0.3 V whatever the range.
        public var fullScaleVolts: Double {
            switch self {
            case .fsr6144mV: 6.144
            case .fsr4096mV: 4.096
            case .fsr2048mV: 2.048
            case .fsr1024mV: 1.024
            case .fsr512mV: 0.512
            case .fsr256mV: 0.256
            }
        }
    }

    /// Samples per second (DR bits 7:5); a single-shot conversion takes 1/rate.
    public enum DataRate: UInt16, CaseIterable, Sendable {
        case sps128 = 0, sps250, sps490, sps920, sps1600, sps2400, sps3300

        public var samplesPerSecond: Int {
            [128, 250, 490, 920, 1600, 2400, 3300][Int(rawValue)]
        }
    }

    /// Number of inputs.
    public static let channelCount = 4
    /// How many times the config register is polled (1 ms apart, after the nominal conversion time) before a
    /// conversion counts as stuck: about 20 ms, well past an ADS1115's 7.8 ms at the same DR bits.
    public static let maxPolls = 20

    /// The bus the chip is on.
    public let bus: any I2CBus
    /// The chip's 7-bit address (0x48…0x4B by its ADDR pin).
    public let address: UInt8

    /// Describes the chip on its bus, e.g. `ADS1015 at 0x48 on /dev/i2c-1`.
    public var description: String {
        "ADS1015 at \(hexByte(address)) on \(bus.path)"
    }

    /// A chip at `address` on `bus`; nothing is sent until a read.
    public init(bus: any I2CBus, address: UInt8 = 0x48) {
        self.bus = bus
        self.address = address
    }

    /// The config word of a single-shot conversion of AIN`channel` against GND: OS = 1, MUX = 1xx, PGA, MODE = 1,
    /// DR, comparator disabled.
    public static func singleShotConfig(channel: Int, gain: Gain, dataRate: DataRate) -> UInt16 {
        precondition((0..<channelCount).contains(channel), "the ADS1015 has inputs AIN0 to AIN3")
        let mux = UInt16(4 + channel) << 12
        return Bit.operationalStatus | mux | gain.rawValue << 9 | Bit.singleShot | dataRate.rawValue << 5
            | Bit.comparatorDisabled
    }

    /// The volts a conversion register value stands for: the signed 12-bit code × full scale / 2048.
    public static func volts(conversion: UInt16, gain: Gain) -> Double {
        let code = Int16(bitPattern: conversion) >> 4
        return Double(code) * gain.fullScaleVolts / 2048
    }

    /// Converts AIN`channel` (0…3) against GND once and returns the voltage at the pin. The default gain (±6.144 V)
    /// covers 0…5 V inputs, as Pimoroni's library reads the Explorer HAT's.
    public func readSingleEnded(
        channel: Int, gain: Gain = .fsr6144mV, dataRate: DataRate = .sps1600
    ) throws -> Double {
        let config = Self.singleShotConfig(channel: channel, gain: gain, dataRate: dataRate)
        try bus.writeWord(address: address, register: Register.config, config)
        MonotonicClock.sleep(for: .microseconds(1_000_000 / dataRate.samplesPerSecond + 50))
        var polls = 0
        while try bus.readWord(address: address, register: Register.config) & Bit.operationalStatus == 0 {
            polls += 1
            guard polls < Self.maxPolls else {
                throw BatterySensorError(
                    sensor: description, problem: "the conversion did not finish after \(polls) polls",
                    hint: "is the chip at \(hexByte(address)) an ADS1015 or ADS1115 (i2cdetect -y 1)?")
            }
            MonotonicClock.sleep(for: .milliseconds(1))
        }
        return Self.volts(conversion: try bus.readWord(address: address, register: Register.conversion), gain: gain)
    }
}
