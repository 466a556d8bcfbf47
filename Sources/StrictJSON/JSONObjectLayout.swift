/// Where the members of a JSON document's top-level object are in its bytes (``JSONParser/parseKeepingLayout(_:)``).
///
/// With it, a few members can be set without writing the whole document again: the relay sets one or two trusted
/// fields in every message it forwards, and copying the rest of the bytes as they came is both cheaper than
/// serializing the parsed tree and more faithful (numbers keep their exact digits).
public struct JSONObjectLayout: Sendable {
    /// Each member's key and the byte range of its value, in document order.
    public internal(set) var members: [(key: String, value: Range<Int>)] = []
    /// The offset of the object's closing `}`.
    public internal(set) var closingBrace = -1

    init() {}

    /// `bytes` — the document this layout was read from — with each of `updates` set: a member that exists gets
    /// the new value in place, the others are appended in order before the closing brace. A key given twice keeps
    /// its last value.
    public func setting(_ updates: [(key: String, value: JSONValue)], in bytes: [UInt8]) -> [UInt8] {
        var replacements: [(range: Range<Int>, value: JSONValue)] = []
        var appended: [(key: String, value: JSONValue)] = []
        for (index, update) in updates.enumerated()
        where !updates[(index + 1)...].contains(where: { $0.key == update.key }) {
            if let member = members.first(where: { $0.key == update.key }) {
                replacements.append((member.value, update.value))
            } else {
                appended.append(update)
            }
        }
        replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 32 * updates.count)
        var copied = 0
        for (range, value) in replacements {
            out += bytes[copied..<range.lowerBound]
            JSONWriter.write(value, to: &out)
            copied = range.upperBound
        }
        out += bytes[copied..<closingBrace]
        var hasMembers = !members.isEmpty
        for (key, value) in appended {
            if hasMembers { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.write(value, to: &out)
            hasMembers = true
        }
        out += bytes[closingBrace...]
        return out
    }
}
