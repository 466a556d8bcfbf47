public import Hardware

/// The NXP PCA9685: a board of 16 PWM channels with 12-bit duty cycles on an I2C bus, as on the Adafruit DC &
/// Stepper Motor HAT (address 0x60).
///
/// Call ``start(frequency:)`` once before setting channels: it turns on auto-increment, which lets each channel's
/// four registers go in one I2C write. Not thread-safe, like its bus.
public final class PCA9685: CustomStringConvertible {
    /// Register addresses and bits from the datasheet.
    public enum Register {
        /// MODE1: RESTART, AI, SLEEP and ALLCALL bits.
        public static let mode1: UInt8 = 0x00
        /// MODE2: output configuration (OUTDRV).
        public static let mode2: UInt8 = 0x01
        /// LED0_ON_L: channel n's ON_L, ON_H, OFF_L, OFF_H are at `led0OnLow + 4 * n`.
        public static let led0OnLow: UInt8 = 0x06
        /// ALL_LED_ON_L: writes to 0xFA…0xFD load the matching register of every channel.
        public static let allLEDOnLow: UInt8 = 0xFA
        /// ALL_LED_ON_H.
        public static let allLEDOnHigh: UInt8 = 0xFB
        /// ALL_LED_OFF_L.
        public static let allLEDOffLow: UInt8 = 0xFC
        /// ALL_LED_OFF_H.
        public static let allLEDOffHigh: UInt8 = 0xFD
        /// PRE_SCALE: the PWM frequency divider, writable only while asleep.
        public static let prescale: UInt8 = 0xFE
    }

    /// MODE1 and MODE2 bits.
    public enum Bit {
        /// MODE1 RESTART: written 1 after waking to resume the PWM channels.
        public static let restart: UInt8 = 0x80
        /// MODE1 AI: register auto-increment.
        public static let autoIncrement: UInt8 = 0x20
        /// MODE1 SLEEP: oscillator off.
        public static let sleep: UInt8 = 0x10
        /// MODE1 ALLCALL: answer the all-call address.
        public static let allCall: UInt8 = 0x01
        /// MODE2 OUTDRV: totem-pole outputs.
        public static let outputDrive: UInt8 = 0x04
        /// ON_H / OFF_H bit 4: full on / full off (full off wins when both are set).
        public static let full: UInt8 = 0x10
    }

    /// Number of PWM channels.
    public static let channelCount = 16
    /// The internal oscillator's frequency in hertz.
    public static let oscillatorFrequency = 25_000_000.0
    /// The largest 12-bit count.
    public static let maxCount = 4095

    /// The bus the chip is on.
    public let bus: any I2CBus
    /// The chip's 7-bit address.
    public let address: UInt8

    /// Describes the board on its bus, e.g. `PCA9685 at 0x60 on /dev/i2c-1`.
    public var description: String {
        "PCA9685 at \(hexByte(address)) on \(bus.path)"
    }

    /// A board at `address` on `bus`; nothing is sent until ``start(frequency:)``.
    public init(bus: any I2CBus, address: UInt8 = 0x60) {
        self.bus = bus
        self.address = address
    }

    /// The PRE_SCALE value for a PWM `frequency` in hertz: round(25 MHz / (4096 · f)) − 1, kept within the
    /// chip's 3…255 (about 1526 Hz down to 24 Hz).
    public static func prescale(forFrequency frequency: Double) -> UInt8 {
        precondition(frequency.isFinite && frequency > 0, "a PWM frequency must be a positive number of hertz")
        let value = (oscillatorFrequency / (4096 * frequency)).rounded() - 1
        return UInt8(min(255, max(3, value)))
    }

    /// Brings the chip from any state to running at `frequency` with every channel off: all channels full-off,
    /// MODE2 = OUTDRV, MODE1 = AI | ALLCALL with SLEEP, PRE_SCALE (only writable asleep), wake, wait 500 µs for the
    /// oscillator, then RESTART.
    public func start(frequency: Double = 1600) throws {
        let prescale = Self.prescale(forFrequency: frequency)
        // One register per write: auto-increment may still be off (it is at power-on). Full-off first: it
        // takes precedence over full-on, so the outputs are off from the first byte on.
        try writeRegister(Register.allLEDOffHigh, Bit.full)
        try writeRegister(Register.allLEDOffLow, 0)
        try writeRegister(Register.allLEDOnHigh, 0)
        try writeRegister(Register.allLEDOnLow, 0)
        try writeRegister(Register.mode2, Bit.outputDrive)
        try writeRegister(Register.mode1, Bit.autoIncrement | Bit.allCall | Bit.sleep)
        try writeRegister(Register.prescale, prescale)
        try writeRegister(Register.mode1, Bit.autoIncrement | Bit.allCall)
        MonotonicClock.sleep(for: .microseconds(500))
        try writeRegister(Register.mode1, Bit.autoIncrement | Bit.allCall | Bit.restart)
    }

    /// Sets `channel`'s duty cycle (0…1, clamped; not-a-number counts as 0): 0 is full-off, 1 is full-on, and
    /// in between the output is high from count 0 to round(duty · 4095).
    public func setDuty(channel: Int, duty: Double) throws {
        let clamped = duty.isNaN ? 0 : min(1, max(0, duty))
        let count = Int((clamped * Double(Self.maxCount)).rounded())
        switch count {
        case 0: try setFullOff(channel: channel)
        case Self.maxCount: try setFullOn(channel: channel)
        default: try writeChannel(channel, on: 0, off: UInt16(count))
        }
    }

    /// Holds `channel` high.
    public func setFullOn(channel: Int) throws {
        try writeChannel(channel, on: UInt16(Bit.full) << 8, off: 0)
    }

    /// Holds `channel` low.
    public func setFullOff(channel: Int) throws {
        try writeChannel(channel, on: 0, off: UInt16(Bit.full) << 8)
    }

    /// Holds every channel low in one I2C write to ALL_LED_OFF_L/H (0xFC, 0xFD: count 0, full-off bit), which
    /// loads the OFF registers of all 16 channels at once; full-off wins over any full-on bit left in ON_H.
    /// Needs auto-increment (``start(frequency:)`` turns it on) for the second byte to reach 0xFD.
    public func setAllFullOff() throws {
        try bus.write(address: address, bytes: [Register.allLEDOffLow, 0, Bit.full])
    }

    /// Writes a channel's ON and OFF registers (count plus full bit in bit 12) in one I2C write.
    private func writeChannel(_ channel: Int, on: UInt16, off: UInt16) throws {
        precondition((0..<Self.channelCount).contains(channel), "the PCA9685 has channels 0 to 15")
        let register = Register.led0OnLow + 4 * UInt8(channel)
        try bus.write(
            address: address,
            bytes: [register, UInt8(on & 0xFF), UInt8(on >> 8), UInt8(off & 0xFF), UInt8(off >> 8)])
    }

    private func writeRegister(_ register: UInt8, _ value: UInt8) throws {
        try bus.write(address: address, bytes: [register, value])
    }
}
