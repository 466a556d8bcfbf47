import Basics
import CCurl

/// The AWS IoT credential provider: `GET https://<endpoint>/role-aliases/<roleAlias>/credentials` with the header
/// `x-amzn-iot-thingname`, authenticated by the device certificate (mutual TLS, as for MQTT), over libcurl.
public struct CredentialProviderClient: Sendable {
    public struct Options: Sendable, Equatable {
        /// Host name of the `iot:CredentialProvider` endpoint (or `localhost` in tests).
        public var host: String
        public var port: Int
        public var roleAlias: String
        /// For messages (the role alias ARN).
        public var region: String
        public var thingName: String
        /// Verifies the endpoint (Amazon's root CA, the same file as MQTT's).
        public var caFile: String
        public var certFile: String
        public var keyFile: String
        public var connectTimeout: Duration
        public var timeout: Duration

        public init(
            host: String, port: Int = 443, roleAlias: String, region: String, thingName: String, caFile: String,
            certFile: String, keyFile: String, connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.roleAlias = roleAlias
            self.region = region
            self.thingName = thingName
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.connectTimeout = connectTimeout
            self.timeout = timeout
        }

        /// `host:port`, for messages.
        public var endpoint: String { "\(host):\(port)" }

        var authority: String {
            let host = self.host.contains(":") ? "[\(self.host)]" : self.host
            return port == 443 ? host : "\(host):\(port)"
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// The request URL.
    public var url: String { "https://\(options.authority)/role-aliases/\(options.roleAlias)/credentials" }

    /// Fetches fresh credentials. Blocks a thread of its own, not the caller's; cancelling aborts the transfer.
    public func fetch() async throws(CredentialProviderError) -> FetchedCredentials {
        let request = Curl.Request(
            url: url, headers: ["x-amzn-iot-thingname: \(options.thingName)", "Accept: application/json"],
            caFile: options.caFile, certFile: options.certFile, keyFile: options.keyFile,
            connectTimeout: options.connectTimeout, timeout: options.timeout)
        let cancel = Curl.CancelFlag()
        let response = await BlockingThread.run(
            { Curl.perform(request, cancel: cancel) }, onCancel: { cancel.cancel() })
        return try interpret(response)
    }

    func interpret(_ response: Curl.Response) throws(CredentialProviderError) -> FetchedCredentials {
        guard response.succeeded else { throw transferError(response) }
        switch response.status {
        case 200:
            return try CredentialResponse.parse(response.body, now: HTTPDate.find(in: response.headers) ?? .now())
        default:
            throw httpError(response.status, serverMessage(response.body))
        }
    }

    private func transferError(_ response: Curl.Response) -> CredentialProviderError {
        let endpoint = options.endpoint
        let text = response.errorText
        switch response.code {
        case CURLE_OPERATION_TIMEDOUT:
            return .init(
                .timeout,
                "the credential provider \(endpoint) did not answer in time (connect \(options.connectTimeout), "
                    + "total \(options.timeout)): \(text)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            return .init(
                .unreachable,
                "cannot reach the credential provider \(endpoint): \(text) — is credentials.endpoint this account's "
                    + "iot:CredentialProvider endpoint (aws iot describe-endpoint --endpoint-type "
                    + "iot:CredentialProvider) and is the network up?")
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_ENGINE_INITFAILED:
            return .init(
                .clientCertificate,
                "cannot use the certificate \(options.certFile) with the key \(options.keyFile): \(text) — are they "
                    + "the device's PEM certificate and its private key (mqtt.certFile, mqtt.keyFile)?")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return .init(
                .serverCertificate,
                "cannot verify the credential provider \(endpoint) with the CA file \(options.caFile): \(text) — "
                    + "for AWS it must hold Amazon's root CA (AmazonRootCA1.pem), as for MQTT")
        case CURLE_SSL_CONNECT_ERROR, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
            return .init(
                .handshakeRefused,
                "the credential provider \(endpoint) refused the TLS connection: \(text) — is the certificate "
                    + "\(options.certFile) registered and ACTIVE in AWS IoT (self-hosted: issued by a CA the endpoint "
                    + "trusts)?")
        case CURLE_ABORTED_BY_CALLBACK:
            return .init(.cancelled, "the credential request to \(endpoint) was cancelled")
        case CURLE_WRITE_ERROR where response.bodyTooLarge:
            return .init(
                .malformedAnswer, "the credential provider \(endpoint) answered with more than 64 KiB: not credentials")
        default:
            return .init(.transfer, "the credential request to \(endpoint) failed: \(text)")
        }
    }

    private func httpError(_ status: Int, _ message: String) -> CredentialProviderError {
        let alias = options.roleAlias
        let said = message.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(message)"
        switch status {
        case 401, 403:
            return .init(
                .forbidden,
                "the credential provider refused to let this certificate assume role alias \"\(alias)\" (\(said)) — "
                    + "attach an AWS IoT policy to the certificate that allows iot:AssumeRoleWithCertificate on "
                    + "arn:aws:iot:\(options.region):<account-id>:rolealias/\(alias), and attach thing "
                    + "\"\(options.thingName)\" to the certificate", status: status)
        case 404:
            return .init(
                .unknownRoleAlias,
                "the credential provider does not know role alias \"\(alias)\" (\(said)) — check credentials.roleAlias "
                    + "(aws iot describe-role-alias --role-alias \(alias) --region \(options.region)) and that "
                    + "credentials.endpoint belongs to the same account and region", status: status)
        case 429:
            return .init(.throttled, "the credential provider is throttling requests (\(said))", status: status)
        case 500...599:
            return .init(.serverError, "the credential provider failed (\(said))", status: status)
        case 400:
            return .init(
                .rejected,
                "the credential provider rejected the request (\(said)) — is thing \"\(options.thingName)\" "
                    + "(thingName) attached to the certificate?", status: status)
        default:
            return .init(.rejected, "the credential provider answered \(said)", status: status)
        }
    }

    /// AWS explains errors as `{"message":"…"}`; anything else is quoted, printable characters only, short.
    private func serverMessage(_ body: [UInt8]) -> String {
        if let message = try? CredentialResponse.errorMessage(body) { return message }
        let printable = body.prefix(160).map { $0 >= 0x20 && $0 < 0x7F ? Character(Unicode.Scalar($0)) : " " }
        return String(printable).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
