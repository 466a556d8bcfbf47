import Foundation
import Hardware
import Testing

@Suite("LinuxI2CBus on this machine's real Linux calls")
struct LinuxI2CBusTests {
    @Test("a missing /dev/i2c-N is ENOENT with the device and the fix in one line")
    func missingBus() throws {
        try #require(!FileManager.default.fileExists(atPath: "/dev/i2c-97"))
        let error = try #require(throws: HardwareError.self) { try LinuxI2CBus(bus: 97) }
        #expect(error.operation == .openI2CBus)
        #expect(error.errno == .noSuchFileOrDirectory)
        #expect(
            error.description
                == "unable to open /dev/i2c-97: no such device (ENOENT)"
                + " — is I2C enabled (raspi-config nonint do_i2c 0) and the HAT seated?"
        )
    }

    @Test("a regular file opens but is refused at the first transfer with ENOTTY")
    func regularFileIsNotAnAdapter() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-i2c-\(UUID().uuidString)").path
        try Data([0]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bus = try LinuxI2CBus(path: path)
        #expect(bus.path == path)
        let error = try #require(throws: HardwareError.self) { try bus.write(address: 0x60, bytes: [0x00, 0x21]) }
        #expect(error.operation == .selectAddress)
        #expect(error.errno == .inappropriateIOCTLForDevice)
        #expect(error.address == 0x60)
        #expect(
            error.description
                == "unable to select address 0x60 on \(path): inappropriate ioctl for device (ENOTTY)"
                + " — is \(path) an I2C adapter (/dev/i2c-N)?"
        )
        let readError = try #require(throws: HardwareError.self) { try bus.readByte(address: 0x60, register: 0) }
        #expect(readError.errno == .inappropriateIOCTLForDevice)
        let wordError = try #require(throws: HardwareError.self) { try bus.readWord(address: 0x48, register: 1) }
        #expect(wordError.operation == .selectAddress)
        #expect(wordError.address == 0x48)
        #expect(wordError.errno == .inappropriateIOCTLForDevice)
    }

    @Test("a folder is EISDIR")
    func folder() throws {
        let error = try #require(throws: HardwareError.self) { try LinuxI2CBus(path: "/tmp") }
        #expect(error.errno == .isDirectory)
        #expect(
            error.description == "unable to open /tmp: is a directory (EISDIR) — give the device file, not a folder")
    }

    @Test(
        "an i2c-stub chip at 0x60 takes writes and reads them back",
        .enabled(
            if: FileManager.default.fileExists(atPath: "/sys/module/i2c_stub"), "needs modprobe i2c-stub chip_addr=0x60"
        )
    )
    func stubChip() throws {
        let adapters = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/i2c/devices")
        let stub = try #require(
            adapters.first {
                (try? String(contentsOfFile: "/sys/bus/i2c/devices/\($0)/name", encoding: .utf8))?.hasPrefix(
                    "SMBus stub")
                    == true
            })
        let bus = try LinuxI2CBus(path: "/dev/\(stub)")
        try bus.write(address: 0x60, bytes: [0x01, 0x04])
        #expect(try bus.readByte(address: 0x60, register: 0x01) == 0x04)
        // i2c-stub answers an SMBus word read of register r with its 16-bit cell r, whose low byte is register r:
        // the first byte on the wire. readWord puts that byte first (most significant), as ADS1015/INA219 send.
        #expect(try bus.readWord(address: 0x60, register: 0x01) == 0x0400)
        let error = try #require(throws: HardwareError.self) { try bus.write(address: 0x61, bytes: [0x00, 0x00]) }
        #expect(error.isNoChipAnswering)
    }
}
