import Basics
import CredentialProvider
import DeviceCertificate
import Glibc
import Hardware
import SystemPackage

/// `robotd check`: a doctor for a robot set up over SSH. Validates the configuration, the certificate and key,
/// the motor hardware and the network endpoints, without moving a motor and without an MQTT session (which would
/// disconnect a running robotd that uses the same client id).
public enum Checkup {
    /// Every check for the configuration at `path`, in order; the first item is the configuration itself.
    public static func run(configPath: String) async -> [CheckItem] {
        let config: RobotConfig
        do {
            config = try RobotConfig.load(path: configPath)
        } catch {
            return [CheckItem(.failed, "configuration", "\(error)")]
        }
        var items = [
            CheckItem(
                .passed, "configuration", "\(configPath) (thing \(config.thingName), driver \(config.motors.driver))")
        ]
        if !config.unknownKeys.isEmpty {
            items.append(
                CheckItem(
                    .warning, "unknown keys",
                    "\(config.unknownKeys.joined(separator: ", ")) are ignored — typos? See config.json.example"))
        }
        items += identityChecks(config.mqtt)
        items.append(motorCheck(config))
        items.append(await brokerCheck(config.mqtt))
        items += await videoChecks(config)
        if config.video.enabled { items.append(audioCheck(config.audio)) }
        return items
    }

    /// Whether every item passed (warnings and skipped items do not fail).
    public static func passed(_ items: [CheckItem]) -> Bool {
        !items.contains { $0.status == .failed }
    }

    // MARK: Motors

    static func motorCheck(_ config: RobotConfig) -> CheckItem {
        let motors = config.motors
        switch motors.driver {
        case "adafruit":
            let device = "/dev/i2c-\(motors.i2cBus)"
            let address = UInt8(motors.i2cAddress)
            do {
                // A read of MODE1: proves the chip answers, changes nothing.
                _ = try LinuxI2CBus(path: device).readByte(address: address, register: 0x00)
                return CheckItem(.passed, "motor HAT", "a PCA9685 answered at \(hex(address)) on \(device)")
            } catch {
                return CheckItem(.failed, "motor HAT", "\(error)")
            }
        case "explorerhat":
            let chip = motors.gpioChip
            let fd = open(chip, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else {
                let error = HardwareError(operation: .openGPIOChip, device: chip, errno: .current)
                return CheckItem(.failed, "Explorer HAT", "\(error)")
            }
            close(fd)
            return CheckItem(.passed, "Explorer HAT", "\(chip) opens (lines 19, 20, 21, 26 drive the DRV8833)")
        default:
            return CheckItem(.skipped, "motors", "simulated driver: no hardware to open")
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "0x\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
    }

    // MARK: Network

    static func brokerCheck(_ mqtt: RobotConfig.MQTT) async -> CheckItem {
        let title = "MQTT broker \(mqtt.endpoint):\(mqtt.port)"
        do {
            try await TLSProbe.handshake(
                host: mqtt.endpoint, port: mqtt.port, caFile: mqtt.caFile, certFile: mqtt.certFile,
                keyFile: mqtt.keyFile, timeout: .seconds(mqtt.connectTimeoutSeconds))
            return CheckItem(.passed, title, "TLS handshake with the device certificate accepted")
        } catch {
            return CheckItem(
                .failed, title,
                "\(error) — is mqtt.endpoint the data endpoint (aws iot describe-endpoint --endpoint-type "
                    + "iot:Data-ATS), is the certificate registered and ACTIVE, and does mqtt.caFile verify the broker?"
            )
        }
    }

    static func videoChecks(_ config: RobotConfig) async -> [CheckItem] {
        guard let credentials = config.credentials else {
            let note = config.video.enabled ? " — the producer runs without AWS credentials (self-hosted video)" : ""
            return [CheckItem(.skipped, "credential provider", "no credentials section\(note)")]
        }
        let options = credentialOptions(config, credentials)
        var items: [CheckItem] = []
        do {
            let fetched = try await CredentialProviderClient(options: options).fetch()
            let minutes = fetched.validFor.components.seconds / 60
            items.append(
                CheckItem(
                    .passed, "credential provider \(options.endpoint)",
                    "role alias \(credentials.roleAlias) gave credentials valid for \(minutes) min"))
        } catch {
            items.append(CheckItem(.failed, "credential provider \(options.endpoint)", "\(error)"))
        }
        if config.video.enabled {
            items.append(producerCheck(videoSettings(config).command))
        } else {
            items.append(CheckItem(.skipped, "video producer", "video.enabled is false"))
        }
        return items
    }

    /// What the `audio` section tells robot-webrtc; its devices are robot-webrtc check's to find.
    static func audioCheck(_ audio: RobotConfig.Audio) -> CheckItem {
        guard audio.enabled else { return CheckItem(.skipped, "audio", "audio.enabled is false") }
        return CheckItem(
            .passed, "audio",
            "robot-webrtc gets \(audio.arguments.joined(separator: " ")) (robot-webrtc check lists the audio devices)")
    }

    static func producerCheck(_ command: [String]) -> CheckItem {
        let program = command.first ?? ""
        guard program.contains("/") else {
            return CheckItem(.passed, "video producer", "\(program) (looked up in PATH when it starts)")
        }
        guard access(program, X_OK) == 0 else {
            let reason = Errno.current
            return CheckItem(
                .failed, "video producer",
                "\(program) is not an executable file (\(reason)) — install it (install.sh --with-kvs-producer or "
                    + "--with-webrtc: robot-webrtc; --with-kvs-c-sdk: the KVS sample) or fix video.command or "
                    + "video.kvs.executable"
            )
        }
        return CheckItem(.passed, "video producer", "\(program) is executable")
    }
}
