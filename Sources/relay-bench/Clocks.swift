import Basics
import Glibc

/// CLOCK_REALTIME in µs: the publisher stamps it into each message and the receiver compares its own reading with
/// it (both on one machine), for the end-to-end rate and the per-message latency.
func wallClockMicroseconds() -> Int64 {
    Timestamp.now().microsecondsSinceEpoch
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// `value` with `decimals` digits after the point (no Foundation).
func fixed(_ value: Double, _ decimals: Int = 0) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    let sign = scaled < 0 ? "-" : ""
    let magnitude = scaled.magnitude
    let whole = magnitude / UInt64(scale)
    guard decimals > 0 else { return "\(sign)\(whole)" }
    let fraction = String(magnitude % UInt64(scale))
    return "\(sign)\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
}

/// `value` with thousands separators, e.g. 100,000.
func grouped(_ value: Int) -> String {
    let digits = Array(String(value.magnitude))
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return value < 0 ? "-" + out : out
}

/// Writes a line on stdout at once, unbuffered (the bench script waits for lines while the process runs).
func say(_ line: String) {
    writeLine(line, to: STDOUT_FILENO)
}

/// Writes a line on stderr.
func warn(_ line: String) {
    writeLine(line, to: STDERR_FILENO)
}

private func writeLine(_ line: String, to descriptor: Int32) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if result < 0, errno == EINTR { continue }
        guard result > 0 else { return }
        written += result
    }
}

/// The CPU time (user + system) this process has used so far, in ms; the bench script subtracts it from the
/// machine's busy time to show what everything else used.
func ownCPUMilliseconds() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    let user = Int(usage.ru_utime.tv_sec) * 1000 + Int(usage.ru_utime.tv_usec) / 1000
    let system = Int(usage.ru_stime.tv_sec) * 1000 + Int(usage.ru_stime.tv_usec) / 1000
    return user + system
}
