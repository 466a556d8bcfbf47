import EventPattern
import StrictJSON

/// libFuzzer entry for the relay's content filter: the input is a JSON array `[pattern, event, event…]`. The
/// pattern either fails to compile with an error, or compiles and matches every event deterministically, and the
/// same way when pattern and event are both nested one level down (`{"k": pattern}` against `{"k": event}`) or
/// the pattern is the only branch of an `$or`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventPattern(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)),
        case .array(let elements) = input, let patternValue = elements.first
    else { return 0 }
    let pattern: EventPattern
    do {
        pattern = try EventPattern(patternValue)
    } catch {
        check(!error.description.isEmpty)
        return 0
    }
    let nested = try? EventPattern(["fuzz": patternValue])
    let alternative = try? EventPattern(["$or": [patternValue]])
    for event in elements.dropFirst() {
        let matched = pattern.matches(event)
        check(pattern.matches(event) == matched, "matching is not deterministic")
        guard case .object = event else { continue }
        if let nested {
            check(nested.matches(["fuzz": event]) == matched, "nesting one level changed the match")
        }
        if let alternative {
            check(alternative.matches(event) == matched, "a one-branch $or changed the match")
        }
    }
    return 0
}
