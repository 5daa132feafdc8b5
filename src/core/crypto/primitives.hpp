#pragma once
// The OpenSSL 3 primitives the age format is made of (X25519, HKDF-SHA-256, HMAC-SHA-256,
// ChaCha20-Poly1305, the random generator). Only primitives.cpp and openssl.hpp include OpenSSL headers
// in crypto/. Keys are raw bytes; secrets live in Secret, wiped when it goes.
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace ifnbackup::crypto {

using Bytes = std::span<const unsigned char>;

inline constexpr std::size_t k_x25519_bytes = 32;
inline constexpr std::size_t k_aead_key_bytes = 32;
inline constexpr std::size_t k_aead_nonce_bytes = 12;
inline constexpr std::size_t k_aead_tag_bytes = 16;

// Overwrites `size` bytes at `data` in a way the compiler cannot drop (OPENSSL_cleanse).
void wipe(void* data, std::size_t size) noexcept;

// A fixed-size secret, wiped from memory when destroyed or overwritten.
template <std::size_t N>
struct Secret {
  std::array<unsigned char, N> bytes{};

  Secret() = default;
  Secret(const Secret&) = default;
  Secret& operator=(const Secret& other) {
    if (this != &other) {
      bytes = other.bytes;
    }
    return *this;
  }
  ~Secret() { wipe(bytes.data(), bytes.size()); }
  unsigned char* data() noexcept { return bytes.data(); }
  const unsigned char* data() const noexcept { return bytes.data(); }
  static constexpr std::size_t size() noexcept { return N; }
  Bytes view() const noexcept { return {bytes.data(), N}; }
};

// Compares in a time that does not depend on where the bytes differ (CRYPTO_memcmp): for MACs.
bool same_bytes(Bytes a, Bytes b) noexcept;

// `out.size()` bytes from OpenSSL's CSPRNG. Throws Error(internal) if it fails.
void random_bytes(std::span<unsigned char> out);

// X25519(secret, basepoint): the public key of a secret scalar.
std::array<unsigned char, k_x25519_bytes> x25519_public(const Secret<k_x25519_bytes>& secret);
// X25519(secret, peer); std::nullopt when the result is all zeros (a low-order peer point, which
// the age format says to abort on).
std::optional<Secret<k_x25519_bytes>> x25519_shared(const Secret<k_x25519_bytes>& secret, Bytes peer);

// HKDF-SHA-256 (RFC 5869) with 32 bytes of output; an empty salt is the RFC's default salt.
Secret<32> hkdf_sha256(Bytes key, Bytes salt, std::string_view info);
std::array<unsigned char, 32> hmac_sha256(Bytes key, Bytes message);

// ChaCha20-Poly1305 (RFC 8439) with no associated data. One context serves many messages under
// one or several keys: the payload's chunks reuse it.
class ChaChaPoly {
 public:
  ChaChaPoly();
  ~ChaChaPoly();
  ChaChaPoly(const ChaChaPoly&) = delete;
  ChaChaPoly& operator=(const ChaChaPoly&) = delete;

  // Writes plaintext.size() + k_aead_tag_bytes bytes to `out`.
  void seal(Bytes key, Bytes nonce, Bytes plaintext, unsigned char* out);
  // Writes ciphertext.size() - k_aead_tag_bytes bytes to `out` and returns true only when the tag
  // is right; on a wrong tag `out` is wiped and false returned (nothing unauthenticated is left).
  bool open(Bytes key, Bytes nonce, Bytes ciphertext, unsigned char* out);

 private:
  struct Context;
  std::unique_ptr<Context> m_context;
};

}  // namespace ifnbackup::crypto
