import ServiceLifecycle

/// Expires idle control leases once a second, so that viewers hear that nobody drives any more (the lease itself
/// expires lazily: a command after `control.idleSeconds` finds it free whether or not the sweep has run).
struct ControlLeaseSweep: Service {
    let leases: ControlLeases
    var period: Duration = .seconds(1)

    func run() async {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: period)) != nil {
                leases.sweep()
            }
        }
    }
}
