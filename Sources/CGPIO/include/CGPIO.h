#ifndef CGPIO_H
#define CGPIO_H
/*
 * The Linux GPIO character device, kernel v2 line uAPI (5.10+), reduced to what an output-only
 * driver needs. Called directly instead of through libgpiod, whose v1 (Debian 12) and v2 APIs differ.
 * Every function returns -1 and leaves errno set on failure.
 */
#include <stdint.h>

/* Requests `count` (<= 64) lines of the chip open at `chip_fd` as outputs in one request, with the
 * initial values in the bits of `initial_values` (bit i = offsets[i]). Returns the request's fd. */
int cgpio_request_outputs(int chip_fd, const uint32_t *offsets, uint32_t count, const char *consumer,
                          uint64_t initial_values);

/* Sets the lines of a request selected by `mask` to the matching bits of `bits`. */
int cgpio_set_values(int request_fd, uint64_t bits, uint64_t mask);

/* Reads the lines of a request selected by `mask` into `*bits`. */
int cgpio_get_values(int request_fd, uint64_t mask, uint64_t *bits);

/* Fills `name` and `label` (each at least 32 bytes) and `*lines` from GPIO_GET_CHIPINFO_IOCTL. */
int cgpio_chip_info(int chip_fd, char *name, char *label, uint32_t *lines);

#endif
