import Basics
import CMosquitto
import CTLSWriteBuffer
import Glibc
import Synchronization
import SystemPackage

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
        /// A QoS 0 message was written out, or a QoS 1 message acknowledged; `reasonCode` ≥ 0x80 is the broker's
        /// refusal (MQTT v5 only: a v3.1.1 broker acknowledges even what its ACL drops).
        var publish: @Sendable (_ mid: Int32, _ reasonCode: Int32) -> Void
        var log: @Sendable (_ level: Int32, _ text: String) -> Void
    }

    private static let libraryInitialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    private let handle: OpaquePointer
    let callbacks: Callbacks
    /// Wakes the network thread's `poll` when another thread queued a packet (an eventfd).
    private let wakeFD: Int32
    /// Set by the first wake-up since the network thread last looked, so a burst of publishes costs one
    /// eventfd write and one wake of the network thread, not one each.
    private let wakePending = Atomic<Bool>(false)
    /// The TLS session read-ahead and write buffering were switched on for (network thread only; a reconnect
    /// makes a new one).
    private nonisolated(unsafe) var tunedSession: UnsafeMutableRawPointer?
    /// MQTT v5's session expiry interval for a persistent session (v5 ends a session with its connection unless
    /// the CONNECT asks otherwise); nil for a clean session or v3.1.1.
    private let sessionExpirySeconds: UInt32?
    private let isV5: Bool

    init(options: MQTTOptions, callbacks: Callbacks) throws(MQTTError) {
        _ = Self.libraryInitialized
        self.callbacks = callbacks
        // `self` is not available before all stored properties are set, so the userdata is set after creation.
        guard let handle = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MQTTError(
                .invalidOption, "unable to create an MQTT client for id \"\(options.clientID)\": \(Errno.current)")
        }
        self.handle = handle
        self.wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        self.isV5 = options.protocolVersion == .v5
        self.sessionExpirySeconds =
            options.protocolVersion == .v5 && !options.cleanSession ? options.sessionExpirySeconds : nil
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        try configure(options)
        installCallbacks()
    }

    deinit {
        mosquitto_destroy(handle)
        if wakeFD >= 0 { close(wakeFD) }
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
            throw MQTTError(.tlsFile, "cannot read the \(what) '\(path)': \(Errno.current)")
        }
        try check(mosquitto_tls_set(handle, options.caFile, nil, options.certFile, options.keyFile, nil), "TLS files")
        // Verify the broker's certificate and host name; libmosquitto's default minimum is TLS 1.2.
        try check(mosquitto_tls_opts_set(handle, 1, nil, nil), "TLS options")
        if let inflight = options.maxInflightMessages {
            try check(mosquitto_max_inflight_messages_set(handle, UInt32(inflight)), "max inflight messages")
        }
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
        mosquitto_message_v5_callback_set(handle) { _, context, message, properties in
            guard let message else { return }
            let m = message.pointee
            let payload =
                m.payloadlen > 0 && m.payload != nil
                ? Array(UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen))) : []
            let topic = m.topic.map { String(cString: $0) } ?? ""
            var identifiers: [Int] = []
            var property = properties
            var skipFirst = false
            while true {
                var value: UInt32 = 0
                property = mosquitto_property_read_varint(
                    property, Int32(MQTT_PROP_SUBSCRIPTION_IDENTIFIER.rawValue), &value, skipFirst)
                guard property != nil else { break }
                identifiers.append(Int(value))
                skipFirst = true
            }
            Mosquitto.from(context).callbacks.message(
                MQTTMessage(
                    topic: topic, payload: payload, qos: m.qos, retain: m.retain, subscriptionIdentifiers: identifiers))
        }
        mosquitto_subscribe_callback_set(handle) { _, context, mid, count, granted in
            let qos = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            Mosquitto.from(context).callbacks.subscribe(mid, qos)
        }
        mosquitto_publish_v5_callback_set(handle) { _, context, mid, reasonCode, _ in
            Mosquitto.from(context).callbacks.publish(mid, reasonCode)
        }
        forwardLog(true)
    }

    /// Whether libmosquitto's log reaches ``Callbacks/log``. With a log callback set, libmosquitto formats a line
    /// for every packet it sends or receives (four per relayed message, ≈ 5 % of the relay's CPU), so the client
    /// forwards it while connecting — where its errors explain a failure — and, once connected, only when the
    /// logger shows debug messages.
    func forwardLog(_ on: Bool) {
        guard on else {
            mosquitto_log_callback_set(handle, nil)
            return
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            Mosquitto.from(context).callbacks.log(level, text.map { String(cString: $0) } ?? "")
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> Mosquitto {
        Unmanaged<Mosquitto>.fromOpaque(context!).takeUnretainedValue()
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
        guard let expiry = sessionExpirySeconds else {
            return mosquitto_connect(handle, host, Int32(port), Int32(keepAlive))
        }
        // libmosquitto keeps a copy of these properties for every reconnect.
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), expiry)
        return mosquitto_connect_bind_v5(handle, host, Int32(port), Int32(keepAlive), nil, properties)
    }

    func reconnect() -> Int32 {
        mosquitto_reconnect(handle)
    }

    /// One turn of the network loop: waits up to `timeoutMilliseconds` for the socket or a wake-up, reads what
    /// arrived (callbacks run now), calls `afterRead`, then writes what is queued and keeps the connection alive.
    ///
    /// This is `mosquitto_loop` split open for one reason: in threaded mode a received QoS 1 message's PUBACK is
    /// only queued during the read, so whatever `afterRead` does (the relay commits the messages it just received
    /// to its durable queue) happens before the broker is told it may forget them. If `afterRead` returns false
    /// the connection is cut without writing, and the broker redelivers the unacknowledged messages.
    func loopStep(timeoutMilliseconds: Int32, afterRead: () -> Bool) -> Int32 {
        let socket = mosquitto_socket(handle)
        guard socket >= 0 else { return MOSQ_ERR_NO_CONN.rawValue }
        let session = mosquitto_ssl_get(handle)
        if let session, session != tunedSession {
            // Reads: OpenSSL reads whole socket buffers instead of a record header and body at a time (two read
            // calls per packet, as a broker sends one record per packet). Records it has read but not yet
            // decrypted are then invisible to poll(): they are looked for first.
            cmosquitto_ssl_read_ahead(session)
            // Writes: libmosquitto's SSL_write per packet only fills the session's buffer, which leaves at the end
            // of the turn as full TLS records (CTLSWriteBuffer.h).
            _ = tls_write_buffer_enable(session)
            tunedSession = session
        }
        let buffered = cmosquitto_ssl_has_pending(session) != 0
        let unsent = session.map { tls_write_buffer_pending($0) > 0 } ?? false
        let socketEvents = Int16(POLLIN) | (mosquitto_want_write(handle) || unsent ? Int16(POLLOUT) : 0)
        var fds = [
            pollfd(fd: socket, events: socketEvents, revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, nfds_t(wakeFD >= 0 ? 2 : 1), buffered ? 0 : timeoutMilliseconds)
        if ready < 0 {
            return Errno.current == .interrupted ? MOSQ_ERR_SUCCESS.rawValue : MOSQ_ERR_ERRNO.rawValue
        }
        if fds[1].revents & Int16(POLLIN) != 0 {
            var counter: UInt64 = 0
            _ = read(wakeFD, &counter, MemoryLayout<UInt64>.size)
            // Cleared before the writes below: a packet queued after this point wakes the next poll.
            wakePending.store(false, ordering: .sequentiallyConsistent)
        }
        if buffered || fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
            // libmosquitto reads one packet per call (more only while TLS holds decrypted bytes, and a broker sends
            // each packet in a record of its own): read on while the socket has more, so that a burst of messages
            // is one turn — one commit for the gate, one write of all their PUBACKs.
            var packets = 0
            repeat {
                let rc = mosquitto_loop_read(handle, 1)
                guard rc == MOSQ_ERR_SUCCESS.rawValue, mosquitto_socket(handle) >= 0 else { return rc }
                packets += 1
            } while packets < Self.maxPacketsPerTurn
                && (cmosquitto_ssl_has_pending(mosquitto_ssl_get(handle)) != 0 || Self.hasInput(socket))
        }
        guard afterRead() else {
            _ = Glibc.shutdown(socket, Int32(SHUT_RDWR))
            return MOSQ_ERR_CONN_LOST.rawValue
        }
        if mosquitto_want_write(handle) || unsent {
            // libmosquitto writes what is queued into the session's buffer, which then leaves as full TLS
            // records; corked, so that they leave in full TCP segments. Uncorking sends the rest at once, so a
            // lone drive command is not delayed.
            Self.setCork(socket, true)
            defer { Self.setCork(socket, false) }
            let rc = mosquitto_loop_write(handle, 1)
            guard rc == MOSQ_ERR_SUCCESS.rawValue, mosquitto_socket(handle) >= 0 else { return rc }
            if let session = mosquitto_ssl_get(handle), tls_write_buffer_flush(session) < 0 {
                // The TLS session failed mid-connection: like a lost connection, the caller reconnects.
                _ = Glibc.shutdown(socket, Int32(SHUT_RDWR))
                return MOSQ_ERR_CONN_LOST.rawValue
            }
        }
        return mosquitto_loop_misc(handle)
    }

    /// The most packets one turn reads before it writes (acknowledgements, publishes) again.
    static let maxPacketsPerTurn = 1000

    private static func setCork(_ socket: Int32, _ on: Bool) {
        var value: Int32 = on ? 1 : 0
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Whether `socket` has bytes to read now (a poll that does not wait).
    private static func hasInput(_ socket: Int32) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0 && descriptor.revents & Int16(POLLIN) != 0
    }

    /// Makes the network thread's current or next `poll` return at once.
    func wake() {
        guard wakeFD >= 0, !wakePending.exchange(true, ordering: .sequentiallyConsistent) else { return }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
    }

    // MARK: Calls made from any thread

    func subscribe(_ subscription: MQTTOptions.Subscription) -> (rc: Int32, mid: Int32) {
        var mid: Int32 = 0
        let rc: Int32
        if let identifier = subscription.identifier, isV5 {
            var properties: OpaquePointer?
            defer { mosquitto_property_free_all(&properties) }
            _ = mosquitto_property_add_varint(
                &properties, Int32(MQTT_PROP_SUBSCRIPTION_IDENTIFIER.rawValue), UInt32(identifier))
            rc = mosquitto_subscribe_v5(handle, &mid, subscription.topicFilter, subscription.qos, 0, properties)
        } else {
            rc = mosquitto_subscribe(handle, &mid, subscription.topicFilter, subscription.qos)
        }
        wake()
        return (rc, mid)
    }

    /// Queues a message for the network thread, and wakes it unless `wake` is false (a batch wakes it once, after
    /// its last message, with ``wake()``: then the batch leaves in one write, not in pieces written
    /// while it is still being queued).
    func publish(
        topic: String, payload: [UInt8], qos: Int32, retain: Bool, wake: Bool = true
    ) -> (rc: Int32, mid: Int32) {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        if wake { self.wake() }
        return (rc, mid)
    }

    func disconnect() -> Int32 {
        defer { wake() }
        return mosquitto_disconnect(handle)
    }

    /// Keep-alive probes and a user timeout on the connected socket (``DeadLink``).
    func armDeadLink(timeout: Duration) {
        DeadLink.arm(mosquitto_socket(handle), timeout: timeout)
    }

    /// Aborts a blocking TLS handshake in progress by shutting its socket down; returns whether there was one.
    func abortHandshake() -> Bool {
        let fd = mosquitto_socket(handle)
        guard fd >= 0 else { return false }
        return Glibc.shutdown(fd, Int32(SHUT_RDWR)) == 0
    }
}
