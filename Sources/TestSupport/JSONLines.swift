public import Foundation

/// A file of one JSON object per line, as the test fixtures write them.
public enum JSONLines {
    /// The objects in `file` so far (none if it does not exist yet); a half-written last line is skipped.
    public static func read(_ file: URL) -> [[String: Any]] {
        guard let data = try? Data(contentsOf: file) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any]
        }
    }
}
