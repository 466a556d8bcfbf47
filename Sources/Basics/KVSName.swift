/// The rule Kinesis Video Streams applies to signaling channel names and client ids: 1 to 256 of `A–Z a–z 0–9 _ . -`.
/// Here because robotd checks a channel name from its config without depending on the KVS client (`KinesisVideo`,
/// which robot-webrtc uses).
public enum KVSName {
    /// The longest name or id, in bytes.
    public static let maxLength = 256

    /// Whether `name` follows the rule.
    public static func isValid(_ name: some StringProtocol) -> Bool {
        (1...maxLength).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}
