import Glibc
import Hardware

/// The state and loop of a software PWM thread (see ``SoftwarePWM``).
///
/// `@unchecked Sendable`: every `var` is read and written only with `lock` held; `outputs` is `Sendable`.
final class PWMLoop: @unchecked Sendable {
    let outputs: any GPIOOutputs
    let periodNanoseconds: UInt64
    let lock = ConditionLock()

    // Guarded by `lock`.
    /// Duty cycle per line, 0…1.
    var duties: [Double]
    /// The line values last written (bit i = line i).
    var lineState: UInt64 = 0
    /// Set by `SoftwarePWM.close()`: the loop ends.
    var closing = false
    /// A failed write not yet thrown to a caller; PWM has stopped (every duty cycle is 0).
    var failure: (any Error)?
    /// Whether a write failed since the last successful one: the lines' real state is unknown, so the next
    /// write is made even if `lineState` says it changes nothing.
    var faulted = false
    /// The Linux thread id of the PWM thread, once running.
    var threadID: Int32 = 0

    init(outputs: any GPIOOutputs, frequency: Double) {
        self.outputs = outputs
        periodNanoseconds = UInt64((1e9 / frequency).rounded())
        duties = Array(repeating: 0, count: outputs.lineCount)
    }

    /// Lines with a duty cycle above 0: high at the start of each period.
    private var activeMask: UInt64 {
        duties.indices.reduce(0) { mask, line in duties[line] > 0 ? mask | (1 << UInt64(line)) : mask }
    }

    /// The thread body: at each period start the active lines go high, and each goes low after its duty cycle.
    /// A change of which lines are active starts a new period at once; a change of duty alone takes effect within
    /// the current period. With no active line, or only lines at 100 %, the thread sleeps until the next change.
    func run() {
        lock.withLock {
            threadID = CurrentThread.id() ?? 0
            var periodStart: UInt64?
            var periodMask: UInt64 = 0
            while !closing {
                let active = activeMask
                if active == 0 {
                    periodStart = nil
                    lock.wait(untilNanoseconds: nil)
                    continue
                }
                let now = MonotonicClock.now()
                if let start = periodStart, active == periodMask, now < start + periodNanoseconds {
                    // Still inside the current period.
                } else {
                    // Keep the phase when on time; restart it after a change or a late wake-up.
                    if let start = periodStart, active == periodMask, now < start + 2 * periodNanoseconds {
                        periodStart = start + periodNanoseconds
                    } else {
                        periodStart = now
                    }
                    periodMask = active
                    guard write(active, mask: outputs.allLinesMask) else { continue }
                }
                let start = periodStart ?? now
                var nextWake: UInt64? = nil
                var toLower: UInt64 = 0
                for line in duties.indices where lineState & (1 << UInt64(line)) != 0 && duties[line] < 1 {
                    let off = start + UInt64(duties[line] * Double(periodNanoseconds))
                    if now >= off { toLower |= 1 << UInt64(line) } else { nextWake = min(nextWake ?? off, off) }
                }
                if toLower != 0 { guard write(0, mask: toLower) else { continue } }
                let heldHigh = duties.indices.allSatisfy { active & (1 << UInt64($0)) == 0 || duties[$0] >= 1 }
                if heldHigh && lineState & active == active {
                    lock.wait(untilNanoseconds: nil)
                } else {
                    lock.wait(untilNanoseconds: min(nextWake ?? .max, start + periodNanoseconds))
                }
            }
            write(0, mask: outputs.allLinesMask, force: true)
        }
    }

    /// With `lock` held: writes lines, keeping `lineState` in step and skipping writes that change nothing unless
    /// `force`d or `faulted`. On failure stops PWM (every duty 0, a last attempt at all lines low) and keeps the
    /// error in `failure`.
    @discardableResult
    func write(_ bits: UInt64, mask: UInt64, force: Bool = false) -> Bool {
        let desired = (lineState & ~mask) | (bits & mask)
        if desired == lineState && !force && !faulted { return true }
        do {
            try outputs.setValues(faulted ? desired : bits, mask: faulted ? outputs.allLinesMask : mask)
            lineState = desired
            faulted = false
            return true
        } catch {
            failure = failure ?? error
            faulted = true
            duties = Array(repeating: 0, count: duties.count)
            try? outputs.setValues(0, mask: outputs.allLinesMask)
            lineState = 0
            return false
        }
    }
}
