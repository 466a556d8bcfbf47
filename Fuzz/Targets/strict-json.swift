import StrictJSON

/// libFuzzer entry for StrictJSON: any bytes either fail to parse with an error naming an offset inside them, or
/// parse to a value that survives serialization (`parse(serialize(v)) == v`), reads the same from a `String`, and
/// whose top-level object layout rewrites members into a document that parses to the expected object.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStrictJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let value: JSONValue
    let layout: JSONObjectLayout?
    do {
        (value, layout) = try JSONParser.parseKeepingLayout(bytes)
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside \(size) bytes")
        check(!error.description.isEmpty)
        return 0
    }
    let serialized = value.serialized()
    guard let reparsed = try? JSONParser.parse(serialized) else {
        fatalError("the serialization of a parsed document does not parse: \(value.serializedString())")
    }
    check(reparsed == value, "round trip changed \(value) into \(reparsed)")
    check((try? JSONParser.parse(String(decoding: bytes, as: UTF8.self))) == value, "String and bytes differ")

    guard case .object(var object) = value, let layout else { return 0 }
    // Rewrite the first member (if any) in place and append a new one, as the relay's `set` does.
    var updates: [(key: String, value: JSONValue)] = [("fuzz\u{1}appended", .array([.null, .number(-0.5)]))]
    if let first = layout.members.first {
        updates.append((first.key, .string("replaced \"here\"")))
    }
    let rewritten = layout.setting(updates, in: bytes)
    for (key, newValue) in updates {
        object[key] = newValue
    }
    guard let parsed = try? JSONParser.parse(rewritten) else {
        fatalError("layout.setting produced invalid JSON: \(String(decoding: rewritten, as: UTF8.self))")
    }
    check(parsed == .object(object), "layout.setting wrote \(parsed), expected \(object)")
    return 0
}
