// Placeholder: nat-demo (issue 15) is being written.
@main
struct NATDemo {
    static func main() {}
}
