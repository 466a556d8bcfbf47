import Foundation
import Hardware
import Testing

@Suite("LinuxGPIOOutputs on this machine's real Linux calls")
struct LinuxGPIOOutputsTests {
    @Test("a missing GPIO chip is ENOENT naming the chip")
    func missingChip() throws {
        try #require(!FileManager.default.fileExists(atPath: "/dev/gpiochip97"))
        let error = try #require(throws: HardwareError.self) {
            try LinuxGPIOOutputs(chip: "/dev/gpiochip97", offsets: [20, 19, 26, 21])
        }
        #expect(error.operation == .openGPIOChip)
        #expect(error.lines == [20, 19, 26, 21])
        #expect(
            error.description
                == "unable to open /dev/gpiochip97: no such device (ENOENT)"
                + " — is this a Raspberry Pi (kernel 5.10+) and the chip path right (gpiodetect lists them)?"
        )
    }

    @Test(
        "/dev/gpiochip0 missing on this machine gives the same clear message",
        .enabled(if: !FileManager.default.fileExists(atPath: "/dev/gpiochip0")))
    func missingDefaultChip() throws {
        let error = try #require(throws: HardwareError.self) { try LinuxGPIOOutputs(offsets: [20, 19, 26, 21]) }
        #expect(error.description.hasPrefix("unable to open /dev/gpiochip0: no such device (ENOENT) — "))
    }

    @Test("a regular file is not a GPIO chip (ENOTTY)")
    func regularFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-gpio-\(UUID().uuidString)").path
        try Data().write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: HardwareError.self) { try LinuxGPIOOutputs(chip: path, offsets: [20]) }
        #expect(error.operation == .readChipInfo)
        #expect(
            error.description
                == "unable to read GPIO chip information from \(path): inappropriate ioctl for device (ENOTTY)"
                + " — is \(path) a GPIO chip (/dev/gpiochipN)?"
        )
    }
}
