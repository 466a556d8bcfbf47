import Hardware

/// A TI ADS1015 (12-bit, 4-input ADC; the Explorer HAT Pro's, at 0x48) modelled at register level on a fake I2C
/// bus, so that the real ``ADS1015`` driver runs against it and tests set the voltages on its pins.
///
/// Modelled from the datasheet (SBAS473): power-on defaults (conversion 0x0000, config 0x8583 — single-shot,
/// AIN0−AIN1, ±2.048 V, 1600 SPS, comparator off —, Lo_thresh 0x8000, Hi_thresh 0x7FF0); writing OS = 1 in
/// single-shot mode starts one conversion of the selected input; while it runs the config register reads OS = 0;
/// the result is round(V / FSR × 2048) clamped to −2048…2047, left-justified in bits 15:4 (bits 3:0 read 0); the
/// eight MUX settings (four differential pairs, four inputs against GND) and six PGA ranges; in continuous mode
/// every read of the conversion register returns a fresh conversion.
///
/// Time is modelled simply: a conversion finishes after ``busyReads`` reads of the config register (1 by
/// default, so a driver must poll); a very large value models a chip that never finishes. Reading the conversion
/// register before the conversion finished returns the previous result and is noted in ``violations``.
public final class ADS1015RegisterFile: WordRegisterChip {
    /// Each register's value as stored (the config register with OS as written).
    public private(set) var registers: [UInt16] = []
    /// The voltage on AIN0…AIN3 against GND, in volts; set by the test.
    public var inputVolts: [Double] = [0, 0, 0, 0]
    /// How many reads of the config register report a conversion as running before it is done.
    public var busyReads = 1
    /// Conversions started so far (single-shot starts and continuous-mode reads).
    public private(set) var conversions = 0
    private var busyReadsLeft = 0

    /// A chip at `address` on a bus named `path`, in its power-on state.
    public init(address: UInt8 = 0x48, path: String = "/dev/i2c-1") {
        super.init(address: address, path: path, registerCount: 4)
        powerOn()
    }

    /// Puts every register back to its power-on value; the log is kept.
    public func powerOn() {
        registers = [0x0000, 0x8583, 0x8000, 0x7FF0]
        busyReadsLeft = 0
    }

    // MARK: Inspection

    /// The config register as last written (OS shows whether a conversion runs).
    public var config: UInt16 { registers[1] }
    /// Whether a single-shot conversion is running.
    public var isConverting: Bool { busyReadsLeft > 0 }
    /// The full-scale range the PGA bits select, in volts.
    public var fullScaleVolts: Double { Self.fullScale[Int(config >> 9 & 0x7)] }
    /// The voltage the MUX bits put across the converter.
    public var selectedVolts: Double {
        let pin = inputVolts
        switch config >> 12 & 0x7 {
        case 0: return pin[0] - pin[1]
        case 1: return pin[0] - pin[3]
        case 2: return pin[1] - pin[3]
        case 3: return pin[2] - pin[3]
        case let mux: return pin[Int(mux) - 4]
        }
    }

    /// The 12-bit code the chip would convert `volts` to at the current full scale, left-justified.
    public func code(for volts: Double) -> UInt16 {
        let counts = (volts / fullScaleVolts * 2048).rounded()
        let clamped = Int16(min(2047, max(-2048, counts)))
        return UInt16(bitPattern: clamped << 4)
    }

    // MARK: Model

    /// PGA bits 11:9 → full-scale range (100 and above are all ±0.256 V).
    private static let fullScale = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256]

    private var isSingleShot: Bool { config & 0x0100 != 0 }

    override func store(_ value: UInt16, at register: UInt8) {
        switch register {
        case 1:
            if isConverting {
                note("wrote the config register while a conversion was running")
            }
            registers[1] = value
            if value & 0x8000 != 0 && value & 0x0100 != 0 {
                conversions += 1
                busyReadsLeft = max(busyReads, 0)
                if busyReadsLeft == 0 { finishConversion() }
            }
        case 0:
            note("wrote to the read-only conversion register")
        default:
            registers[Int(register)] = value
        }
    }

    override func load(_ register: UInt8) -> UInt16 {
        switch register {
        case 0:
            if isConverting {
                note("read the conversion register while a conversion was running")
            } else if !isSingleShot {
                conversions += 1
                registers[0] = code(for: selectedVolts)
            }
            return registers[0]
        case 1:
            if isConverting {
                busyReadsLeft -= 1
                if busyReadsLeft == 0 { finishConversion() }
                return registers[1] & 0x7FFF
            }
            return registers[1] | 0x8000
        default:
            return registers[Int(register)]
        }
    }

    private func finishConversion() {
        registers[0] = code(for: selectedVolts)
    }
}
