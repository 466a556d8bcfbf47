import Basics
import Hardware
import SystemPackage
import Testing

@Suite("HardwareError messages")
struct HardwareErrorTests {
    @Test("EACCES on an I2C bus points at the i2c group")
    func permissionDenied() {
        let error = HardwareError(operation: .openI2CBus, device: "/dev/i2c-1", errno: .permissionDenied)
        #expect(error.description == "permission denied on /dev/i2c-1 (EACCES) — is the user in group i2c?")
        let gpio = HardwareError(operation: .openGPIOChip, device: "/dev/gpiochip0", errno: .permissionDenied)
        #expect(gpio.description == "permission denied on /dev/gpiochip0 (EACCES) — is the user in group gpio?")
    }

    @Test("no ACK (EREMOTEIO or ENXIO) names the address", arguments: [Errno.remoteIO, .noSuchAddressOrDevice])
    func noChip(errno: Errno) {
        let error = HardwareError(operation: .i2cWrite, device: "/dev/i2c-1", address: 0x60, errno: errno)
        #expect(error.isNoChipAnswering)
        #expect(
            error.description
                == "no chip answered at 0x60 on /dev/i2c-1 (\(errno.name))"
                + " — is the chip seated and its address jumper at 0x60?"
        )
        let hinted = error.hinting("is the Motor HAT seated and its address jumper at 0x60?")
        #expect(
            hinted.description
                == "no chip answered at 0x60 on /dev/i2c-1 (\(errno.name))"
                + " — is the Motor HAT seated and its address jumper at 0x60?"
        )
    }

    @Test("busy GPIO lines are listed")
    func busyLines() {
        let error = HardwareError(
            operation: .requestLines, device: "/dev/gpiochip0", lines: [20, 19, 26, 21], errno: .resourceBusy)
        #expect(
            error.description
                == "unable to request GPIO lines 20,19,26,21 on /dev/gpiochip0: device or resource busy (EBUSY)"
                + " — is another program using them?"
        )
    }

    @Test("a short write carries its detail")
    func shortWrite() {
        let error = HardwareError(
            operation: .i2cWrite, device: "/dev/i2c-1", address: 0x08, errno: .ioError, detail: "wrote 3 of 5 bytes")
        #expect(
            error.description
                == "unable to write to 0x08 on /dev/i2c-1: input/output error (EIO) [wrote 3 of 5 bytes]"
                + " — check the wiring and the power supply"
        )
    }

    @Test("Errno has readable names and matches in catch patterns")
    func errnoNames() {
        #expect(Errno.noSuchFileOrDirectory.name == "ENOENT")
        #expect(Errno.remoteIO.name == "EREMOTEIO")
        #expect(HardwareError.explain(.resourceBusy) == "device or resource busy (EBUSY)")
        #expect(Errno(rawValue: 9999).name == "errno 9999")
        let error = HardwareError(operation: .setLines, device: "x", errno: .ioError)
        #expect(Errno.ioError ~= error)
        #expect(!(Errno.resourceBusy ~= error))
    }
}
