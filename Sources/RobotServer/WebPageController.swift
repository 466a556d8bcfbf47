import Crypto
import Hummingbird

/// The drive page at `/` (`index.html`, `app.css`, and `app.js` with the ES modules it imports): plain files in
/// `Sources/RobotServer/Resources`, compiled into the binary (SwiftPM's `embedInCode`), so an installed robot-server
/// needs nothing beside it.
///
/// No token is needed to load the page (it holds no secret); everything it does afterwards is authenticated.
/// Answers carry an `ETag` (revalidated with `If-None-Match`) and a Content-Security-Policy that allows only
/// this origin's scripts, styles and connections (`connect-src 'self'`, which covers the same origin's ws:/wss:
/// in CSP 3 browsers): an injected script could not send the token or the video anywhere else.
struct WebPageController: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String

        init(_ bytes: [UInt8], contentType: String) {
            self.bytes = bytes
            self.contentType = contentType
            etag = "\"" + Hex.string(SHA256.hash(data: bytes).prefix(12)) + "\""
        }
    }

    let files: [String: File] = {
        var files = [
            "/": File(PackageResources.index_html, contentType: "text/html; charset=utf-8"),
            "/app.css": File(PackageResources.app_css, contentType: "text/css; charset=utf-8"),
        ]
        for (path, bytes) in Self.modules {
            files[path] = File(bytes, contentType: "text/javascript; charset=utf-8")
        }
        return files
    }()

    /// The page's ES modules (`app.js` imports the others by relative path; docs/PAGE.md says what each holds).
    static let modules: [(String, [UInt8])] = [
        ("/app.js", PackageResources.app_js), ("/page.js", PackageResources.page_js),
        ("/signaling.js", PackageResources.signaling_js), ("/peer.js", PackageResources.peer_js),
        ("/link.js", PackageResources.link_js), ("/probe.js", PackageResources.probe_js),
        ("/drive.js", PackageResources.drive_js), ("/gamepad.js", PackageResources.gamepad_js),
        ("/sound.js", PackageResources.sound_js), ("/talk.js", PackageResources.talk_js),
        ("/telemetry.js", PackageResources.telemetry_js), ("/control.js", PackageResources.control_js),
        ("/estop.js", PackageResources.estop_js), ("/battery.js", PackageResources.battery_js),
    ]

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "media-src 'self' blob: mediastream:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
    ]

    func addRoutes(to router: Router<some RequestContext>) {
        for (path, file) in files {
            router.get(RouterPath(path)) { request, _ -> Response in
                var headers = Self.securityHeaders
                headers[.contentType] = file.contentType
                headers[.eTag] = file.etag
                headers[.cacheControl] = "no-cache"
                if request.headers[.ifNoneMatch] == file.etag {
                    return Response(status: .notModified, headers: headers)
                }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
            }
        }
        router.get("/index.html") { _, _ -> Response in
            Response(status: .movedPermanently, headers: [.location: "/"])
        }
    }
}
