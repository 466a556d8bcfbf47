/// What one credential may do: a list of grants, each a set of robots and the roles it has on them.
///
/// A static token has one grant (its `robots` and `roles`); a JWT has one per scope it carries that the
/// configuration maps. Checks are pure: ``permits(_:robot:)`` for one robot, ``permitsEverywhere(_:)`` for
/// what is not about one robot (the relay).
public struct Permissions: Sendable, Equatable, CustomStringConvertible {
    /// Some roles on some robots.
    public struct Grant: Sendable, Equatable {
        public var robots: RobotSet
        public var roles: Set<Role>

        public init(robots: RobotSet, roles: Set<Role> = Role.defaults) {
            self.robots = robots
            self.roles = roles
        }
    }

    public var grants: [Grant]

    public init(_ grants: [Grant] = []) {
        self.grants = grants
    }

    /// Whether some grant gives `role` on `robot`.
    public func permits(_ role: Role, robot: String) -> Bool {
        grants.contains { $0.roles.contains(role) && $0.robots.allows(robot) }
    }

    /// Whether some grant gives `role` on every robot (`"robots": ["*"]`).
    public func permitsEverywhere(_ role: Role) -> Bool {
        grants.contains { $0.roles.contains(role) && $0.robots == .all }
    }

    /// Whether `robot` appears in any grant, whatever the role.
    public func mentions(_ robot: String) -> Bool {
        grants.contains { !$0.roles.isEmpty && $0.robots.allows(robot) }
    }

    /// No role on any robot.
    public var isEmpty: Bool {
        !grants.contains { !$0.roles.isEmpty && $0.robots != .some([]) }
    }

    public static func + (lhs: Permissions, rhs: Permissions) -> Permissions {
        Permissions(lhs.grants + rhs.grants)
    }

    /// `drive, view on sts-pi; produce on every robot` (`nothing` when empty).
    public var description: String {
        let parts = grants.filter { !$0.roles.isEmpty && $0.robots != .some([]) }.map { grant in
            "\(grant.roles.sorted().map(\.rawValue).joined(separator: ", ")) on \(grant.robots)"
        }
        return parts.isEmpty ? "nothing" : parts.joined(separator: "; ")
    }
}
