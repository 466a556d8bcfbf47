import Glibc
public import Hardware
import SystemPackage

/// PWM generated in software on GPIO output lines, for boards whose motor bridge hangs directly off GPIO (the
/// Explorer HAT's DRV8833): one thread of its own toggles the lines at `frequency` against `CLOCK_MONOTONIC`
/// absolute deadlines and sleeps without toggling while every line is at 0 % or 100 %.
///
/// Thread-safe. Lines set to 0 go low before ``setDuties(_:)`` returns. A failed write on the PWM thread stops
/// PWM, drives the lines low and is thrown by the next call. Call ``close()`` (or drop the instance) to stop the
/// thread; the lines are left low.
public final class SoftwarePWM: Sendable {
    /// The PWM frequency in hertz.
    public let frequency: Double
    private let loop: PWMLoop
    private let thread: pthread_t

    /// Starts PWM on `outputs` at `frequency` (10…10 000 Hz) with every line low.
    public init(outputs: any GPIOOutputs, frequency: Double) throws {
        precondition(frequency >= 10 && frequency <= 10_000, "software PWM runs at 10 to 10 000 Hz")
        self.frequency = frequency
        try outputs.setValues(0, mask: outputs.allLinesMask)
        loop = PWMLoop(outputs: outputs, frequency: frequency)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(loop).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { context in
                let loop = Unmanaged<PWMLoop>.fromOpaque(context!).takeRetainedValue()
                CurrentThread.setName("robotd-pwm")
                loop.run()
                return nil
            }, context)
        precondition(result == 0, "unable to start the software PWM thread: \(Errno(rawValue: result))")
        self.thread = thread
    }

    deinit {
        close()
    }

    /// The lines' duty cycles, 0…1.
    public var duties: [Double] {
        loop.lock.withLock { loop.duties }
    }

    /// The Linux thread id of the PWM thread (for `top -H`, `/proc/self/task/<id>`), or nil before it runs.
    public var threadID: Int32? {
        loop.lock.withLock { loop.threadID == 0 ? nil : loop.threadID }
    }

    /// CPU time the PWM thread has used so far, or nil once it has ended.
    public func threadCPUTime() -> Duration? {
        // With the lock held and `closing` unset the thread cannot have ended, so its id is still valid.
        loop.lock.withLock {
            var clock = clockid_t()
            var time = timespec()
            guard !loop.closing, pthread_getcpuclockid(thread, &clock) == 0, clock_gettime(clock, &time) == 0 else {
                return nil
            }
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        }
    }

    /// Sets each line's duty cycle (0…1, clamped; not-a-number counts as 0; one value per line). Lines at 0 are
    /// low when this returns; the others follow within a period.
    ///
    /// If a write on the PWM thread failed since the last call, PWM has stopped: this call throws that error
    /// without applying `duties`, and the next call tries again. After ``close()`` the lines stay low.
    public func setDuties(_ duties: [Double]) throws {
        precondition(duties.count == loop.duties.count, "one duty cycle per line")
        let clamped = duties.map { $0.isNaN ? 0 : min(1, max(0, $0)) }
        try loop.lock.withLock {
            if loop.closing { return }
            try throwPendingFailure()
            loop.duties = clamped
            var idle: UInt64 = 0
            for (line, duty) in clamped.enumerated() where duty == 0 { idle |= 1 << UInt64(line) }
            loop.write(0, mask: idle)
            loop.lock.broadcast()
            try throwPendingFailure()
        }
    }

    /// Sets every line to 0 % and writes them all low before returning, whatever the state (an earlier failure
    /// of the PWM thread is superseded by this write's outcome).
    public func setAllLow() throws {
        try loop.lock.withLock {
            loop.failure = nil
            loop.duties = Array(repeating: 0, count: loop.duties.count)
            loop.write(0, mask: loop.outputs.allLinesMask, force: true)
            loop.lock.broadcast()
            try throwPendingFailure()
        }
    }

    /// With the lock held: hands a recorded failure to the caller, once.
    private func throwPendingFailure() throws {
        if let error = loop.failure {
            loop.failure = nil
            throw error
        }
    }

    /// Stops the PWM thread and waits for it to end, leaving the lines low. Idempotent.
    public func close() {
        let first = loop.lock.withLock {
            defer { loop.closing = true }
            loop.lock.broadcast()
            return !loop.closing
        }
        if first { pthread_join(thread, nil) }
    }
}
