import CGStreamer

/// Process-wide GStreamer set-up and element look-ups.
public enum GStreamer {
    private static let initialization: Result<Void, GStreamerError> = {
        var error: UnsafeMutablePointer<GError>?
        guard gst_init_check(nil, nil, &error) != 0 else {
            let message = GStreamerError.take(error) ?? "unknown reason"
            return .failure(GStreamerError("cannot initialise GStreamer: \(message)"))
        }
        return .success(())
    }()

    /// Initialises GStreamer once (thread-safe); throws if the library cannot start.
    public static func initialize() throws(GStreamerError) {
        try initialization.get()
    }

    /// Whether an element factory called `name` is installed (e.g. "x264enc", "libcamerasrc").
    public static func hasElement(_ name: String) -> Bool {
        guard (try? initialize()) != nil, let factory = gst_element_factory_find(name) else { return false }
        gst_object_unref(UnsafeMutableRawPointer(factory))
        return true
    }

    /// The GStreamer version, e.g. "1.22.0".
    public static var version: String {
        guard (try? initialize()) != nil, let text = gst_version_string() else { return "unknown" }
        defer { g_free(text) }
        return String(cString: text)
    }
}

/// A GStreamer failure, with what was being done.
public struct GStreamerError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The message of a `GError` the caller owns, which is freed.
    static func take(_ error: UnsafeMutablePointer<GError>?) -> String? {
        guard let error else { return nil }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) }
    }
}
