import RobotDaemon
import Testing

/// The watchdog's judgement of the drive loop and the status line, as pure functions of a ``DriveLiveness``.
@Suite struct SystemdSupervisionTests {
    @Test func aMotionWithinItsDeadlineOrSlightlyLateIsHealthy() {
        #expect(SystemdSupervision.problem(DriveLiveness(running: true, connected: true, moving: false)) == nil)
        #expect(SystemdSupervision.problem(DriveLiveness(running: true, connected: true, moving: true)) == nil)
        let late = DriveLiveness(running: true, connected: true, moving: true, overdue: .milliseconds(30))
        #expect(SystemdSupervision.problem(late) == nil, "a timer waking a little late is normal")
    }

    @Test func aMotionFarPastItsDeadlineTriggersTheWatchdog() {
        let stuck = DriveLiveness(running: true, connected: true, moving: true, overdue: .milliseconds(1500))
        #expect(SystemdSupervision.problem(stuck) == "the motors kept driving 1.5 seconds past their deadline")
    }

    @Test func theStatusSaysWhereItConnectsAndWhatTheMotorsDo() {
        let offline = DriveLiveness(running: true, connected: false, moving: false)
        #expect(
            SystemdSupervision.status(offline, endpoint: "broker:8883") == "connecting to broker:8883; motors stopped")
        let driving = DriveLiveness(running: true, connected: true, moving: true, commands: 7, rejected: 2)
        #expect(
            SystemdSupervision.status(driving, endpoint: "broker:8883")
                == "online at broker:8883; motors driving; 7 commands, 2 rejected")
    }
}
