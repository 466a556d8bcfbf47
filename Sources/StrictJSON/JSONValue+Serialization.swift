extension JSONValue {
    /// Compact JSON in UTF-8: no whitespace, members in order, strings escaped, numbers as
    /// integers when integral within ±2^53 and otherwise in shortest round-trip form; NaN and ±infinity as `null`.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out)
        return out
    }

    /// ``serialized()`` as a `String`.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// Appends ``serialized()`` to `out`, for building larger payloads without copies.
    public func write(to out: inout [UInt8]) {
        JSONWriter.write(self, to: &out)
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text.
    public var description: String {
        serializedString()
    }
}
