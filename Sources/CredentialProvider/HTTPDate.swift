public import Basics

/// The HTTP `Date` header's format (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The instant, or nil for anything but an IMF-fixdate.
    public static func parse(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT", parts[1].count == 2, parts[3].count == 4,
            parts[4].count == 8, let month = months.firstIndex(of: String(parts[2]))
        else { return nil }
        let monthText = month < 9 ? "0\(month + 1)" : "\(month + 1)"
        return Timestamp(iso8601: "\(parts[3])-\(monthText)-\(parts[1])T\(parts[4])Z")
    }

    /// The `Date` header among raw header lines (`Date: …`, any case), parsed.
    public static func find(in headers: [String]) -> Timestamp? {
        for line in headers {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "date" else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            if let date = parse(String(value)) { return date }
        }
        return nil
    }
}
