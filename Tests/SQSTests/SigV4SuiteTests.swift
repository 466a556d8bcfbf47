import AWSSigV4
import Testing

/// AWS's published Signature Version 4 test suite (Fixtures/sigv4, see its README): canonical request,
/// string to sign and Authorization header must match byte for byte.
@Suite struct SigV4SuiteTests {
    @Test func theSuiteIsThere() {
        // Guards the parameterised test below against running over an empty list.
        #expect(SigV4SuiteVector.names.count >= 20)
        #expect(SigV4SuiteVector.names.contains("get-vanilla-query-order-key-case"))
    }

    @Test(arguments: SigV4SuiteVector.names)
    func reproducesTheVector(name: String) throws {
        let vector = try SigV4SuiteVector(name)
        var credentials = SigV4SuiteVector.credentials
        credentials.sessionToken = vector.sessionToken
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        let signed = signer.sign(vector.request, date: vector.date)
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        #expect(signed.stringToSign == vector.stringToSign)
        #expect(signed.authorization == vector.authorization)
        #expect(signed.authorization.hasSuffix("Signature=\(signed.signature)"))
        #expect(signed.headers.first { $0.name == "Authorization" }?.value == vector.authorization)
        #expect(signed.headers.first { $0.name == "X-Amz-Date" }?.value == "20150830T123600Z")
        #expect(signed.headers.first { $0.name == "X-Amz-Security-Token" }?.value == vector.sessionToken)
    }

    @Test func theSessionTokenVectorsCarryAToken() throws {
        #expect(try SigV4SuiteVector("get-vanilla-with-session-token").sessionToken?.isEmpty == false)
        #expect(try SigV4SuiteVector("post-sts-header-before").sessionToken?.hasPrefix("AQoDYXdzEPT") == true)
    }
}
