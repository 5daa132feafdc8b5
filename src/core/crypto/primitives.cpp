#include "crypto/primitives.hpp"

#include "crypto/openssl.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <string>

#include "ifnbackup/error.hpp"

namespace ifnbackup::crypto {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* kdf) const noexcept { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};
struct MacFree {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
Pkey x25519_private_key(const Secret<k_x25519_bytes>& secret) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!key) {
    throw_openssl("loading an X25519 key");
  }
  return key;
}

// OSSL_PARAM takes non-const pointers; it only reads them here.
void* writable(const void* data) {
  return const_cast<void*>(data);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

}  // namespace

void throw_openssl(const char* what) {
  std::string detail;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    detail += (detail.empty() ? "" : "; ") + std::string(text);
  }
  throw Error(ErrorCode::internal, tx("OpenSSL: {}{}", what, detail.empty() ? "" : ": " + detail),
              tx("check the libssl3 package (ifnbackup needs OpenSSL 3 with Ed25519, X25519 and ChaCha20-Poly1305)"));
}

void wipe(void* data, std::size_t size) noexcept {
  OPENSSL_cleanse(data, size);
}

bool same_bytes(Bytes a, Bytes b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void random_bytes(std::span<unsigned char> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw_openssl("drawing random bytes");
  }
}

std::array<unsigned char, k_x25519_bytes> x25519_public(const Secret<k_x25519_bytes>& secret) {
  const Pkey key = x25519_private_key(secret);
  std::array<unsigned char, k_x25519_bytes> out{};
  std::size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &length) != 1 || length != out.size()) {
    throw_openssl("computing an X25519 public key");
  }
  return out;
}

std::optional<Secret<k_x25519_bytes>> x25519_shared(const Secret<k_x25519_bytes>& secret, Bytes peer) {
  if (peer.size() != k_x25519_bytes) {
    return std::nullopt;
  }
  const Pkey key = x25519_private_key(secret);
  Pkey peer_key(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!peer_key || !ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    throw_openssl("starting an X25519 exchange");
  }
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer_key.get()) != 1) {
    throw_openssl("starting an X25519 exchange");
  }
  Secret<k_x25519_bytes> shared;
  std::size_t length = shared.size();
  // OpenSSL refuses to derive an all-zero secret (a low-order point): the same answer as ours.
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &length) != 1 || length != shared.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  unsigned char any = 0;
  for (const unsigned char byte : shared.bytes) {
    any |= byte;
  }
  if (any == 0) {
    return std::nullopt;
  }
  return shared;
}

Secret<32> hkdf_sha256(Bytes key, Bytes salt, std::string_view info) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) {
    throw_openssl("starting HKDF-SHA-256");
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, writable(key.data()), key.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, writable(salt.data()), salt.size());
  }
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, writable(info.data()), info.size());
  params[n] = OSSL_PARAM_construct_end();
  Secret<32> out;
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    throw_openssl("deriving a key with HKDF-SHA-256");
  }
  return out;
}

std::array<unsigned char, 32> hmac_sha256(Bytes key, Bytes message) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  std::array<unsigned char, 32> out{};
  std::size_t length = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size()) {
    throw_openssl("computing HMAC-SHA-256");
  }
  return out;
}

struct ChaChaPoly::Context {
  EVP_CIPHER_CTX* ctx = nullptr;
  EVP_CIPHER* cipher = nullptr;
};

ChaChaPoly::ChaChaPoly() : m_context(std::make_unique<Context>()) {
  m_context->cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  m_context->ctx = EVP_CIPHER_CTX_new();
  if (!m_context->cipher || !m_context->ctx) {
    EVP_CIPHER_free(m_context->cipher);
    EVP_CIPHER_CTX_free(m_context->ctx);
    throw_openssl("starting ChaCha20-Poly1305");
  }
}

ChaChaPoly::~ChaChaPoly() {
  EVP_CIPHER_CTX_free(m_context->ctx);  // cleanses the key schedule it holds
  EVP_CIPHER_free(m_context->cipher);
}

void ChaChaPoly::seal(Bytes key, Bytes nonce, Bytes plaintext, unsigned char* out) {
  EVP_CIPHER_CTX* ctx = m_context->ctx;
  int length = 0;
  int final_length = 0;
  if (key.size() != k_aead_key_bytes || nonce.size() != k_aead_nonce_bytes ||
      EVP_EncryptInit_ex2(ctx, m_context->cipher, key.data(), nonce.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, out, &length, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out + length, &final_length) != 1 ||
      static_cast<std::size_t>(length + final_length) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(k_aead_tag_bytes), out + plaintext.size()) !=
          1) {
    throw_openssl("encrypting with ChaCha20-Poly1305");
  }
}

bool ChaChaPoly::open(Bytes key, Bytes nonce, Bytes ciphertext, unsigned char* out) {
  if (key.size() != k_aead_key_bytes || nonce.size() != k_aead_nonce_bytes || ciphertext.size() < k_aead_tag_bytes) {
    return false;
  }
  EVP_CIPHER_CTX* ctx = m_context->ctx;
  const std::size_t body = ciphertext.size() - k_aead_tag_bytes;
  int length = 0;
  int final_length = 0;
  if (EVP_DecryptInit_ex2(ctx, m_context->cipher, key.data(), nonce.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx, out, &length, ciphertext.data(), static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(k_aead_tag_bytes),
                          writable(ciphertext.data() + body)) != 1) {
    throw_openssl("decrypting with ChaCha20-Poly1305");
  }
  if (EVP_DecryptFinal_ex(ctx, out + length, &final_length) != 1) {
    ERR_clear_error();
    wipe(out, body);
    return false;
  }
  return true;
}

}  // namespace ifnbackup::crypto
