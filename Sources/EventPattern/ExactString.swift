/// A string compared and hashed by its UTF-8 bytes.
///
/// EventBridge matches strings character by character with no normalization, while Swift's `String` equality
/// treats canonically equivalent text (`"é"` precomposed or as `e` + combining accent) as equal; this wrapper
/// gives a `Set` the byte-exact behaviour.
struct ExactString: Hashable, Sendable {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.text.hasSameUTF8(as: rhs.text)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        if hashed == nil {
            for byte in text.utf8 {
                hasher.combine(byte)
            }
        }
        hasher.combine(text.utf8.count)
    }
}

extension String {
    /// Whether `self` and `other` have the same UTF-8 bytes (no Unicode normalization).
    ///
    /// Compares the contiguous storage of native strings directly; the generic `UTF8View` comparison is several
    /// times slower and this runs for every key lookup.
    func hasSameUTF8(as other: String) -> Bool {
        let contiguous: Bool?? = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                mine.count == theirs.count && mine.elementsEqual(theirs)
            }
        }
        if let contiguous, let result = contiguous { return result }
        return utf8.elementsEqual(other.utf8)
    }

    /// Whether the UTF-8 bytes of `self` begin with `prefix` (no Unicode normalization).
    func hasExactPrefix(_ prefix: [UInt8]) -> Bool {
        let contiguous: Bool? = utf8.withContiguousStorageIfAvailable { mine in
            mine.count >= prefix.count && mine.prefix(prefix.count).elementsEqual(prefix)
        }
        return contiguous ?? utf8.starts(with: prefix)
    }
}
