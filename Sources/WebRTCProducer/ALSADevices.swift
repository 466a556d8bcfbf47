/// The ALSA PCM devices the kernel lists in `/proc/asound/pcm`, one per line:
/// `00-01: USB Audio : USB Audio : playback 1 : capture 1` (card 0, device 1). No file (no sound card, or a
/// container) is no device.
public struct ALSADevices: Sendable, Equatable {
    public struct Device: Sendable, Equatable {
        public var card: Int
        public var device: Int
        public var name: String

        /// What `--audio-device`/`--audio-sink-device` take: `plughw:` converts rate and format as needed.
        public var alsaName: String { "plughw:\(card),\(device)" }
    }

    public var capture: [Device] = []
    public var playback: [Device] = []

    /// The devices in the text of `/proc/asound/pcm`.
    public static func parse(_ text: String) -> ALSADevices {
        var devices = ALSADevices()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map {
                String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            }
            let numbers = fields.first?.split(separator: "-").compactMap { Int($0) } ?? []
            guard fields.count >= 3, numbers.count == 2 else { continue }
            let device = Device(card: numbers[0], device: numbers[1], name: fields[1])
            if fields.dropFirst(3).contains(where: { $0.hasPrefix("capture") }) { devices.capture.append(device) }
            if fields.dropFirst(3).contains(where: { $0.hasPrefix("playback") }) { devices.playback.append(device) }
        }
        return devices
    }

    /// "plughw:0,0 (USB Audio), …" or "none".
    public static func list(_ devices: [Device]) -> String {
        devices.isEmpty ? "none" : devices.map { "\($0.alsaName) (\($0.name))" }.joined(separator: ", ")
    }
}
