public import Foundation
import HummingbirdWSClient
import Logging
public import StrictJSON
import Synchronization
public import TestSupport

/// A Chrome DevTools protocol client on the browser's WebSocket (HummingbirdWSClient), in flat session mode:
/// one socket, commands for a page carry its `sessionId`.
public final class DevTools: Sendable {
    public struct ProtocolError: Error, CustomStringConvertible {
        public var method: String
        public var error: JSONValue
        public var description: String { "DevTools \(method) failed: \(error.serializedString())" }
    }

    private let nextID = Atomic<Int>(0)
    private let answers = Mutex<[Int: JSONValue]>([:])
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let ended = Mutex<String?>(nil)
    /// The events the browser sent (`method`, `sessionId`, `params`), oldest first; the tests mostly poll the
    /// page instead, but a JavaScript dialog blocks the page until it is answered.
    private let events = Mutex<[JSONValue]>([])

    private init() {}

    /// Connects to `ws://127.0.0.1:PORT/devtools/browser/…`.
    public static func connect(url: String) async throws -> DevTools {
        let devtools = DevTools()
        // Screenshots come back as one large frame.
        let maxSize = 64 << 20
        Task {
            do {
                try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: maxSize, autoPing: .disabled),
                    logger: Logger(label: "devtools")
                ) { inbound, outbound, _ in
                    devtools.writer.withLock { $0 = outbound }
                    for try await message in inbound.messages(maxSize: maxSize) {
                        guard case .text(let text) = message, let value = try? JSONParser.parse(text) else { continue }
                        if let id = value["id"]?.intValue {
                            devtools.answers.withLock { $0[id] = value }
                        } else if value["method"] != nil {
                            devtools.events.withLock { $0.append(value) }
                        }
                    }
                }
                devtools.ended.withLock { $0 = "the browser closed the DevTools connection" }
            } catch {
                devtools.ended.withLock { $0 = "the DevTools connection failed: \(error)" }
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while devtools.writer.withLock({ $0 }) == nil {
            if let reason = devtools.ended.withLock({ $0 }) { throw TestSupportError(reason) }
            guard ContinuousClock.now < deadline else { throw TestSupportError("DevTools did not connect to \(url)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return devtools
    }

    /// Sends a command and returns its `result`; throws the protocol's error, or after `timeout`.
    @discardableResult
    public func call(
        _ method: String, _ params: JSONValue = [:], session: String? = nil, timeout: Duration = .seconds(30)
    ) async throws -> JSONValue {
        guard let writer = writer.withLock({ $0 }) else { throw TestSupportError("DevTools is not connected") }
        let id = nextID.add(1, ordering: .relaxed).newValue
        var command: JSONObject = [("id", .number(Double(id))), ("method", .string(method)), ("params", params)]
        if let session { command["sessionId"] = .string(session) }
        try await writer.write(.text(JSONValue.object(command).serializedString()))
        let deadline = ContinuousClock.now + timeout
        while true {
            if let answer = answers.withLock({ $0.removeValue(forKey: id) }) {
                if let error = answer["error"] { throw ProtocolError(method: method, error: error) }
                return answer["result"] ?? .null
            }
            if let reason = ended.withLock({ $0 }) { throw TestSupportError("\(method): \(reason)") }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("DevTools \(method) got no answer within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func close() async {
        try? await writer.withLock({ $0 })?.close(.normalClosure, reason: nil)
    }

    /// The `params` of the events named `method` that `session` received so far.
    public func events(_ method: String, session: String) -> [JSONValue] {
        events.withLock { all in
            all.filter { $0["method"]?.stringValue == method && $0["sessionId"]?.stringValue == session }
                .map { $0["params"] ?? .null }
        }
    }
}

/// One browser window with one page, driven through ``DevTools``.
public struct BrowserPage: Sendable {
    public let devtools: DevTools
    public let targetID: String
    public let session: String

    /// Opens `url` in a new window (a window of its own, so it is never a hidden background tab).
    public static func open(_ url: String, in devtools: DevTools) async throws -> BrowserPage {
        let target = try await devtools.call(
            "Target.createTarget", ["url": "about:blank", "newWindow": true, "width": 800, "height": 900])
        let targetID = try requireValue(target["targetId"]?.stringValue, "Target.createTarget: \(target)")
        let attached = try await devtools.call(
            "Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
        let session = try requireValue(attached["sessionId"]?.stringValue, "Target.attachToTarget: \(attached)")
        let page = BrowserPage(devtools: devtools, targetID: targetID, session: session)
        try await page.call("Page.enable")
        try await page.call("Runtime.enable")
        // The page believes it has the focus, like the window a person is looking at.
        try await page.call("Emulation.setFocusEmulationEnabled", ["enabled": true])
        try await page.call("Page.navigate", ["url": .string(url)])
        return page
    }

    @discardableResult
    public func call(_ method: String, _ params: JSONValue = [:], timeout: Duration = .seconds(30)) async throws -> JSONValue {
        try await devtools.call(method, params, session: session, timeout: timeout)
    }

    /// Waits for the page's next JavaScript dialog (`alert`, `confirm`…; it blocks the page until answered) and
    /// returns `Page.javascriptDialogOpening`'s params (`type`, `message`…).
    public func dialog(timeout: Duration = .seconds(15)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let opened = dialogs.last { return opened }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("the page opened no dialog within \(timeout)")
    }

    /// Every JavaScript dialog the page opened so far.
    public var dialogs: [JSONValue] { devtools.events("Page.javascriptDialogOpening", session: session) }

    /// Answers the open dialog: OK (`accept`) or Cancel.
    public func answerDialog(accept: Bool) async throws {
        try await call("Page.handleJavaScriptDialog", ["accept": .bool(accept)])
    }

    /// Evaluates `expression` in the page (promises awaited) and returns its value as JSON.
    public func evaluate(_ expression: String) async throws -> JSONValue {
        let result = try await call(
            "Runtime.evaluate", ["expression": .string(expression), "awaitPromise": true, "returnByValue": true])
        if let exception = result["exceptionDetails"] {
            throw TestSupportError("the page threw evaluating \(expression): \(exception.serializedString())")
        }
        return result["result"]?["value"] ?? .null
    }

    /// `window.robotPage.stats()`, or nil before the page's script has run.
    public func stats() async throws -> JSONValue? {
        let value = try await evaluate("window.robotPage ? window.robotPage.stats() : null")
        return value.isNull ? nil : value
    }

    /// The centre of the element `selector`, in CSS pixels of the viewport.
    public func centre(of selector: String) async throws -> (x: Double, y: Double) {
        let box = try await evaluate(
            "(() => { const r = document.querySelector('\(selector)').getBoundingClientRect(); "
                + "return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()")
        return (box["x"]?.doubleValue ?? -1, box["y"]?.doubleValue ?? -1)
    }

    /// A left mouse button event (`mousePressed`, `mouseMoved`, `mouseReleased`) at a point.
    public func mouse(_ type: String, x: Double, y: Double) async throws {
        try await call(
            "Input.dispatchMouseEvent",
            [
                "type": .string(type), "x": .number(x), "y": .number(y), "button": "left",
                "buttons": type == "mouseReleased" ? 0 : 1, "clickCount": 1,
            ])
    }

    /// A one-finger touch event (`touchStart`, `touchMove`, `touchEnd`) at a point.
    public func touch(_ type: String, x: Double, y: Double) async throws {
        let points: JSONValue = type == "touchEnd" ? [] : [["x": .number(x), "y": .number(y)]]
        try await call("Input.dispatchTouchEvent", ["type": .string(type), "touchPoints": points])
    }

    /// Makes the window a phone: 390×844 CSS pixels, a mobile viewport, touch input.
    public func emulatePhone() async throws {
        try await call(
            "Emulation.setDeviceMetricsOverride",
            ["width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true])
        try await call("Emulation.setTouchEmulationEnabled", ["enabled": true, "maxTouchPoints": 1])
    }

    /// A key going down or up (`keyDown`, `keyUp`), e.g. `ArrowUp` (virtual key code 38).
    public func key(_ type: String, _ key: String, code: Int) async throws {
        try await call(
            "Input.dispatchKeyEvent",
            [
                "type": .string(type), "key": .string(key), "code": .string(key),
                "windowsVirtualKeyCode": .number(Double(code)),
            ])
    }

    /// A PNG of what the window shows.
    public func screenshot() async throws -> Data {
        let shot = try await call("Page.captureScreenshot", ["format": "png"])
        let base64 = try requireValue(shot["data"]?.stringValue, "Page.captureScreenshot answered no data")
        return try requireValue(Data(base64Encoded: base64), "Page.captureScreenshot: the data is not base64")
    }

    public func close() async throws {
        try await devtools.call("Target.closeTarget", ["targetId": .string(targetID)])
    }
}

/// `value`, or a ``TestSupportError`` saying what was missing.
public func requireValue<T>(_ value: T?, _ message: @autoclosure () -> String) throws -> T {
    guard let value else { throw TestSupportError(message()) }
    return value
}
