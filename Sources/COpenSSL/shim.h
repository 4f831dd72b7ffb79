#pragma once
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

/// Macros over SSL_ctrl / SSL_CTX_ctrl, as functions Swift can call.
static inline long tt_ssl_set_sni(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long tt_ssl_ctx_set_min_tls12(SSL_CTX *ctx) { return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); }
static inline long tt_ssl_ctx_set_max_proto(SSL_CTX *ctx, int v) { return SSL_CTX_set_max_proto_version(ctx, v); }
static inline long tt_ssl_ctx_set_partial_write(SSL_CTX *ctx) {
    return SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}
static inline int tt_tls1_1_version(void) { return TLS1_1_VERSION; }
static inline int tt_tls1_2_version(void) { return TLS1_2_VERSION; }
/// An empty memory BIO reports "retry", not end of file: more bytes may come from the socket.
static inline long tt_bio_set_mem_eof_return(BIO *b, long v) { return BIO_set_mem_eof_return(b, v); }
/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen: a fresh P-256 key, or NULL.
static inline EVP_PKEY *tt_ec_p256_keygen(void) { return EVP_EC_gen("P-256"); }
