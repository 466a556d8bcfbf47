#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
/* The network loop's wake-up descriptor (Sources/MQTT/Mosquitto.swift). */
#include <sys/eventfd.h>
/* TCP_CORK for the network loop's batched writes. */
#include <netinet/tcp.h>
/* OpenSSL's read-ahead on libmosquitto's TLS session (Sources/MQTT/Mosquitto.swift). */
#include <openssl/ssl.h>

static inline void cmosquitto_ssl_read_ahead(void *ssl) { SSL_set_read_ahead((SSL *)ssl, 1); }
static inline int cmosquitto_ssl_has_pending(void *ssl) { return ssl ? SSL_has_pending((const SSL *)ssl) : 0; }
#endif
