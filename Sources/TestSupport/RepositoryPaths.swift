public import Foundation
import Synchronization

/// Where things are in this repository and in its build folder, for tests that run
/// the project's scripts and built executables.
public enum RepositoryPaths {
    /// The repository root, derived from this file's path at compile time.
    public static let root: URL = URL(filePath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// `scripts/` in the repository.
    public static var scripts: URL { root.appending(path: "scripts", directoryHint: .isDirectory) }

    /// A script in `scripts/`, e.g. `script("broker.sh")`.
    public static func script(_ name: String) -> URL {
        scripts.appending(path: name)
    }

    /// The folder holding the built products of the running build (e.g.
    /// `.build/debug` or `.build-broker/x86_64-unknown-linux-gnu/debug`).
    ///
    /// In order: `$ROBOT_BIN_PATH`; the folder of the running test executable, which
    /// SwiftPM puts beside the other products whatever `--scratch-path` says; and last
    /// `swift build --show-bin-path` (default scratch path) run in ``root``.
    public static func binDirectory() throws -> URL {
        try cachedBinDirectory.withLock { cached in
            if let cached { return cached }
            let found = try findBinDirectory()
            cached = found
            return found
        }
    }

    /// A built executable such as `robotd`. Throws, saying how to build it, if it is missing.
    public static func product(_ name: String) throws -> URL {
        let url = try binDirectory().appending(path: name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestSupportError(
                "\(name) is not built in \(url.deletingLastPathComponent().path); "
                    + "run `swift build --product \(name)` with the same --scratch-path as the tests")
        }
        return url
    }

    private static let cachedBinDirectory = Mutex<URL?>(nil)

    private static func findBinDirectory() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["ROBOT_BIN_PATH"], !path.isEmpty {
            return URL(filePath: path, directoryHint: .isDirectory)
        }
        for executable in [URL(filePath: "/proc/self/exe"), Bundle.main.executableURL].compactMap({ $0 }) {
            let folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
            // Every target this test binary links (TestSupport among them) was built here.
            if FileManager.default.fileExists(atPath: folder.appending(path: "TestSupport.build").path) {
                return folder
            }
        }
        let result = try ChildProcess.run(
            "swift", ["build", "--show-bin-path"], currentDirectory: root, timeout: .seconds(120))
        guard result.termination == .exited(0) else {
            throw TestSupportError(
                "`swift build --show-bin-path` failed (\(result.termination)):\n\(result.standardError)")
        }
        let path = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(filePath: path, directoryHint: .isDirectory)
    }
}
