#ifndef CTLS_WRITE_BUFFER_H
#define CTLS_WRITE_BUFFER_H
/*
 * One TLS record per burst instead of one per MQTT packet.
 *
 * libmosquitto hands every packet to SSL_write on its own, so each PUBACK and each PUBLISH becomes a TLS record of
 * its own (≈ 30 bytes of header and tag, an encryption, a write) and the broker reads and decrypts each one apart.
 * This library defines SSL_write, which the dynamic linker then binds libmosquitto's calls to (an executable's
 * symbols come before a library's). For a session that tls_write_buffer_enable() was called on, SSL_write only
 * appends to the session's buffer and reports everything written; tls_write_buffer_flush() then sends the buffer
 * as few full records (≤ 16 KiB each). Every other session — libcurl's, libmosquitto's before it is enabled —
 * goes straight to OpenSSL's SSL_write_ex. SSL_shutdown flushes first, so a DISCONNECT written just before the
 * close still leaves.
 *
 * All calls for one session come from one thread (the MQTT network thread; libmosquitto in threaded mode only
 * queues packets from other threads).
 */
#include <stddef.h>

/* Buffers the session's writes from now on (idempotent). `ssl` is libmosquitto's SSL *. Returns 0, or -1 when
   OpenSSL could not allocate the session's state (then writes stay unbuffered). */
int tls_write_buffer_enable(void *ssl);

/* Bytes buffered and not yet handed to the socket; 0 for a session that is not enabled. */
size_t tls_write_buffer_pending(void *ssl);

/* Sends what is buffered. Returns 1 when all of it left, 0 when the socket is full (poll for POLLOUT and call
   again), -1 when the session failed (the connection is unusable). */
int tls_write_buffer_flush(void *ssl);
#endif
