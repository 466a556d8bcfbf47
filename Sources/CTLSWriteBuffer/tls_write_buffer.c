#define _GNU_SOURCE
#include "CTLSWriteBuffer.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* A session's buffer: bytes [sent, length) are still to go. */
struct write_buffer {
    unsigned char *bytes;
    size_t length;
    size_t capacity;
    size_t sent;
};

/* The most an empty buffer keeps allocated between bursts. */
static const size_t retained_capacity = 256 * 1024;

/* Read by every SSL_write in the process (libcurl's too), set once by the first enable. */
static atomic_int buffer_index = -1;
static pthread_once_t buffer_index_once = PTHREAD_ONCE_INIT;

static void free_buffer(void *parent, void *pointer, CRYPTO_EX_DATA *data, int index, long argl, void *argp) {
    (void)parent; (void)data; (void)index; (void)argl; (void)argp;
    struct write_buffer *buffer = pointer;
    if (buffer) {
        free(buffer->bytes);
        free(buffer);
    }
}

static void make_buffer_index(void) {
    atomic_store(&buffer_index, SSL_get_ex_new_index(0, NULL, NULL, NULL, free_buffer));
}

static struct write_buffer *buffer_of(const SSL *ssl) {
    /* Before the first enable there is no index, and no session can have a buffer. */
    int index = atomic_load_explicit(&buffer_index, memory_order_acquire);
    if (ssl == NULL || index < 0) return NULL;
    return SSL_get_ex_data(ssl, index);
}

static int write_through(SSL *ssl, const void *bytes, int count) {
    size_t written = 0;
    int ok = SSL_write_ex(ssl, bytes, (size_t)count, &written);
    return ok > 0 ? (int)written : ok;
}

int tls_write_buffer_enable(void *session) {
    SSL *ssl = session;
    pthread_once(&buffer_index_once, make_buffer_index);
    int index = atomic_load(&buffer_index);
    if (index < 0) return -1;
    if (SSL_get_ex_data(ssl, index) != NULL) return 0;
    struct write_buffer *buffer = calloc(1, sizeof *buffer);
    if (buffer == NULL) return -1;
    if (!SSL_set_ex_data(ssl, index, buffer)) {
        free(buffer);
        return -1;
    }
    /* A flush the socket could not take is retried with the same bytes, which may have moved (realloc) by then. */
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return 0;
}

size_t tls_write_buffer_pending(void *session) {
    struct write_buffer *buffer = buffer_of(session);
    return buffer ? buffer->length - buffer->sent : 0;
}

int tls_write_buffer_flush(void *session) {
    SSL *ssl = session;
    struct write_buffer *buffer = buffer_of(ssl);
    if (buffer == NULL) return 1;
    while (buffer->sent < buffer->length) {
        size_t remaining = buffer->length - buffer->sent;
        int chunk = remaining > (size_t)INT_MAX ? INT_MAX : (int)remaining;
        int written = write_through(ssl, buffer->bytes + buffer->sent, chunk);
        if (written > 0) {
            buffer->sent += (size_t)written;
            continue;
        }
        int error = SSL_get_error(ssl, written);
        if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) return 0;
        return -1;
    }
    buffer->length = 0;
    buffer->sent = 0;
    if (buffer->capacity > retained_capacity) {
        /* A burst (a reconnect's backlog) grew it: the memory goes back once it left. */
        free(buffer->bytes);
        buffer->bytes = NULL;
        buffer->capacity = 0;
    }
    return 1;
}

/* The interposed OpenSSL calls. Weak, so that a fully static link (where libssl.a defines them too) takes
   OpenSSL's and only loses the buffering; in a dynamic link the executable's definitions still come first. */

__attribute__((weak)) int SSL_write(SSL *ssl, const void *bytes, int count) {
    if (count < 0) {
        ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
        return -1;
    }
    struct write_buffer *buffer = buffer_of(ssl);
    if (buffer == NULL || count == 0) return write_through(ssl, bytes, count);
    size_t needed = buffer->length + (size_t)count;
    if (needed > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 16384;
        while (capacity < needed) capacity *= 2;
        unsigned char *grown = realloc(buffer->bytes, capacity);
        if (grown == NULL) {
            /* Out of memory: what is buffered must leave first, so this write cannot go around it. */
            ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
            return -1;
        }
        buffer->bytes = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->bytes + buffer->length, bytes, (size_t)count);
    buffer->length = needed;
    return count;
}

typedef int (*shutdown_function)(SSL *);
static shutdown_function openssl_shutdown;
static pthread_once_t openssl_shutdown_once = PTHREAD_ONCE_INIT;

static void find_openssl_shutdown(void) {
    openssl_shutdown = (shutdown_function)dlsym(RTLD_NEXT, "SSL_shutdown");
}

__attribute__((weak)) int SSL_shutdown(SSL *ssl) {
    pthread_once(&openssl_shutdown_once, find_openssl_shutdown);
    if (tls_write_buffer_pending(ssl) > 0) (void)tls_write_buffer_flush(ssl);
    return openssl_shutdown ? openssl_shutdown(ssl) : -1;
}
