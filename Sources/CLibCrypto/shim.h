#ifndef JIDO_CLIBCRYPTO_SHIM_H
#define JIDO_CLIBCRYPTO_SHIM_H
/* Only the non-deprecated OpenSSL 3 entry points the core uses. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#endif
