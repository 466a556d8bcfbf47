import Glibc
import JSONConfig
import RobotServer
import StrictJSON

/// libFuzzer entry for robot-server's config loader (listen, mqtt, robots, auth, cors, video and the relay's
/// accounts, grants and rules): any JSON document either loads or fails with an error naming a key path. Files
/// are resolved against `ROBOT_FUZZ_CONFIG_DIR`; loading only checks readability, it never creates a file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)),
        case .object(let root) = value
    else { return 0 }
    do {
        let config = try ServerConfig.parse(root, directory: configDirectory)
        check(config.robots.contains(config.defaultRobot))
    } catch {
        check(!error.description.isEmpty)
    }
    return 0
}

private let configDirectory = getenv("ROBOT_FUZZ_CONFIG_DIR").map { String(cString: $0) } ?? "/nonexistent"
