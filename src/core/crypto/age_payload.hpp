#pragma once
// The age payload (c2sp.org/age, "Payload"): ChaCha20-Poly1305 in the STREAM construction, one
// 64 KiB chunk at a time under HKDF(file key, nonce, "payload"), each chunk's 12-byte nonce its
// 11-byte big-endian counter and a last-chunk flag.
#include <cstdint>

#include "crypto/age_header.hpp"
#include "crypto/primitives.hpp"

namespace ifnbackup::crypto {

inline constexpr std::size_t k_sealed_chunk_bytes = k_age_chunk_bytes + k_aead_tag_bytes;

class PayloadCipher {
 public:
  // `nonce`: the payload's 16 random bytes that follow the header.
  PayloadCipher(const FileKey& file_key, Bytes nonce);

  // Seals the next chunk into `out` (plaintext.size() + 16 bytes) and moves to the next.
  void seal(Bytes plaintext, bool last, unsigned char* out);
  // Opens the next chunk as `last` or not into `out`; on success moves to the next. False (and `out`
  // wiped) when it does not authenticate under that flag.
  bool open(Bytes sealed, bool last, unsigned char* out);
  // The index of the next chunk.
  std::uint64_t chunk() const noexcept { return m_counter; }

 private:
  std::array<unsigned char, k_aead_nonce_bytes> nonce(bool last) const;

  Secret<32> m_key;
  ChaChaPoly m_aead;
  std::uint64_t m_counter = 0;
};

}  // namespace ifnbackup::crypto
