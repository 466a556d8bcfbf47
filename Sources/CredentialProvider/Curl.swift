import Basics
import CCurl
import Glibc
import Synchronization

/// libcurl's easy interface and every unsafe call into it: the CredentialProvider module's only unsafe file.
///
/// A transfer blocks its thread (the caller runs it on a thread of its own). `CURLOPT_NOSIGNAL` keeps libcurl
/// from using signals for timeouts, which would not be safe in a multi-threaded process.
enum Curl {
    /// What to fetch and with which TLS identity.
    struct Request {
        var url: String
        var headers: [String] = []
        var caFile: String
        var certFile: String
        var keyFile: String
        var connectTimeout: Duration
        var timeout: Duration
        /// Stop after the TLS handshake (`CURLOPT_CONNECT_ONLY`), then watch the connection for `settle` for a
        /// refusal that TLS 1.3 delivers only after the handshake.
        var connectOnly = false
        var settle: Duration = .milliseconds(300)
        var maximumBodyBytes = 64 * 1024
    }

    struct Response {
        var code: CURLcode
        /// libcurl's message for `code`, with details from `CURLOPT_ERRORBUFFER`.
        var errorText: String
        var status: Int
        var headers: [String]
        var body: [UInt8]
        var bodyTooLarge: Bool
        var succeeded: Bool { code == CURLE_OK }
    }

    /// Set from another thread to abort a transfer in progress.
    final class CancelFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        func cancel() { flag.store(true, ordering: .relaxed) }
        var isCancelled: Bool { flag.load(ordering: .relaxed) }
    }

    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    /// Where the callbacks write; reached through the `void *` context.
    private final class Transfer {
        var body: [UInt8] = []
        var headers: [String] = []
        var bodyTooLarge = false
        let maximumBodyBytes: Int
        let cancel: CancelFlag
        init(maximumBodyBytes: Int, cancel: CancelFlag) {
            self.maximumBodyBytes = maximumBodyBytes
            self.cancel = cancel
        }
        static func from(_ context: UnsafeMutableRawPointer?) -> Transfer {
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        }
    }

    /// Performs `request`, blocking the calling thread.
    static func perform(_ request: Request, cancel: CancelFlag) -> Response {
        _ = initialized
        guard let handle = curl_easy_init() else {
            return Response(
                code: CURLE_FAILED_INIT, errorText: "curl_easy_init failed", status: 0, headers: [], body: [],
                bodyTooLarge: false)
        }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { headerList = curl_slist_append(headerList, header) }
        defer { curl_slist_free_all(headerList) }
        let transfer = Transfer(maximumBodyBytes: request.maximumBodyBytes, cancel: cancel)
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var code = withExtendedLifetime(transfer) { () -> CURLcode in
            let setup = configure(handle, request, errorBuffer: errorBuffer, headers: headerList, context: context)
            guard setup == CURLE_OK else { return setup }
            let performed = curl_easy_perform(handle)
            guard performed == CURLE_OK, request.connectOnly else { return performed }
            return settle(handle, for: request.settle, cancel: cancel)
        }
        var status = 0
        if code == CURLE_OK || code == CURLE_WRITE_ERROR || !request.connectOnly {
            var value = 0
            if ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &value) == CURLE_OK { status = value }
        }
        if transfer.bodyTooLarge { code = CURLE_WRITE_ERROR }
        let detail = String(cString: errorBuffer)
        let summary = String(cString: curl_easy_strerror(code))
        return Response(
            code: code, errorText: detail.isEmpty ? summary : "\(summary): \(detail)", status: status,
            headers: transfer.headers, body: transfer.body, bodyTooLarge: transfer.bodyTooLarge)
    }

    private static func configure(
        _ handle: UnsafeMutableRawPointer, _ request: Request, errorBuffer: UnsafeMutablePointer<CChar>,
        headers: UnsafeMutablePointer<curl_slist>?, context: UnsafeMutableRawPointer
    ) -> CURLcode {
        let longs: [(CURLoption, Int)] = [
            (CURLOPT_NOSIGNAL, 1),
            (CURLOPT_SSL_VERIFYPEER, 1),
            (CURLOPT_SSL_VERIFYHOST, 2),
            (CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)),
            (CURLOPT_FOLLOWLOCATION, 0),
            (CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, request.connectTimeout.milliseconds))),
            (CURLOPT_TIMEOUT_MS, Int(max(1, request.timeout.milliseconds))),
            (CURLOPT_CONNECT_ONLY, request.connectOnly ? 1 : 0),
            (CURLOPT_NOPROGRESS, 0),
        ]
        let strings: [(CURLoption, String)] = [
            (CURLOPT_URL, request.url),
            (CURLOPT_PROTOCOLS_STR, "https"),
            (CURLOPT_CAINFO, request.caFile),
            (CURLOPT_SSLCERT, request.certFile),
            (CURLOPT_SSLCERTTYPE, "PEM"),
            (CURLOPT_SSLKEY, request.keyFile),
            (CURLOPT_SSLKEYTYPE, "PEM"),
            (CURLOPT_USERAGENT, "robotd"),
        ]
        var codes = longs.map { ccurl_setopt_long(handle, $0.0, $0.1) }
        codes += strings.map { ccurl_setopt_string(handle, $0.0, $0.1) }
        codes += [
            ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers),
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context),
            ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context),
            ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context),
            ccurl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                let transfer = Transfer.from(context)
                let length = size * count
                guard transfer.body.count + length <= transfer.maximumBodyBytes else {
                    transfer.bodyTooLarge = true
                    return 0  // aborts with CURLE_WRITE_ERROR
                }
                transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
                return length
            },
            ccurl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                let transfer = Transfer.from(context)
                let length = size * count
                if transfer.headers.count < 100 {
                    var bytes = UnsafeRawBufferPointer(start: data, count: length)[...]
                    while let last = bytes.last, last == 0x0A || last == 0x0D { bytes = bytes.dropLast() }
                    transfer.headers.append(String(decoding: bytes, as: UTF8.self))
                }
                return length
            },
            ccurl_setopt_progress_callback(handle) { context, _, _, _, _ in
                Transfer.from(context).cancel.isCancelled ? 1 : 0
            },
        ]
        return codes.first { $0 != CURLE_OK } ?? CURLE_OK
    }

    /// After a connect-only handshake: a TLS 1.3 server that refuses the client certificate says so in an alert
    /// that arrives after the client considers the handshake done. Wait `duration` for one.
    private static func settle(_ handle: UnsafeMutableRawPointer, for duration: Duration, cancel: CancelFlag)
        -> CURLcode
    {
        let deadline = ContinuousClock.now + duration
        var buffer = [UInt8](repeating: 0, count: 256)
        while ContinuousClock.now < deadline && !cancel.isCancelled {
            var received = 0
            let code = buffer.withUnsafeMutableBytes { curl_easy_recv(handle, $0.baseAddress, $0.count, &received) }
            if code == CURLE_AGAIN {
                usleep(10_000)
                continue
            }
            if code == CURLE_OK && received == 0 { return CURLE_RECV_ERROR }  // closed right after the handshake
            return code
        }
        return cancel.isCancelled ? CURLE_ABORTED_BY_CALLBACK : CURLE_OK
    }
}
