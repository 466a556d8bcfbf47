import CMosquitto
import Glibc

/// The libmosquitto handle and every call into it: all unsafe pointer work of the MQTT module lives here.
///
/// Thread-safety: libmosquitto locks internally so `publish`, `subscribe` and `disconnect` may be called
/// from any thread while one network thread runs `connect` and `loop` (`mosquitto_threaded_set(true)`
/// tells the library that we run our own loop thread, so a publish only queues the packet and wakes it).
/// Callbacks run on the network thread and reach Swift through ``Callbacks`` via the `userdata` pointer.
final class Mosquitto: @unchecked Sendable {
    struct Callbacks: Sendable {
        var connect: @Sendable (_ rc: Int32) -> Void
        var message: @Sendable (MQTTMessage) -> Void
        var subscribe: @Sendable (_ mid: Int32, _ granted: [Int32]) -> Void
        var publish: @Sendable (_ mid: Int32) -> Void
        var log: @Sendable (_ level: Int32, _ text: String) -> Void
    }

    private static let libraryInitialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    private let handle: OpaquePointer
    let callbacks: Callbacks

    init(options: MQTTOptions, callbacks: Callbacks) throws(MQTTError) {
        _ = Self.libraryInitialized
        self.callbacks = callbacks
        // `self` is not available before all stored properties are set, so the userdata is set after creation.
        guard let handle = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MQTTError(
                .invalidOption, "unable to create an MQTT client for id \"\(options.clientID)\": \(Self.errnoText())")
        }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        try configure(options)
        installCallbacks()
    }

    deinit {
        mosquitto_destroy(handle)
    }

    private func configure(_ options: MQTTOptions) throws(MQTTError) {
        try check(mosquitto_threaded_set(handle, true), "threaded mode")
        // Drive commands and telemetry are small and latency-bound: no Nagle delay.
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY")
        let version = options.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, version), "protocol version")
        for (what, path) in [
            ("CA file", options.caFile), ("certificate file", options.certFile), ("key file", options.keyFile),
        ]
        where access(path, R_OK) != 0 {
            throw MQTTError(.tlsFile, "cannot read the \(what) '\(path)': \(Self.errnoText())")
        }
        try check(mosquitto_tls_set(handle, options.caFile, nil, options.certFile, options.keyFile, nil), "TLS files")
        // Verify the broker's certificate and host name; libmosquitto's default minimum is TLS 1.2.
        try check(mosquitto_tls_opts_set(handle, 1, nil, nil), "TLS options")
        if let alpn = options.alpn {
            try check(mosquitto_string_option(handle, MOSQ_OPT_TLS_ALPN, alpn), "ALPN \"\(alpn)\"")
        }
    }

    private func check(_ rc: Int32, _ what: String) throws(MQTTError) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(.invalidOption, "libmosquitto refused the \(what): \(MQTTError.text(rc))")
        }
    }

    private func installCallbacks() {
        mosquitto_connect_callback_set(handle) { _, context, rc in
            Mosquitto.from(context).callbacks.connect(rc)
        }
        mosquitto_message_callback_set(handle) { _, context, message in
            guard let message else { return }
            let m = message.pointee
            let payload =
                m.payloadlen > 0 && m.payload != nil
                ? Array(UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen))) : []
            let topic = m.topic.map { String(cString: $0) } ?? ""
            Mosquitto.from(context).callbacks.message(
                MQTTMessage(topic: topic, payload: payload, qos: m.qos, retain: m.retain))
        }
        mosquitto_subscribe_callback_set(handle) { _, context, mid, count, granted in
            let qos = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            Mosquitto.from(context).callbacks.subscribe(mid, qos)
        }
        mosquitto_publish_callback_set(handle) { _, context, mid in
            Mosquitto.from(context).callbacks.publish(mid)
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            Mosquitto.from(context).callbacks.log(level, text.map { String(cString: $0) } ?? "")
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> Mosquitto {
        Unmanaged<Mosquitto>.fromOpaque(context!).takeUnretainedValue()
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    // MARK: Calls made by the network thread

    func setWill(_ will: MQTTOptions.Will?) {
        guard let will else { return }
        _ = will.payload.withUnsafeBytes { bytes in
            mosquitto_will_set(handle, will.topic, Int32(bytes.count), bytes.baseAddress, will.qos, will.retain)
        }
    }

    /// Blocking TCP connect and TLS handshake, then sends CONNECT. The CONNACK arrives through `loop`.
    func connect(host: String, port: Int, keepAlive: Int) -> Int32 {
        mosquitto_connect(handle, host, Int32(port), Int32(keepAlive))
    }

    func reconnect() -> Int32 {
        mosquitto_reconnect(handle)
    }

    /// Waits up to `timeoutMilliseconds` for network activity, reads, writes and keeps the connection alive.
    func loop(timeoutMilliseconds: Int32) -> Int32 {
        mosquitto_loop(handle, timeoutMilliseconds, 1)
    }

    // MARK: Calls made from any thread

    func subscribe(_ subscription: MQTTOptions.Subscription) -> (rc: Int32, mid: Int32) {
        var mid: Int32 = 0
        let rc = mosquitto_subscribe(handle, &mid, subscription.topicFilter, subscription.qos)
        return (rc, mid)
    }

    func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) -> (rc: Int32, mid: Int32) {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        return (rc, mid)
    }

    func disconnect() -> Int32 {
        mosquitto_disconnect(handle)
    }

    /// Aborts a blocking TLS handshake in progress by shutting its socket down; returns whether there was one.
    func abortHandshake() -> Bool {
        let fd = mosquitto_socket(handle)
        guard fd >= 0 else { return false }
        return Glibc.shutdown(fd, Int32(SHUT_RDWR)) == 0
    }
}
