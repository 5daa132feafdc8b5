#include "crypto/age_payload.hpp"

#include "ifnbackup/error.hpp"

namespace ifnbackup::crypto {

PayloadCipher::PayloadCipher(const FileKey& file_key, Bytes nonce)
    : m_key(hkdf_sha256(file_key.view(), nonce, "payload")) {}

std::array<unsigned char, k_aead_nonce_bytes> PayloadCipher::nonce(bool last) const {
  std::array<unsigned char, k_aead_nonce_bytes> out{};
  // Bytes 0..10: the counter, big-endian (its top three bytes stay zero: 2^64 chunks is 2^80 bytes).
  for (std::size_t i = 0; i < 8; ++i) {
    out[10 - i] = static_cast<unsigned char>(m_counter >> (8 * i));
  }
  out[11] = last ? 1 : 0;
  return out;
}

void PayloadCipher::seal(Bytes plaintext, bool last, unsigned char* out) {
  if (plaintext.size() > k_age_chunk_bytes) {
    throw Error(ErrorCode::internal, tx("an age payload chunk larger than 64 KiB"));
  }
  m_aead.seal(m_key.view(), nonce(last), plaintext, out);
  ++m_counter;
}

bool PayloadCipher::open(Bytes sealed, bool last, unsigned char* out) {
  if (!m_aead.open(m_key.view(), nonce(last), sealed, out)) {
    return false;
  }
  ++m_counter;
  return true;
}

}  // namespace ifnbackup::crypto
