public import Foundation

extension RepositoryPaths {
    /// A file in `Tests/Fixtures/`, e.g. `fixture("fake_producer.py")`.
    public static func fixture(_ name: String) -> URL {
        root.appending(path: "Tests/Fixtures/\(name)")
    }
}
