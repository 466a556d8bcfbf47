import Basics
import Foundation
import JSONConfig
import RobotDaemon
import SystemPackage
import TestSupport
import Testing

/// The emergency-stop latch on disk: atomic, 0600, fail safe when the file is unusable. Files only (no process).
@Suite struct EstopLatchFileTests {
    func stateDirectory() throws -> String {
        try ScratchDirectory.make("state").path
    }

    @Test func aMissingFileIsReleased() throws {
        #expect(EstopLatchFile(directory: try stateDirectory()).read() == .released)
    }

    @Test func engagedAndReleasedRoundTripWithMode0600AndNoLeftovers() throws {
        let directory = try stateDirectory()
        let file = EstopLatchFile(directory: directory)
        let since = try #require(Timestamp(iso8601: "2026-12-04T22:40:00Z"))
        try file.save(engaged: true, id: "e1", since: since)
        #expect(file.read() == .engaged(since: "2026-12-04T22:40:00.000000Z", id: "e1"))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory) == ["estop.json"], "no temporary file left")
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text == #"{"engaged":true,"since":"2026-12-04T22:40:00.000000Z","id":"e1"}"# + "\n")
        try file.save(engaged: false, id: nil, since: since)
        #expect(file.read() == .released)
        try file.save(engaged: true, id: nil, since: since)
        #expect(file.read() == .engaged(since: "2026-12-04T22:40:00.000000Z", id: nil))
    }

    @Test(arguments: [
        ("not json", "it is not a JSON object"),
        ("[true]", "it is not a JSON object"),
        (#"{"engaged":"yes"}"#, #"it has no "engaged": true or false"#),
        (#"{"since":"2026-12-04T22:40:00Z"}"#, #"it has no "engaged": true or false"#),
        ("", "it is not a JSON object"),
    ])
    func anUnusableFileCountsAsEngaged(contents: String, problem: String) throws {
        let file = EstopLatchFile(directory: try stateDirectory())
        try contents.write(toFile: file.path, atomically: false, encoding: .utf8)
        #expect(file.read() == .unreadable(problem))
    }

    @Test func anUnreadableFileCountsAsEngaged() throws {
        let file = EstopLatchFile(directory: try stateDirectory())
        try FileManager.default.createDirectory(atPath: file.path, withIntermediateDirectories: false)
        #expect(file.read() == .unreadable("cannot read it: \(Errno.isDirectory)"))
    }

    @Test func aFailedSaveThrowsTheErrno() throws {
        let directory = try stateDirectory()
        let file = EstopLatchFile(directory: directory)
        try FileManager.default.removeItem(atPath: directory)
        #expect(throws: Errno.noSuchFileOrDirectory) {
            try file.save(engaged: true, id: nil, since: .now())
        }
    }

    @Test func prepareCreatesAMissingFolderWith0700() throws {
        let directory = try stateDirectory() + "/robot"
        let file = try EstopLatchFile.prepare(directory: directory)
        #expect(file.path == directory + "/estop.json")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        #expect(try EstopLatchFile.prepare(directory: directory).directory == directory, "an existing folder is fine")
    }

    @Test func prepareNamesTheKeyWhenTheFolderCannotBeUsed() throws {
        let parent = try stateDirectory()
        let deep = parent + "/missing/robot"
        #expect(throws: ConfigError("stateDirectory", "cannot use \(deep): \(Errno.noSuchFileOrDirectory)")) {
            try EstopLatchFile.prepare(directory: deep)
        }
        let plainFile = parent + "/file"
        try "x".write(toFile: plainFile, atomically: false, encoding: .utf8)
        #expect(throws: ConfigError("stateDirectory", "\(plainFile) is not a directory")) {
            try EstopLatchFile.prepare(directory: plainFile)
        }
    }
}
