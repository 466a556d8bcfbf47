import Foundation
import Glibc
import TestSupport

/// A staging root for `scripts/install.sh --root`, with fake system commands first on `PATH`.
///
/// The fakes record every call in ``log``. `groupadd`, `useradd` and `usermod` model the real ones on the
/// root's own `/etc/group` and `/etc/passwd` (the real ones need root and a complete root file system);
/// `systemctl` hands over to the real one, which enables units offline under `--root`; `apt-get` and
/// `raspi-config` only record — a staged install must never call them. `apt-cache` is a fake that knows only the
/// packages ``aptCache(knows:)`` names (none at first), so that the host's archive never decides.
struct FakeSystem {
    let folder: URL
    let root: URL
    let bin: URL
    let log: URL
    /// Prebuilt "binaries" for `--binaries`: small scripts named robotd, robot-server and robot-webrtc.
    let binaries: URL
    /// Stands in for the Amazon root CA, served as a `file://` URL.
    let certificateAuthority: URL

    static let commands = ["apt-get", "raspi-config", "groupadd", "useradd", "usermod", "systemctl"]

    static let stub = #"""
        #!/usr/bin/env bash
        set -euo pipefail
        name=${0##*/}
        printf '%s\n' "$name $*" >>"$FAKE_SYSTEM_LOG"
        root= args=()
        while [[ $# -gt 0 ]]; do
            case $1 in
                --root) root=$2; shift ;;
                --root=*) root=${1#--root=} ;;
                *) args+=("$1") ;;
            esac
            shift
        done
        next_id() { echo $((900 + $(cat "$root/etc/group" "$root/etc/passwd" 2>/dev/null | wc -l))); }
        option() { for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} == "$1" ]] && echo "${args[i + 1]}"; done; true; }
        case $name in
            groupadd)
                mkdir -p "$root/etc"
                echo "${args[-1]}:x:$(next_id):" >>"$root/etc/group" ;;
            useradd)
                gid=$(grep "^$(option --gid):" "$root/etc/group" | cut -d: -f3)
                echo "${args[-1]}:x:$(next_id):$gid::$(option --home-dir):$(option --shell)" >>"$root/etc/passwd" ;;
            usermod)
                for group in $(option --groups | tr , ' '); do
                    sed -i -E "s/^($group:[^:]*:[^:]*:)(.*)$/\1\2,${args[-1]}/; s/^($group:[^:]*:[^:]*:),/\1/" "$root/etc/group"
                done ;;
            systemctl)
                for real in /usr/bin/systemctl /bin/systemctl; do
                    [[ -x $real ]] && exec "$real" ${root:+--root="$root"} "${args[@]}"
                done
                echo "systemctl not installed" >&2
                exit 1 ;;
        esac
        """#

    init() throws {
        folder = try ScratchDirectory.make("install")
        root = folder.appending(path: "root", directoryHint: .isDirectory)
        bin = folder.appending(path: "bin", directoryHint: .isDirectory)
        binaries = folder.appending(path: "binaries", directoryHint: .isDirectory)
        log = folder.appending(path: "calls.log")
        certificateAuthority = folder.appending(path: "AmazonRootCA1.pem")
        let files = FileManager.default
        for directory in [root, bin, binaries] {
            try files.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try Self.write(Self.stub, to: folder.appending(path: "stub"), mode: 0o755)
        for command in Self.commands {
            try files.createSymbolicLink(atPath: bin.appending(path: command).path, withDestinationPath: "../stub")
        }
        for product in ["robotd", "robot-server", "robot-webrtc"] {
            try Self.write(
                "#!/bin/sh\necho \"fake \(product) $*\"\n", to: binaries.appending(path: product), mode: 0o755)
        }
        try Self.write(
            "-----BEGIN CERTIFICATE-----\nZmFrZSByb290IENB\n-----END CERTIFICATE-----\n", to: certificateAuthority,
            mode: 0o644)
        try Data().write(to: log)
        try aptCache(knows: [])
    }

    /// Makes the fake `apt-cache show PACKAGE` succeed for `packages` only (as when the archive has them).
    func aptCache(knows packages: [String]) throws {
        try Self.write(
            """
            #!/bin/sh
            echo "apt-cache $*" >>"$FAKE_SYSTEM_LOG"
            [ "$1" = show ] || exit 100
            for known in \(packages.joined(separator: " ")); do
                if [ "$2" = "$known" ]; then echo "Package: $known"; exit 0; fi
            done
            echo "E: No packages found" >&2
            exit 100

            """, to: bin.appending(path: "apt-cache"), mode: 0o755)
    }

    static func write(_ text: String, to url: URL, mode: Int) throws {
        try text.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    /// Runs `scripts/install.sh --root ROOT ARGUMENTS` with the fakes first on PATH.
    func install(
        _ arguments: [String] = [], environment: [String: String] = [:], staged: Bool = true
    ) async throws -> ChildProcess.Result {
        var variables = [
            "PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "FAKE_SYSTEM_LOG": log.path,
            "ROBOT_CA_URL": certificateAuthority.absoluteString,
            "MOTOR_DRIVER": "", "ROBOT_NAME": "", "ROBOT_SWIFT": "", "SUDO_USER": "",
        ]
        variables.merge(environment) { _, new in new }
        let rootArguments = staged ? ["--root", root.path] : []
        return try await ChildProcess.run(
            RepositoryPaths.script("install.sh").path, rootArguments + arguments, environment: variables,
            timeout: .seconds(120))
    }

    /// The fakes' calls so far, one line each: `groupadd --root /… --system i2c`.
    var calls: [String] {
        (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    }

    /// A path inside the staging root, e.g. `path("/etc/robot/config.json")`.
    func path(_ absolute: String) -> URL {
        root.appending(path: String(absolute.dropFirst()))
    }

    /// The numeric id of a user or group in the staging root's own database.
    func id(of name: String, in database: String) -> UInt32? {
        let text = (try? String(contentsOf: path("/etc/\(database)"), encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 2, fields[0] == name { return UInt32(fields[2]) }
        }
        return nil
    }

    /// Members of a group in the staging root.
    func members(of group: String) -> [String] {
        let text = (try? String(contentsOf: path("/etc/group"), encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count == 4, fields[0] == group { return fields[3].split(separator: ",").map(String.init) }
        }
        return []
    }

    /// Every file and folder under the root with its modification time, to prove a run changed nothing.
    func snapshot() throws -> [String: Date] {
        var result: [String: Date] = [:]
        let files = FileManager.default
        guard let walker = files.enumerator(atPath: root.path) else { return result }
        while let relative = walker.nextObject() as? String {
            let attributes = try files.attributesOfItem(atPath: root.appending(path: relative).path)
            result[relative] = attributes[.modificationDate] as? Date
        }
        return result
    }
}

/// `stat(2)`: mode bits and numeric owner of a file.
struct FileStatus: Equatable, CustomStringConvertible {
    let mode: UInt32
    let uid: UInt32
    let gid: UInt32

    init(_ url: URL) throws {
        var buffer = stat()
        guard lstat(url.path, &buffer) == 0 else {
            throw TestSupportError("cannot stat \(url.path): \(String(cString: strerror(errno)))")
        }
        mode = UInt32(buffer.st_mode) & 0o7777
        uid = buffer.st_uid
        gid = buffer.st_gid
    }

    var description: String { "mode \(String(mode, radix: 8)) owner \(uid):\(gid)" }
}
