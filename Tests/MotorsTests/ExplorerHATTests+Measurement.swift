import Foundation
import Motors
import TestSupport
import Testing

extension ExplorerHATTests {
    /// Measures, and prints, what the software PWM costs and how steady it is with both motors at 50 %: the PWM
    /// thread's CPU time (its `pthread_getcpuclockid` clock, cross-checked with utime + stime from
    /// `/proc/self/task/<tid>/stat`) over a 3 s window, and the spread of its periods and pulse widths as the line
    /// model timestamps them. Asserts only generous bounds; the printed figures are the point.
    @Test("CPU use and jitter of the PWM thread at 50 % (measurement)", arguments: [100.0, 200.0])
    func measure(frequency: Double) async throws {
        let lines = GPIOLineModel(lineCount: 4)
        let hat = try ExplorerHAT(outputs: lines, frequency: frequency)
        defer { hat.close() }
        try hat.setMotors(0.5, 0.5)
        try await Task.sleep(for: .milliseconds(100))
        let tid = try #require(hat.pwm.threadID)
        let cpuBefore = try #require(hat.pwm.threadCPUTime())
        let ticksBefore = try Self.procTicks(tid)
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        let end = ContinuousClock.now
        let cpuAfter = try #require(hat.pwm.threadCPUTime())
        let ticksAfter = try Self.procTicks(tid)

        let wall = (end - start) / .seconds(1)
        let cpu = (cpuAfter - cpuBefore) / .seconds(1) / wall
        let procCPU = Double(ticksAfter - ticksBefore) / Double(sysconf(Int32(_SC_CLK_TCK))) / wall
        let periods = lines.periods(Self.m1Forward, from: start, to: end).map { $0 / .microseconds(1) }
        let widths = lines.pulseWidths(Self.m1Forward, from: start, to: end).map { $0 / .microseconds(1) }
        let nominal = 1e6 / frequency
        let duty = lines.dutyCycle(Self.m1Forward, from: start, to: end)
        print(
            """
            software PWM \(Int(frequency)) Hz, both motors 50 %, \(String(format: "%.2f", wall)) s:
              PWM thread CPU \(String(format: "%.2f", cpu * 100)) % (thread CPU clock), \
            \(String(format: "%.1f", procCPU * 100)) % (/proc/self/task/\(tid)/stat, 10 ms ticks)
              line calls \(lines.setCallCount), periods \(periods.count): mean \(Self.f(Self.mean(periods))) µs \
            (nominal \(Self.f(nominal))), sd \(Self.f(Self.sd(periods))) µs, \
            worst \(Self.f(periods.map { abs($0 - nominal) }.max() ?? 0)) µs off
              pulse widths: mean \(Self.f(Self.mean(widths))) µs (nominal \(Self.f(nominal / 2))), \
            sd \(Self.f(Self.sd(widths))) µs, duty \(String(format: "%.3f", duty))
            """)
        #expect(cpu < 0.25)
        #expect(abs(Self.mean(periods) - nominal) < nominal * 0.1)
    }

    /// utime + stime of a thread of this process, in clock ticks.
    private static func procTicks(_ tid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        return try #require(Int(fields[11])) + #require(Int(fields[12]))
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    private static func sd(_ values: [Double]) -> Double {
        let average = mean(values)
        return values.isEmpty
            ? 0 : (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count)).squareRoot()
    }

    private static func f(_ value: Double) -> String {
        String(format: "%.0f", value)
    }
}
