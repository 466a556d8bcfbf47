#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
/* libcrypto (OpenSSL 3), for `robotd check`: read PEM certificates and keys, check that they match. libcurl already
   loads this library, so linking it costs robotd almost nothing. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#endif
