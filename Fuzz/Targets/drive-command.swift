import DriveProtocol
import StrictJSON

/// libFuzzer entry for the drive command parser (`<thing>/action` payloads): any bytes are either rejected with a
/// reason, or become a command within the protocol's limits that encodes back to an equal command.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDriveCommand(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let payload = UnsafeRawBufferPointer(start: data, count: size)
    let defaults = DriveDefaults(speed: 0.7, durationMs: 200)
    let command: DriveCommand
    do {
        command = try DriveCommandParser.parse(payload, defaults: defaults)
    } catch {
        check(!error.reason.isEmpty, "a rejection without a reason")
        return 0
    }
    check(size <= DriveCommandParser.maxPayloadBytes)
    check(DriveCommand.durationRange.contains(command.durationMs), "durationMs \(command.durationMs)")
    check((command.id?.unicodeScalars.count ?? 0) <= DriveCommand.maxIDLength, "id too long")
    let (left, right) = command.throttles
    check((-1.0...1.0).contains(left) && (-1.0...1.0).contains(right), "throttles \(left), \(right)")
    let again = try? DriveCommandParser.parse(command.jsonBytes(), defaults: DriveDefaults(speed: 0.1, durationMs: 9))
    check(again == command, "\(command) encodes to \(command.jsonValue), which parses to \(String(describing: again))")
    return 0
}
