public import Hardware
import Synchronization
public import SystemPackage

/// GPIO output lines modelled in memory with a timestamp for every change, so that the real software-PWM code
/// runs against it and tests measure what a logic analyser would: a line's level, its duty cycle and its
/// frequency over a time window.
///
/// Thread-safe: the PWM thread writes while the test reads. Only changes of level are recorded, as on a wire.
public final class GPIOLineModel: GPIOOutputs {
    /// A change of one line's level.
    public struct Transition: Equatable, Sendable {
        /// When it happened.
        public var time: ContinuousClock.Instant
        /// The new level.
        public var high: Bool
    }

    private struct State {
        var values: UInt64 = 0
        var transitions: [[Transition]]
        var setCalls = 0
        var failure: Errno?
        var failingWrites = 0
        var failedWrites = 0
    }

    public let lineCount: Int
    private let state: Mutex<State>

    /// `lineCount` lines, all low.
    public init(lineCount: Int) {
        precondition((1...64).contains(lineCount), "a line request holds 1 to 64 lines")
        self.lineCount = lineCount
        state = Mutex(State(transitions: Array(repeating: [], count: lineCount)))
    }

    public func setValues(_ bits: UInt64, mask: UInt64) throws {
        let now = ContinuousClock.now
        try state.withLock { state in
            state.setCalls += 1
            if state.failingWrites > 0 || state.failure != nil {
                state.failingWrites = max(0, state.failingWrites - 1)
                state.failedWrites += 1
                throw HardwareError(
                    operation: .setLines, device: "GPIOLineModel", lines: Array(0..<UInt32(lineCount)),
                    errno: state.failure ?? .ioError)
            }
            let updated = (state.values & ~mask) | (bits & mask)
            for line in 0..<lineCount where (updated ^ state.values) & (1 << UInt64(line)) != 0 {
                state.transitions[line].append(Transition(time: now, high: updated & (1 << UInt64(line)) != 0))
            }
            state.values = updated
        }
    }

    /// When set, every `setValues` fails with this error number (e.g. `EIO` for a chip that vanished).
    public var failure: Errno? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }

    /// The next `count` calls of `setValues` fail with `EIO` (or ``failure`` when set), changing nothing.
    public func failNextWrites(_ count: Int) {
        state.withLock { $0.failingWrites = count }
    }

    /// How many calls of `setValues` failed.
    public var failedWriteCount: Int {
        state.withLock { $0.failedWrites }
    }

    /// The current levels (bit i = line i).
    public var values: UInt64 {
        state.withLock { $0.values }
    }

    /// Whether `line` is high now.
    public func isHigh(_ line: Int) -> Bool {
        values & (1 << UInt64(line)) != 0
    }

    /// How many times `setValues` was called (each one is an ioctl on real hardware).
    public var setCallCount: Int {
        state.withLock { $0.setCalls }
    }

    /// Every change of `line`, in order.
    public func transitions(_ line: Int) -> [Transition] {
        state.withLock { $0.transitions[line] }
    }

    /// The changes of `line` within `start..<end`.
    public func transitions(_ line: Int, from start: ContinuousClock.Instant, to end: ContinuousClock.Instant)
        -> [Transition]
    {
        transitions(line).filter { $0.time >= start && $0.time < end }
    }

    /// The fraction of `start..<end` during which `line` was high.
    public func dutyCycle(_ line: Int, from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let all = transitions(line)
        var high = all.last(where: { $0.time < start })?.high ?? false
        var since = start
        var highTime = Duration.zero
        for transition in all where transition.time >= start && transition.time < end {
            if high { highTime += transition.time - since }
            high = transition.high
            since = transition.time
        }
        if high { highTime += end - since }
        return highTime / (end - start)
    }

    /// Rising edges of `line` per second within `start..<end`.
    public func frequency(_ line: Int, from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let rises = transitions(line, from: start, to: end).filter(\.high).count
        return Double(rises) / ((end - start) / .seconds(1))
    }

    /// The high times (rising edge to falling edge) of `line` within `start..<end`.
    public func pulseWidths(_ line: Int, from start: ContinuousClock.Instant, to end: ContinuousClock.Instant)
        -> [Duration]
    {
        var widths: [Duration] = []
        var rise: ContinuousClock.Instant?
        for transition in transitions(line, from: start, to: end) {
            if transition.high {
                rise = transition.time
            } else if let risen = rise {
                widths.append(transition.time - risen)
                rise = nil
            }
        }
        return widths
    }

    /// The times between successive rising edges of `line` within `start..<end`: the PWM periods.
    public func periods(_ line: Int, from start: ContinuousClock.Instant, to end: ContinuousClock.Instant)
        -> [Duration]
    {
        let rises = transitions(line, from: start, to: end).filter(\.high).map(\.time)
        return zip(rises.dropFirst(), rises).map { $0 - $1 }
    }
}
