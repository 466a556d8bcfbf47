/// GPIO lines of a Linux GPIO chip (`/dev/gpiochipN`) requested as outputs through the kernel's v2 line uAPI,
/// all in one request so that they can be set together in one ioctl.
///
/// The lines start low, are labelled with the consumer name (visible in `gpioinfo`) and are released when the
/// instance goes away; the kernel then leaves them at their last value, so a driver sets them low first.
/// Thread-safe: the only state is the request's file descriptor, and the kernel serialises the ioctls.
public final class LinuxGPIOOutputs: GPIOOutputs {
    /// The chip's device path, e.g. `/dev/gpiochip0`.
    public let chipPath: String
    /// The requested line offsets (BCM GPIO numbers on a Raspberry Pi), in bit order.
    public let offsets: [UInt32]
    /// The chip's label from the kernel, e.g. `pinctrl-bcm2711`.
    public let chipLabel: String
    private let requestFD: Int32

    public var lineCount: Int { offsets.count }

    /// Requests `offsets` of the chip at `chipPath` as outputs, initially low.
    public init(chip chipPath: String = "/dev/gpiochip0", offsets: [UInt32], consumer: String = "robotd") throws {
        precondition((1...64).contains(offsets.count), "a line request holds 1 to 64 lines")
        self.chipPath = chipPath
        self.offsets = offsets
        let chipFD: Int32
        do {
            chipFD = try Syscall.openReadWrite(chipPath)
        } catch {
            throw HardwareError(operation: .openGPIOChip, device: chipPath, lines: offsets, errno: error)
        }
        defer { Syscall.close(chipFD) }
        let info: (name: String, label: String, lines: Int)
        do {
            info = try Syscall.gpioChipInfo(chipFD)
        } catch {
            throw HardwareError(operation: .readChipInfo, device: chipPath, lines: offsets, errno: error)
        }
        chipLabel = info.label
        if let outside = offsets.first(where: { Int($0) >= info.lines }) {
            throw HardwareError(
                operation: .requestLines, device: chipPath, lines: offsets, errno: .invalidArgument,
                detail: "line \(outside) is beyond the \(info.lines) lines of \(info.label)",
                hint: "is \(chipPath) the chip of the GPIO header (see gpiodetect)?")
        }
        do {
            requestFD = try Syscall.gpioRequestOutputs(chipFD, offsets: offsets, consumer: consumer, initialValues: 0)
        } catch {
            throw HardwareError(operation: .requestLines, device: chipPath, lines: offsets, errno: error)
        }
    }

    deinit {
        Syscall.close(requestFD)
    }

    public func setValues(_ bits: UInt64, mask: UInt64) throws {
        do {
            try Syscall.gpioSetValues(requestFD, bits: bits, mask: mask)
        } catch {
            throw HardwareError(operation: .setLines, device: chipPath, lines: offsets, errno: error)
        }
    }
}
