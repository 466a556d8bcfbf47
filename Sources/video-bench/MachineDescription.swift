import BrowserControl
import Foundation
import TestSupport

/// The machine and the software the numbers were measured on, as name–value pairs.
enum MachineDescription {
    static func collect() async -> [(String, String)] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "unknown"
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("MemTotal:") }?.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        return [
            ("CPUs", "\(ProcessInfo.processInfo.activeProcessorCount) (\(model))"),
            ("memory", memory.map { "\(($0 / 1024 / 1024 * 10).rounded() / 10) GiB" } ?? "unknown"),
            ("kernel", kernel.trimmingCharacters(in: .whitespacesAndNewlines)),
            ("browser", await firstLine(of: Chromium.executable, ["--version"])),
            (
                "GStreamer",
                await firstLine(of: "gst-inspect-1.0", ["--version"], matching: "GStreamer ")
                    .replacingOccurrences(of: "GStreamer ", with: "")
            ),
        ]
    }

    /// The first line of a command's output (that contains `matching`), or "unknown".
    private static func firstLine(of command: String, _ arguments: [String], matching: String? = nil) async -> String {
        guard let result = try? await ChildProcess.run(command, arguments, timeout: .seconds(20)) else {
            return "unknown"
        }
        let lines = result.standardOutput.split(separator: "\n")
        return lines.first { matching.map($0.contains) ?? true }.map(String.init) ?? "unknown"
    }
}
