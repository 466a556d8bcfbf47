#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
/* The network loop's wake-up descriptor (Sources/MQTT/Mosquitto.swift). */
#include <sys/eventfd.h>
/* TCP_CORK for the network loop's batched writes. */
#include <netinet/tcp.h>
#endif
