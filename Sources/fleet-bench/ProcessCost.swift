import TestSupport

/// The processes a run watches (`--watch name=pid`): CPU time over a phase, from /proc/PID/stat, and resident
/// memory at its end. Several processes may share a name (two robot-servers, nginx's workers): they are summed.
struct ProcessCost {
    struct Watched {
        var name: String
        var pid: Int32
    }

    struct Sample {
        var ticks: [String: Int]
        var at: ContinuousClock.Instant
    }

    let watched: [Watched]

    /// Parses `name=pid`.
    init(_ specifications: [String]) throws {
        watched = try specifications.map { specification in
            let parts = specification.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let pid = Int32(parts[1]) else {
                throw FleetBenchError("--watch \(specification): expected name=pid")
            }
            return Watched(name: String(parts[0]), pid: pid)
        }
    }

    var names: [String] {
        watched.map(\.name).reduce(into: [String]()) { names, name in
            if !names.contains(name) { names.append(name) }
        }
    }

    func sample() -> Sample {
        var ticks: [String: Int] = [:]
        for process in watched {
            ticks[process.name, default: 0] += ProcessMeter.stat(process.pid)?.cpuTicks ?? 0
        }
        return Sample(ticks: ticks, at: .now)
    }

    /// % of one core per name between two samples.
    func percent(from start: Sample, to end: Sample) -> [String: Double] {
        let seconds = (end.at - start.at).seconds
        return end.ticks.reduce(into: [:]) { result, entry in
            result[entry.key] = ProcessMeter.percentOfOneCore(
                ticks: entry.value - (start.ticks[entry.key] ?? 0), seconds: seconds)
        }
    }

    /// Resident memory per name now, in MiB.
    func residentMiB() -> [String: Double] {
        var kib: [String: Int] = [:]
        for process in watched {
            kib[process.name, default: 0] += ProcessMeter.statusKiB(process.pid, "VmRSS") ?? 0
        }
        return kib.mapValues { Double($0) / 1024 }
    }
}

struct FleetBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
