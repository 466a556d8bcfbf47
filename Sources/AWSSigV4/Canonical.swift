/// The canonical forms of a request's parts that SigV4 signs.
enum Canonical {
    /// Each `/`-separated segment of `path` URI-encoded; an empty path is `/`.
    static func uri(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(Substring($0)) }
            .joined(separator: "/")
    }

    /// `name=value` pairs, both URI-encoded, sorted by encoded name then encoded value, joined by `&`.
    static func queryString(_ parameters: [(name: String, value: String)]) -> String {
        joined(
            encoded(parameters).sorted { lhs, rhs in
                lhs.name == rhs.name
                    ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                    : lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
            })
    }

    /// Names and values URI-encoded, in the order given.
    static func encoded(_ parameters: [(name: String, value: String)]) -> [(name: String, value: String)] {
        parameters.map { (name: uriEncode(Substring($0.name)), value: uriEncode(Substring($0.value))) }
    }

    /// `name=value` joined by `&`, as they are.
    static func joined(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Header names lower-cased and sorted; values trimmed with inner runs of spaces collapsed; the values of a
    /// repeated name joined by commas in the order given.
    static func headers(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var merged: [(name: String, value: String)] = []
        for header in headers {
            let name = header.name.lowercased()
            let value = trimmed(header.value)
            if let index = merged.firstIndex(where: { $0.name == name }) {
                merged[index].value += "," + value
            } else {
                merged.append((name, value))
            }
        }
        return merged.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// Leading and trailing whitespace removed; each inner run of spaces and tabs made one space.
    static func trimmed(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace {
                    out.append(UInt8(ascii: " "))
                    pendingSpace = false
                }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 percent-encoding of UTF-8: `A–Z a–z 0–9 - _ . ~` as they are, every other byte `%XX` (upper case).
    static func uriEncode(_ text: Substring) -> String {
        let alphabet = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(alphabet[Int(byte >> 4)])
                out.append(alphabet[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
