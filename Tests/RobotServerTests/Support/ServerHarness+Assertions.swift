import Foundation
import MQTT
import StrictJSON
import TestSupport
import Testing

extension ServerHarness {
    /// Proves that nothing reached any `<thing>/action` since admin record `index`: a control command sent
    /// through the same server (so over the same MQTT connection, in order) must arrive, and must be the
    /// only action message after `index`. A test cannot pass just because the admin client was slow.
    func expectNothingPublished(
        since index: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let id = "control-\(UInt32.random(in: 0...UInt32.max))"
        let answer = try await post("/publish", #"{"action":"stop","id":"\#(id)"}"#, token: Self.fleetToken)
        try #require(answer.status == 202, "control command: \(answer)", sourceLocation: sourceLocation)
        _ = try await admin.message(timeout: .seconds(5), "control command \(id)") { message in
            message.topic == "sts-pi/action" && (try? JSONParser.parse(message.payload))?["id"]?.stringValue == id
        }
        let seen = actions(after: index).map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(seen.count == 1, "only the control command was published, saw: \(seen)", sourceLocation: sourceLocation)
    }

    /// The admin record count now, to pass to ``expectNothingPublished(since:sourceLocation:)``.
    var mark: Int { admin.all.count }

    /// Asserts an error answer: status, `error`, a `detail` containing `detail`, and a JSON content type.
    func expectError(
        _ answer: HTTPAnswer, status: Int, error: String, detail: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(answer.status == status, "\(answer)", sourceLocation: sourceLocation)
        #expect(answer.error == error, "\(answer)", sourceLocation: sourceLocation)
        #expect(answer.detail?.contains(detail) == true, "\(answer)", sourceLocation: sourceLocation)
        #expect(
            answer.header("Content-Type") == "application/json", "\(answer.headers)", sourceLocation: sourceLocation)
        #expect(answer.json?.objectValue?.keys.sorted() == ["detail", "error"], sourceLocation: sourceLocation)
    }
}
