import Glibc
import JSONConfig
import RobotDaemon
import StrictJSON

/// libFuzzer entry for robotd's config loader: any JSON document either loads or fails with an error naming a key
/// path. Files are resolved against `ROBOT_FUZZ_CONFIG_DIR` (scripts/fuzz.sh makes one with the default certificate
/// names in it); loading only checks readability, it never creates a file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRobotConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)),
        case .object(let root) = value
    else { return 0 }
    do {
        let config = try RobotConfig.parse(root, directory: configDirectory)
        check(!config.thingName.isEmpty)
        check(config.actionTopic == config.thingName + "/action")
    } catch {
        check(!error.description.isEmpty)
    }
    return 0
}

private let configDirectory = getenv("ROBOT_FUZZ_CONFIG_DIR").map { String(cString: $0) } ?? "/nonexistent"
