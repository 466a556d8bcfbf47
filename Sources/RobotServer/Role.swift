/// What a credential may do with a robot (`docs/AUTH.md`).
///
/// Roles are granted per robot and checked per request: `drive` for `POST /publish` (and driving from the
/// page), `view` to watch a robot (`role=viewer` on signaling), `produce` to be its video producer
/// (`role=producer`), `admin` for the relay's routes (`/relay/…`, which need `admin` on every robot).
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    case drive
    case view
    case produce
    case admin

    /// What a static token or JWT scope without `roles` gets, as before roles existed: drive and watch.
    public static let defaults: Set<Role> = [.drive, .view]

    /// `drive, view, produce, admin`: the names a config may use, in this order.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
