import Foundation
import TestSupport
import Testing

/// Every shell script in `scripts/` (and the libraries they source) passes shellcheck, following sources.
@Suite struct ShellcheckTests {
    @Test func everyScriptIsShellcheckClean() async throws {
        let scripts = RepositoryPaths.scripts
        let walker = try #require(FileManager.default.enumerator(atPath: scripts.path))
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".sh") { files.append("scripts/" + relative) }
        }
        files.sort()
        #expect(files.contains("scripts/install.sh") && files.contains("scripts/lib/common.sh"), "\(files)")
        let result = try await ChildProcess.run(
            "shellcheck", ["--external-sources"] + files, currentDirectory: RepositoryPaths.root, timeout: .seconds(120)
        )
        #expect(result.termination == .exited(0), "shellcheck:\n\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }
}
