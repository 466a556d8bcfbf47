#include "CGPIO.h"

#include <errno.h>
#include <linux/gpio.h>
#include <string.h>
#include <sys/ioctl.h>

int cgpio_request_outputs(int chip_fd, const uint32_t *offsets, uint32_t count, const char *consumer,
                          uint64_t initial_values) {
    if (count == 0 || count > GPIO_V2_LINES_MAX) {
        errno = EINVAL;
        return -1;
    }
    struct gpio_v2_line_request request;
    memset(&request, 0, sizeof request);
    memcpy(request.offsets, offsets, count * sizeof(uint32_t));
    strncpy(request.consumer, consumer, GPIO_MAX_NAME_SIZE - 1);
    request.num_lines = count;
    request.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
    request.config.num_attrs = 1;
    request.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    request.config.attrs[0].attr.values = initial_values;
    request.config.attrs[0].mask = (count == 64) ? ~(uint64_t)0 : (((uint64_t)1 << count) - 1);
    int rc;
    do {
        rc = ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, &request);
    } while (rc == -1 && errno == EINTR);
    return rc == -1 ? -1 : request.fd;
}

int cgpio_set_values(int request_fd, uint64_t bits, uint64_t mask) {
    struct gpio_v2_line_values values = {.bits = bits, .mask = mask};
    int rc;
    do {
        rc = ioctl(request_fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values);
    } while (rc == -1 && errno == EINTR);
    return rc;
}

int cgpio_get_values(int request_fd, uint64_t mask, uint64_t *bits) {
    struct gpio_v2_line_values values = {.bits = 0, .mask = mask};
    int rc;
    do {
        rc = ioctl(request_fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values);
    } while (rc == -1 && errno == EINTR);
    if (rc == 0) *bits = values.bits;
    return rc;
}

int cgpio_chip_info(int chip_fd, char *name, char *label, uint32_t *lines) {
    struct gpiochip_info info;
    memset(&info, 0, sizeof info);
    int rc;
    do {
        rc = ioctl(chip_fd, GPIO_GET_CHIPINFO_IOCTL, &info);
    } while (rc == -1 && errno == EINTR);
    if (rc == 0) {
        memcpy(name, info.name, sizeof info.name);
        memcpy(label, info.label, sizeof info.label);
        *lines = info.lines;
    }
    return rc;
}
