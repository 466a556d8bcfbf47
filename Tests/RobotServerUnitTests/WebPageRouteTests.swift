import Hummingbird
import HummingbirdTesting
@testable import RobotServer
import Testing

/// The drive page's files as a browser loads them: `index.html` loads `app.js` as an ES module, which imports the
/// others by relative path; each must be served, as JavaScript, under the page's Content-Security-Policy.
@Suite(.timeLimit(.minutes(1))) struct WebPageRouteTests {
    func withPage(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router()
        WebPageController().addRoutes(to: router)
        try await Application(router: router).test(.router) { client in try await test(client) }
    }

    /// Every `from './x.js'` in a module's text, as the path the browser asks for (`/x.js`).
    static func imports(of text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("import "), let from = line.range(of: "from './") else { return nil }
            let rest = line[from.upperBound...]
            guard let end = rest.firstIndex(of: "'") else { return nil }
            return "/" + rest[..<end]
        }
    }

    @Test func theIndexLoadsAppAsAModule() async throws {
        try await withPage { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"<script type="module" src="/app.js"></script>"#))
            }
        }
    }

    @Test func everyModuleTheAppImportsIsServedAsJavaScriptUnderThePolicy() async throws {
        try await withPage { client in
            var seen: Set<String> = []
            var queue = ["/app.js"]
            while let path = queue.popLast() {
                guard seen.insert(path).inserted else { continue }
                let text = try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers[.contentType] == "text/javascript; charset=utf-8", "\(path)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                    #expect(response.headers[.cacheControl] == "no-cache", "\(path)")
                    #expect(response.headers[.eTag] != nil, "\(path)")
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("script-src 'self';"), "\(path): \(policy)")
                    return String(buffer: response.body)
                }
                queue += Self.imports(of: text)
            }
            #expect(seen.count > 1, "app.js imports its modules: \(seen)")
            let served = Set(WebPageController.modules.map(\.0))
            #expect(seen == served, "every module served is imported, every import served")
        }
    }

    @Test func aModuleRevalidatesWithItsETag() async throws {
        try await withPage { client in
            let etag = try await client.execute(uri: "/drive.js", method: .get) { $0.headers[.eTag] }
            let again = try await client.execute(
                uri: "/drive.js", method: .get, headers: [.ifNoneMatch: try #require(etag)]
            ) { $0.status }
            #expect(again == .notModified)
        }
    }
}
