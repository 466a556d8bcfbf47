import Basics
import SignalingProtocol

/// The lease as one principal sees it: the `control` frame and `GET /robots/{thing}/control` (``ControlStatus``).
extension ControlLease {
    /// Whom a status is for: its identity and name, and its roles on the robot that matter here.
    struct Viewer: Sendable, Equatable {
        var driver: Driver
        /// The `drive` role on the robot.
        var mayDrive: Bool
        /// The `admin` role on the robot: it may take the lease over.
        var admin: Bool
    }

    /// The lease as it stands (the holder as stored: the shell expires idle leases before it reads), for `viewer`.
    func status(for viewer: Viewer) -> ControlStatus {
        ControlStatus(
            holder: holder?.status,
            request: request.map { .init(name: $0.driver.name, at: Self.text($0.at)) },
            idleSeconds: idleSeconds,
            you: .init(
                name: viewer.driver.name, driving: holder?.driver == viewer.driver, mayDrive: viewer.mayDrive,
                admin: viewer.admin))
    }

    /// `2026-12-04T22:40:00Z`: whole seconds, as people read them.
    static func text(_ time: Timestamp) -> String {
        String(time.iso8601.prefix(19)) + "Z"
    }
}

extension ControlLease.Holder {
    /// The holder as the status shows it.
    var status: ControlStatus.Holder {
        .init(name: driver.name, since: ControlLease.text(since))
    }
}

extension ControlLease.Driver {
    /// `principal` as the lease knows it.
    init(_ principal: Principal) {
        self.init(identity: SignalingHub.identity(of: principal), name: principal.name)
    }
}

extension ControlLease.Viewer {
    /// `principal`, with its roles on `thing`.
    init(_ principal: Principal, on thing: String) {
        self.init(
            driver: .init(principal), mayDrive: principal.permissions.permits(.drive, robot: thing),
            admin: principal.permissions.permits(.admin, robot: thing))
    }
}
