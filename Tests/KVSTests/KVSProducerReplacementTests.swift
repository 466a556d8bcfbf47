import BrowserControl
import Foundation
import Testing
import TestSupport

/// robot-webrtc replaces its master connection before KVS's one-hour limit (50 minutes; 4 s here through the hidden
/// `--kvs-max-connection-seconds`): the new connection opens while the old one is still open (the model logs the old
/// one as `replaced` by the new, newest master wins), and a viewer watching keeps decoding.
@Suite(.serialized)
struct KVSProducerReplacementTests {
    @Test func anAgedConnectionIsReplacedNewOneFirstAndTheViewerKeepsDecoding() async throws {
        let (stack, _) = try await KVSProducerStack.start(extraArguments: ["--kvs-max-connection-seconds", "4"])
        let chromium: Chromium
        do { chromium = try await Chromium.start() } catch {
            _ = try? await stack.stop()
            throw error
        }
        defer { Task { await chromium.stop() } }
        let first = try await stack.waitForMasterConnect()
        let viewer = try await KVSViewerPage.open(
            in: chromium,
            url: try stack.kvs.viewerURL(clientId: "viewer-a", credentials: try stack.kvs.addCredentials()))
        let before = try await viewer.waitForFrames(30)

        let replaced = try await stack.kvs.waitFor("the first master connection replaced", timeout: .seconds(10)) {
            $0["kind"] as? String == "replaced" && $0["role"] as? String == "master"
                && $0["connection"] as? Int == first["connection"] as? Int
        }
        #expect(replaced["by"] as? Int != nil, "\(replaced)")
        let after = try await viewer.waitForFrames(60, after: before.framesDecoded)
        #expect(after.connectionState == "connected", "\(after)")
        #expect(stack.producer.output(.any).contains("replacing the connection before KVS's one-hour limit"))
        #expect(!stack.producer.output(.any).contains("closing the viewer's peer connection"))
        print("KVS: master connection replaced after 4 s (new one first); the viewer kept decoding (\(after))")
        await viewer.close()
        let termination = try await stack.stop()
        #expect(termination == .exited(0), "\(termination): \(stack.producer.outputTail(lines: 40))")
    }
}
