import FoundationEssentials

/// The ALSA PCM devices the kernel lists in `/proc/asound/pcm`, one per line:
/// `00-01: USB Audio : USB Audio : playback 1 : capture 1` (card 0, device 1).
struct ALSADevices: Equatable {
    struct Device: Equatable {
        var card: Int
        var device: Int
        var name: String

        /// What `--audio-device`/`--audio-sink-device` take: `plughw:` converts rate and format as needed.
        var alsaName: String { "plughw:\(card),\(device)" }
    }

    var capture: [Device] = []
    var playback: [Device] = []

    /// The devices of this machine (none when there is no `/proc/asound/pcm`: no sound card, or a container).
    static func read(path: String = "/proc/asound/pcm") -> ALSADevices {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ALSADevices() }
        return parse(text)
    }

    static func parse(_ text: String) -> ALSADevices {
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
    static func list(_ devices: [Device]) -> String {
        devices.isEmpty ? "none" : devices.map { "\($0.alsaName) (\($0.name))" }.joined(separator: ", ")
    }
}
