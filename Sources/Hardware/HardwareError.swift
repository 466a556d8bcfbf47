public import Basics
public import SystemPackage

/// A failed Linux I/O call on an I2C bus or a GPIO chip, as a value that explains itself: the device, the I2C
/// address or GPIO lines, the `errno`, what was being done, and the likely fix.
///
/// Its `description` is one line meant for an operator, e.g.
/// `no chip answered at 0x60 on /dev/i2c-1 (EREMOTEIO) — is the chip seated and its address jumper at 0x60?`.
public struct HardwareError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done when the call failed.
    public enum Operation: String, Sendable, Equatable {
        /// `open()` of an I2C adapter (`/dev/i2c-N`).
        case openI2CBus
        /// The `I2C_SLAVE` ioctl that selects the chip address.
        case selectAddress
        /// A `write()` to a chip.
        case i2cWrite
        /// An SMBus read from a chip.
        case i2cRead
        /// `open()` of a GPIO chip (`/dev/gpiochipN`).
        case openGPIOChip
        /// `GPIO_GET_CHIPINFO_IOCTL`.
        case readChipInfo
        /// `GPIO_V2_GET_LINE_IOCTL`: requesting lines as outputs.
        case requestLines
        /// `GPIO_V2_LINE_SET_VALUES_IOCTL`.
        case setLines
    }

    /// What was being done.
    public var operation: Operation
    /// The device file, e.g. `/dev/i2c-1`.
    public var device: String
    /// The 7-bit I2C address involved, if any.
    public var address: UInt8?
    /// The GPIO line offsets involved, if any.
    public var lines: [UInt32]
    /// The error number the kernel returned (swift-system's `Errno`: `catch` it as `Errno.resourceBusy`).
    public var errno: Errno
    /// Extra facts about the failure (e.g. `wrote 3 of 5 bytes`), if any.
    public var detail: String?
    /// The likely fix, phrased as a question or an instruction; empty when there is no useful advice.
    public var hint: String

    /// Creates an error; without a `hint`, one is chosen from the operation and the error number.
    public init(
        operation: Operation, device: String, address: UInt8? = nil, lines: [UInt32] = [], errno: Errno,
        detail: String? = nil, hint: String? = nil
    ) {
        self.operation = operation
        self.device = device
        self.address = address
        self.lines = lines
        self.errno = errno
        self.detail = detail
        self.hint = ""
        self.hint = hint ?? defaultHint
    }

    /// The same error with another likely fix, for a caller that knows more (e.g. which HAT should answer).
    public func hinting(_ hint: String) -> HardwareError {
        var copy = self
        copy.hint = hint
        return copy
    }

    /// Whether no chip acknowledged the address (`ENXIO` or `EREMOTEIO`, depending on the adapter).
    public var isNoChipAnswering: Bool {
        (operation == .i2cWrite || operation == .i2cRead)
            && (errno == .remoteIO || errno == .noSuchAddressOrDevice)
    }

    public var description: String {
        var text = summary
        if let detail { text += " [\(detail)]" }
        if !hint.isEmpty { text += " — \(hint)" }
        return text
    }

    private var addressText: String {
        address.map(hexByte) ?? "?"
    }

    /// ` 20,19,26,21`, or nothing when no lines are known.
    private var linesText: String {
        lines.isEmpty ? "" : " " + lines.map(String.init).joined(separator: ",")
    }

    private var summary: String {
        let code = "(\(errno.name))"
        let explained = Self.explain(errno)
        switch (operation, errno) {
        case (.openI2CBus, .noSuchFileOrDirectory), (.openGPIOChip, .noSuchFileOrDirectory):
            return "unable to open \(device): no such device \(code)"
        case (_, .permissionDenied), (_, .notPermitted):
            return "permission denied on \(device) \(code)"
        case (.i2cWrite, _) where isNoChipAnswering, (.i2cRead, _) where isNoChipAnswering:
            return "no chip answered at \(addressText) on \(device) \(code)"
        case (.selectAddress, .resourceBusy):
            return "address \(addressText) on \(device) is claimed by a kernel driver \(code)"
        case (.selectAddress, _):
            return "unable to select address \(addressText) on \(device): \(explained)"
        case (.i2cWrite, _):
            return "unable to write to \(addressText) on \(device): \(explained)"
        case (.i2cRead, _):
            return "unable to read from \(addressText) on \(device): \(explained)"
        case (.openI2CBus, _), (.openGPIOChip, _):
            return "unable to open \(device): \(explained)"
        case (.readChipInfo, _):
            return "unable to read GPIO chip information from \(device): \(explained)"
        case (.requestLines, _):
            return "unable to request GPIO lines\(linesText) on \(device): \(explained)"
        case (.setLines, _):
            return "unable to set GPIO lines\(linesText) on \(device): \(explained)"
        }
    }

    private var defaultHint: String {
        switch (operation, errno) {
        case (.openI2CBus, .noSuchFileOrDirectory):
            return "is I2C enabled (raspi-config nonint do_i2c 0) and the HAT seated?"
        case (.openGPIOChip, .noSuchFileOrDirectory):
            return "is this a Raspberry Pi (kernel 5.10+) and the chip path right (gpiodetect lists them)?"
        case (.openI2CBus, .permissionDenied), (.openI2CBus, .notPermitted):
            return "is the user in group i2c?"
        case (.openGPIOChip, .permissionDenied), (.openGPIOChip, .notPermitted):
            return "is the user in group gpio?"
        case (.i2cWrite, _) where isNoChipAnswering, (.i2cRead, _) where isNoChipAnswering:
            return "is the chip seated and its address jumper at \(addressText)?"
        case (.selectAddress, .inappropriateIOCTLForDevice):
            return "is \(device) an I2C adapter (/dev/i2c-N)?"
        case (.selectAddress, .resourceBusy):
            return "unbind the kernel driver that owns it, or remove its dtoverlay"
        case (.readChipInfo, .inappropriateIOCTLForDevice), (.requestLines, .inappropriateIOCTLForDevice):
            return "is \(device) a GPIO chip (/dev/gpiochipN)?"
        case (.requestLines, .resourceBusy):
            return "is another program using them?"
        case (.requestLines, .invalidArgument):
            return "does \(device) have these lines (gpioinfo lists them), and is the kernel 5.10 or newer?"
        case (.i2cWrite, .ioError), (.i2cRead, .ioError), (.setLines, .ioError):
            return "check the wiring and the power supply"
        case (.openI2CBus, .isDirectory), (.openGPIOChip, .isDirectory):
            return "give the device file, not a folder"
        default:
            return ""
        }
    }
}

extension HardwareError {
    /// `device or resource busy (EBUSY)`: `strerror`'s text continuing a sentence, and the symbolic name.
    public static func explain(_ errno: Errno) -> String {
        let text = errno.description
        return "\(text.prefix(1).lowercased())\(text.dropFirst()) (\(errno.name))"
    }

    /// Matches a ``HardwareError`` caused by `pattern` in a `switch` or a typed `catch` (`case Errno.ioError`).
    public static func ~= (pattern: Errno, value: HardwareError) -> Bool {
        value.errno == pattern
    }
}
