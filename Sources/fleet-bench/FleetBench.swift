// Placeholder: helper F writes the fleet bench here (scripts/bench-fleet.sh).
@main
struct FleetBench {
    static func main() {}
}
