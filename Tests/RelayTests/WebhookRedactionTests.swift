import Relay
import Testing

/// Webhook targets as `/relay/rules`, `/metrics` and error reports show them: no userinfo, query string,
/// fragment or header value, which is where webhook secrets live.
@Suite struct WebhookRedactionTests {
    @Test(arguments: [
        ("https://bot:s3cret@hooks.example.com/in?key=abc&x=1#frag", "https://***@hooks.example.com/in?***"),
        ("https://hooks.example.com:8443/a/b", "https://hooks.example.com:8443/a/b"),
        ("https://hooks.example.com?token=t", "https://hooks.example.com?***"),
        ("https://token@hooks.example.com", "https://***@hooks.example.com"),
        ("http://h/p#s3cret", "http://h/p#***"),
        ("https://a:b@c@hooks.example.com/p", "https://***@hooks.example.com/p"),
    ])
    func urlsLoseTheirSecrets(url: String, shown: String) {
        #expect(WebhookRedaction.url(url) == shown)
    }

    @Test func headerValuesAreNotShownTheirNamesAre() {
        let target = RelayConfig.Target.webhook(
            url: "https://u:p@ops.example.com/iot?sig=1", headers: [("Authorization", "Bearer ops-hook-token")],
            timeoutMs: 1000)
        #expect(target.label == "webhook:https://***@ops.example.com/iot?*** (Authorization: ***)")
        #expect(!target.label.contains("ops-hook-token") && !target.label.contains("sig=1"))
    }
}
