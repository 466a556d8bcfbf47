import Logging
import ServiceLifecycle

// Placeholder: the battery helper fills this in (docs in /tmp/prompts/spec16.md).
/// The battery service, when the config has a `battery` section.
func makeBatteryService(config: RobotConfig, drive: DriveService, logger: Logger) -> (any Service)? {
    nil
}
