import COpenSSL

/// libcrypto's PEM reading and the certificate/key match, for `robotd check`: the module's only unsafe file.
///
/// Keys are read with an empty passphrase (never a prompt on the terminal): an encrypted key is reported as such,
/// because robotd, libmosquitto and libcurl need an unencrypted one.
public enum PEMFile {
    /// The first certificate in `path`.
    public static func certificate(at path: String) throws(DeviceCertificateError) -> CertificateSummary {
        try withCertificates(at: path, limit: 1) { certificates throws(DeviceCertificateError) in
            guard let first = certificates.first else { throw failure(path, "holds no PEM certificate") }
            return summary(first)
        }
    }

    /// How many certificates a CA bundle holds (throws when it holds none or one does not parse).
    public static func certificateCount(at path: String) throws(DeviceCertificateError) -> Int {
        try withCertificates(at: path, limit: 1000) { certificates throws(DeviceCertificateError) in
            guard !certificates.isEmpty else { throw failure(path, "holds no PEM certificate") }
            return certificates.count
        }
    }

    /// The private key's algorithm and size, e.g. `EC 256-bit`.
    public static func privateKey(at path: String) throws(DeviceCertificateError) -> String {
        try withPrivateKey(at: path) { key in
            let bits = EVP_PKEY_get_bits(key)
            return "\(algorithm(key)) \(bits)-bit"
        }
    }

    /// Whether the private key in `keyFile` belongs to the certificate in `certFile`.
    public static func keyMatches(certFile: String, keyFile: String) throws(DeviceCertificateError) -> Bool {
        try withCertificates(at: certFile, limit: 1) { certificates throws(DeviceCertificateError) in
            guard let certificate = certificates.first else { throw failure(certFile, "holds no PEM certificate") }
            return try withPrivateKey(at: keyFile) { key in
                ERR_clear_error()
                defer { ERR_clear_error() }
                return X509_check_private_key(certificate, key) == 1
            }
        }
    }

    // MARK: libcrypto

    private static func withCertificates<T>(
        at path: String, limit: Int, _ body: ([OpaquePointer]) throws(DeviceCertificateError) -> T
    ) throws(DeviceCertificateError) -> T {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else { throw failure(path, "cannot be opened: \(lastError())") }
        defer { BIO_free(bio) }
        var certificates: [OpaquePointer] = []
        defer { certificates.forEach { X509_free($0) } }
        while certificates.count < limit, let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            certificates.append(certificate)
        }
        // Reading stops with "no start line" at the end of the file; anything else is a broken certificate.
        let code = ERR_peek_last_error()
        if certificates.isEmpty || (code != 0 && ERR_GET_REASON(code) != PEM_R_NO_START_LINE) {
            if certificates.isEmpty { throw failure(path, "holds no PEM certificate (\(lastError()))") }
            throw failure(path, "holds a certificate that does not parse: \(lastError())")
        }
        ERR_clear_error()
        return try body(certificates)
    }

    private static func withPrivateKey<T>(
        at path: String, _ body: (OpaquePointer) -> T
    ) throws(DeviceCertificateError) -> T {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else { throw failure(path, "cannot be opened: \(lastError())") }
        defer { BIO_free(bio) }
        var empty: CChar = 0
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, &empty) else {
            let reason = lastError()
            if reason.contains("bad decrypt") || reason.contains("interrupted or cancelled")
                || reason.contains("bad password")
            {
                throw failure(path, "is an encrypted key: robotd needs it unencrypted (openssl pkey -in KEY -out KEY)")
            }
            throw failure(path, "holds no PEM private key (\(reason))")
        }
        defer { EVP_PKEY_free(key) }
        return body(key)
    }

    private static func summary(_ certificate: OpaquePointer) -> CertificateSummary {
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(X509_get_subject_name(certificate), &buffer, Int32(buffer.count))
        let subject = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var days: Int32 = 0
        var seconds: Int32 = 0
        var remaining: Int64?
        if ASN1_TIME_diff(&days, &seconds, nil, X509_get0_notAfter(certificate)) == 1 {
            remaining = Int64(days) * 86_400 + Int64(seconds)
        }
        var started = true
        if ASN1_TIME_diff(&days, &seconds, nil, X509_get0_notBefore(certificate)) == 1 {
            started = Int64(days) * 86_400 + Int64(seconds) <= 0
        }
        return CertificateSummary(subject: subject, secondsUntilExpiry: remaining, isValidYet: started)
    }

    private static func algorithm(_ key: OpaquePointer) -> String {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: "RSA"
        case EVP_PKEY_EC: "EC"
        case EVP_PKEY_ED25519: "Ed25519"
        default: "key"
        }
    }

    private static func lastError() -> String {
        let code = ERR_peek_last_error()
        guard code != 0 else { return "no detail" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func failure(_ path: String, _ problem: String) -> DeviceCertificateError {
        DeviceCertificateError(path: path, problem: problem)
    }
}
