#pragma once
// Ed25519 (RFC 8032) through OpenSSL: ed25519.cpp is the only file of sign/ that includes OpenSSL headers
// (its handles and error translator: crypto/openssl.hpp), as db/connection.cpp is for mysql.h. Keys and
// signatures are raw bytes here; files and text are sign/signing_key.cpp's and sign/file_signature.cpp's
// business.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ifnbackup::sign {

inline constexpr std::size_t k_public_key_bytes = 32;
inline constexpr std::size_t k_seed_bytes = 32;  // the private key
inline constexpr std::size_t k_signature_bytes = 64;

struct KeyPair {
  std::string seed;        // k_seed_bytes, secret
  std::string public_key;  // k_public_key_bytes
};

// A new key from OpenSSL's random generator. Throws Error(internal) if OpenSSL fails.
KeyPair generate_key_pair();
std::string public_key_of(std::string_view seed);
// The seed as an unencrypted PKCS#8 PEM block ("-----BEGIN PRIVATE KEY-----"), which
// `openssl pkey -in FILE -pubout` also reads.
std::string private_key_pem(std::string_view seed);
// std::nullopt for anything but an unencrypted Ed25519 private key in PEM (never asks for a passphrase).
std::optional<std::string> seed_from_pem(std::string_view pem);

// The 64-byte signature of `message`.
std::string sign_message(std::string_view seed, std::string_view message);
// False for a wrong signature, a signature of other bytes, or malformed key or signature.
bool signature_matches(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace ifnbackup::sign
