#ifndef CI2C_SHIM_H
#define CI2C_SHIM_H
/* Linux I2C userspace: the I2C_SLAVE ioctl (a macro, and ioctl is variadic) and libi2c's SMBus helpers. */
#include <linux/types.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>
#include <sys/ioctl.h>

/* Selects the 7-bit address that following read()/write() calls talk to. Returns -1 and sets errno on failure. */
static inline int ci2c_set_slave_address(int fd, int address) {
    return ioctl(fd, I2C_SLAVE, (unsigned long)address);
}
#endif
