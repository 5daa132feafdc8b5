#pragma once
// OpenSSL handles owned by unique_ptr, and the one translator of OpenSSL failures, for the two files
// that use OpenSSL: crypto/primitives.cpp (the age format) and sign/ed25519.cpp (signatures).
#include <openssl/evp.h>

#include <memory>

namespace ifnbackup::crypto {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Error(internal) naming `what` and OpenSSL's error queue, which it empties.
[[noreturn]] void throw_openssl(const char* what);

}  // namespace ifnbackup::crypto
