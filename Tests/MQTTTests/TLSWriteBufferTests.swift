import CMosquitto  // OpenSSL's ssl.h, through the shim
import CTLSWriteBuffer
import Foundation
import Glibc
import TestSupport
import Testing

/// The TLS write buffer under libmosquitto (CTLSWriteBuffer.h) on real OpenSSL sessions: a client and a server
/// handshake in memory, and every byte the client sends passes through ``MemoryTLS/wire``, where the test counts
/// the TLS records. `SSL_write` below is the buffer's, as it is for libmosquitto in the built programs.
@Suite struct TLSWriteBufferTests {
    @Test func theProcessBindsSSLWriteAndShutdownToTheBuffer() throws {
        // What the dynamic linker hands every library that calls them (libmosquitto among them).
        let write = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "SSL_write"))  // RTLD_DEFAULT
        let shutdown = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "SSL_shutdown"))
        let ourWrite: @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int32) -> Int32 = SSL_write
        let ourShutdown: @convention(c) (OpaquePointer?) -> Int32 = SSL_shutdown
        #expect(write == unsafeBitCast(ourWrite, to: UnsafeMutableRawPointer.self))
        #expect(shutdown == unsafeBitCast(ourShutdown, to: UnsafeMutableRawPointer.self))
    }

    @Test func aSessionNotEnabledSendsARecordPerWrite() throws {
        let tls = try MemoryTLS()
        for packet in Self.packets(10, size: 40) {
            #expect(tls.write(packet) == 40)
        }
        #expect(tls.pumpToServer() == 10, "one record per SSL_write, as libmosquitto writes each packet")
        #expect(tls.serverReadAll() == Self.packets(10, size: 40).flatMap { $0 })
    }

    @Test func bufferedWritesLeaveAsOneRecordWhenFlushed() throws {
        let tls = try MemoryTLS()
        #expect(tls_write_buffer_enable(tls.session) == 0)
        let packets = Self.packets(200, size: 40)
        for packet in packets {
            #expect(tls.write(packet) == 40, "a buffered write reports all its bytes written")
        }
        #expect(tls.pumpToServer() == 0, "nothing leaves before the flush")
        #expect(tls_write_buffer_pending(tls.session) == 8000)
        #expect(tls_write_buffer_flush(tls.session) == 1)
        #expect(tls_write_buffer_pending(tls.session) == 0)
        #expect(tls.pumpToServer() == 1, "8,000 bytes in one record instead of 200")
        #expect(tls.serverReadAll() == packets.flatMap { $0 })
        // The buffer is reusable: the next burst leaves the same way.
        #expect(tls.write([1, 2, 3]) == 3)
        #expect(tls_write_buffer_flush(tls.session) == 1)
        #expect(tls.pumpToServer() == 1)
        #expect(tls.serverReadAll() == [1, 2, 3])
    }

    @Test func aBurstLargerThanARecordLeavesInFullRecords() throws {
        let tls = try MemoryTLS()
        #expect(tls_write_buffer_enable(tls.session) == 0)
        let packets = Self.packets(1000, size: 100)  // 100,000 bytes: 7 records of at most 16 KiB
        for packet in packets { _ = tls.write(packet) }
        #expect(tls_write_buffer_flush(tls.session) == 1)
        #expect(tls.pumpToServer() == 7)
        #expect(tls.serverReadAll() == packets.flatMap { $0 })
    }

    @Test func aFullSocketKeepsTheRestForTheNextFlushAndWritesGoOnMeanwhile() throws {
        let tls = try MemoryTLS(clientSendBuffer: 4096)
        #expect(tls_write_buffer_enable(tls.session) == 0)
        let first = Self.packets(100, size: 1000)
        for packet in first { _ = tls.write(packet) }
        #expect(tls_write_buffer_flush(tls.session) == 0, "the 4 KiB send buffer cannot take 100 kB: poll for POLLOUT")
        // OpenSSL keeps what it already encrypted of the call; the buffer counts the call's bytes until it returns.
        #expect(tls_write_buffer_pending(tls.session) == 100_000)
        // More packets while a record is half sent: the buffer grows (and may move) under OpenSSL's pending write.
        let second = Self.packets(50, size: 1000, from: 100)
        for packet in second { #expect(tls.write(packet) == 1000) }
        var received: [UInt8] = []
        var flushes = 0
        while tls_write_buffer_flush(tls.session) == 0 {
            flushes += 1
            try #require(flushes < 1000, "the flush makes progress as the peer reads")
            _ = tls.pumpToServer()
            received += tls.serverReadAll()
        }
        _ = tls.pumpToServer()
        received += tls.serverReadAll()
        #expect(received == (first + second).flatMap { $0 }, "every byte, in order, once")
    }

    @Test func shutdownSendsWhatIsBufferedBeforeTheCloseNotify() throws {
        let tls = try MemoryTLS()
        #expect(tls_write_buffer_enable(tls.session) == 0)
        let disconnect: [UInt8] = [0xE0, 0x00]  // MQTT DISCONNECT, which libmosquitto writes just before closing
        #expect(tls.write(disconnect) == 2)
        _ = SSL_shutdown(tls.client)
        _ = tls.pumpToServer()
        #expect(tls.serverReadAll() == disconnect)
        #expect(tls.serverSawCloseNotify)
    }

    /// `count` packets of `size` bytes, each filled with its own number.
    static func packets(_ count: Int, size: Int, from start: Int = 0) -> [[UInt8]] {
        (start..<start + count).map { [UInt8](repeating: UInt8(truncatingIfNeeded: $0), count: size) }
    }
}

/// A TLS client and server in one process. The client writes into one end of a BIO pair (its send buffer, like a
/// socket's); ``pumpToServer()`` moves what arrived to the server and counts the records on the way.
final class MemoryTLS {
    let client: OpaquePointer
    let server: OpaquePointer
    private let clientContext: OpaquePointer
    private let serverContext: OpaquePointer
    /// The far end of the client's BIO pair: the client's records are read here, the server's written here.
    private let wire: OpaquePointer
    private let serverIn: OpaquePointer
    private let serverOut: OpaquePointer
    /// Client bytes read from the wire but not yet parsed into whole records.
    private var partialRecord: [UInt8] = []
    private(set) var serverSawCloseNotify = false

    init(clientSendBuffer: Int = 1 << 20) throws {
        let pki = try TestPKI.make()
        serverContext = try #require(SSL_CTX_new(TLS_server_method()))
        #expect(SSL_CTX_use_certificate_chain_file(serverContext, pki.certFile("broker").path) == 1)
        #expect(SSL_CTX_use_PrivateKey_file(serverContext, pki.keyFile("broker").path, SSL_FILETYPE_PEM) == 1)
        clientContext = try #require(SSL_CTX_new(TLS_client_method()))
        #expect(SSL_CTX_load_verify_file(clientContext, pki.caFile.path) == 1)
        SSL_CTX_set_verify(clientContext, SSL_VERIFY_PEER, nil)
        client = try #require(SSL_new(clientContext))
        server = try #require(SSL_new(serverContext))

        var clientEnd: OpaquePointer?
        var wireEnd: OpaquePointer?
        #expect(BIO_new_bio_pair(&clientEnd, clientSendBuffer, &wireEnd, 1 << 20) == 1)
        wire = try #require(wireEnd)
        SSL_set_bio(client, clientEnd, clientEnd)
        serverIn = try #require(BIO_new(BIO_s_mem()))
        serverOut = try #require(BIO_new(BIO_s_mem()))
        SSL_set_bio(server, serverIn, serverOut)
        SSL_set_connect_state(client)
        SSL_set_accept_state(server)

        for _ in 0..<20 where SSL_is_init_finished(client) == 0 || SSL_is_init_finished(server) == 0 {
            _ = SSL_do_handshake(client)
            _ = pumpToServer()
            _ = SSL_do_handshake(server)
            pumpToClient()
        }
        try #require(SSL_is_init_finished(client) == 1 && SSL_is_init_finished(server) == 1, "TLS handshake")
        partialRecord = []
    }

    deinit {
        SSL_free(client)
        SSL_free(server)
        BIO_free(wire)
        SSL_CTX_free(clientContext)
        SSL_CTX_free(serverContext)
    }

    /// The client's session as libmosquitto hands it out (`mosquitto_ssl_get`).
    var session: UnsafeMutableRawPointer { UnsafeMutableRawPointer(client) }

    /// The client's `SSL_write`.
    func write(_ bytes: [UInt8]) -> Int32 {
        SSL_write(client, bytes, Int32(bytes.count))
    }

    /// Moves what the client sent to the server; returns how many whole TLS records it held.
    @discardableResult
    func pumpToServer() -> Int {
        var bytes = [UInt8](repeating: 0, count: 65536)
        var records = 0
        while true {
            let count = BIO_read(wire, &bytes, Int32(bytes.count))
            guard count > 0 else { break }
            _ = BIO_write(serverIn, bytes, count)
            partialRecord += bytes[..<Int(count)]
            // A record: type (1 byte), version (2), length (2), then the length's bytes.
            while partialRecord.count >= 5 {
                let length = Int(partialRecord[3]) << 8 | Int(partialRecord[4])
                guard partialRecord.count >= 5 + length else { break }
                partialRecord.removeFirst(5 + length)
                records += 1
            }
        }
        return records
    }

    /// Moves what the server sent to the client.
    func pumpToClient() {
        var bytes = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = BIO_read(serverOut, &bytes, Int32(bytes.count))
            guard count > 0 else { return }
            _ = BIO_write(wire, bytes, count)
        }
    }

    /// Everything the server can read now.
    func serverReadAll() -> [UInt8] {
        var received: [UInt8] = []
        var bytes = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = SSL_read(server, &bytes, Int32(bytes.count))
            if count > 0 {
                received += bytes[..<Int(count)]
                continue
            }
            if SSL_get_error(server, count) == SSL_ERROR_ZERO_RETURN { serverSawCloseNotify = true }
            pumpToClient()  // session tickets, alerts
            return received
        }
    }
}
