// A test-only stand-in for the kernel's i2c-dev interface, preloaded into the real robotd binary
// (LD_PRELOAD) so that end-to-end tests can make its I2C bus fail on demand: the binary, its configuration
// (driver "adafruit") and its syscall path stay the product's; only the kernel's answer is replaced.
//
// Environment:
//   FAKE_I2C_DEVICE     the adapter path to fake, e.g. /dev/i2c-97 (open() returns a /dev/null descriptor)
//   FAKE_I2C_FAIL_FILE  while this file exists, every write() to the fake adapter fails with EREMOTEIO, as
//                       the Raspberry Pi's adapter reports a chip that does not answer
//   FAKE_I2C_LOG        optional: each write is appended as "ok|fail <hex bytes>" on a line
//
// ioctl(I2C_SLAVE) on the fake descriptor succeeds; other ioctls on it fail with ENOTTY. Every other
// descriptor goes to the real libc.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define I2C_SLAVE 0x0703

static int fake_fd = -1;

static int open_fake_or_real(const char *symbol, const char *path, int flags, mode_t mode) {
    int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, symbol);
    const char *device = getenv("FAKE_I2C_DEVICE");
    if (device != NULL && path != NULL && strcmp(path, device) == 0) {
        int fd = real("/dev/null", O_RDWR | (flags & O_CLOEXEC));
        if (fd >= 0) fake_fd = fd;
        return fd;
    }
    return real(path, flags, mode);
}

static mode_t mode_argument(int flags, va_list arguments) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(arguments, int) : 0;
}

int open(const char *path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    return open_fake_or_real("open", path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    return open_fake_or_real("open64", path, flags, mode);
}

int ioctl(int fd, unsigned long request, ...) {
    va_list arguments;
    va_start(arguments, request);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);
    if (fd >= 0 && fd == fake_fd) {
        if (request == I2C_SLAVE) return 0;
        errno = ENOTTY;
        return -1;
    }
    int (*real)(int, unsigned long, ...) = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    return real(fd, request, argument);
}

static void log_write(const char *outcome, const void *buffer, size_t count) {
    const char *path = getenv("FAKE_I2C_LOG");
    if (path == NULL) return;
    FILE *log = fopen(path, "a");
    if (log == NULL) return;
    fprintf(log, "%s", outcome);
    for (size_t i = 0; i < count; i++) fprintf(log, " %02x", ((const unsigned char *)buffer)[i]);
    fprintf(log, "\n");
    fclose(log);
}

ssize_t write(int fd, const void *buffer, size_t count) {
    if (fd >= 0 && fd == fake_fd) {
        const char *fail = getenv("FAKE_I2C_FAIL_FILE");
        if (fail != NULL && access(fail, F_OK) == 0) {
            log_write("fail", buffer, count);
            errno = EREMOTEIO;
            return -1;
        }
        log_write("ok", buffer, count);
        return (ssize_t)count;
    }
    ssize_t (*real)(int, const void *, size_t) = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    return real(fd, buffer, count);
}

int close(int fd) {
    if (fd >= 0 && fd == fake_fd) fake_fd = -1;
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "close");
    return real(fd);
}
