// AgeEncryptor (ifnbackup/age.hpp): the header, the payload nonce, then one sealed chunk each time
// 64 KiB of plaintext are held and more follows, so that the last chunk is the only short one and
// is empty only when the whole plaintext is (the rule the decryptors check).
#include <fmt/format.h>

#include "crypto/age_header.hpp"
#include "crypto/age_payload.hpp"
#include "ifnbackup/age.hpp"
#include "ifnbackup/error.hpp"

namespace ifnbackup {

using crypto::Bytes;

namespace {

Bytes bytes_of(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

struct AgeEncryptor::State {
  ByteSink sink;
  crypto::FileKey file_key;
  std::array<unsigned char, crypto::k_payload_nonce_bytes> nonce{};
  std::string header;  // the header and the nonce, as written
  std::optional<crypto::PayloadCipher> cipher;
  std::string held;    // plaintext not yet sealed: at most one chunk
  std::string sealed;  // the chunk being written
  std::uint64_t plaintext = 0;
  std::uint64_t ciphertext = 0;
  bool finished = false;

  ~State() { crypto::wipe(held.data(), held.size()); }

  void emit(std::string_view bytes) {
    sink(bytes);
    ciphertext += bytes.size();
  }
  void seal(std::string_view chunk, bool last) {
    sealed.resize(chunk.size() + crypto::k_aead_tag_bytes);
    cipher->seal(bytes_of(chunk), last, reinterpret_cast<unsigned char*>(sealed.data()));
    emit(sealed);
  }
};

AgeEncryptor::AgeEncryptor(std::span<const AgeRecipient> recipients, ByteSink sink)
    : m_state(std::make_unique<State>()) {
  if (recipients.empty()) {
    throw Error(ErrorCode::usage, tx("age encryption needs at least one recipient"),
                tx("give --encrypt-to age1… (the public key age-keygen printed)"));
  }
  State& s = *m_state;
  s.sink = std::move(sink);
  crypto::random_bytes(s.file_key.bytes);
  std::vector<crypto::Stanza> stanzas;
  stanzas.reserve(recipients.size());
  for (const AgeRecipient& recipient : recipients) {
    stanzas.push_back(crypto::x25519_stanza(s.file_key, recipient));
  }
  crypto::random_bytes(s.nonce);
  s.header = crypto::encode_header(stanzas, s.file_key);
  s.header.append(reinterpret_cast<const char*>(s.nonce.data()), s.nonce.size());
  s.cipher.emplace(s.file_key, s.nonce);
  s.held.reserve(k_age_chunk_bytes);
  s.sealed.reserve(crypto::k_sealed_chunk_bytes);
  s.emit(s.header);
}

AgeEncryptor::AgeEncryptor(const AgeEncryptor& same, ByteSink sink) : m_state(std::make_unique<State>()) {
  State& s = *m_state;
  s.sink = std::move(sink);
  s.file_key = same.m_state->file_key;
  s.nonce = same.m_state->nonce;
  s.header = same.m_state->header;
  s.cipher.emplace(s.file_key, s.nonce);
  s.held.reserve(k_age_chunk_bytes);
  s.sealed.reserve(crypto::k_sealed_chunk_bytes);
  s.emit(s.header);
}

AgeEncryptor::~AgeEncryptor() = default;

void AgeEncryptor::write(std::string_view plaintext) {
  State& s = *m_state;
  if (s.finished) {
    throw Error(ErrorCode::internal, tx("age: write after finish"));
  }
  s.plaintext += plaintext.size();
  while (!plaintext.empty()) {
    // A full chunk is sealed only once more plaintext is known to follow it.
    if (s.held.size() == k_age_chunk_bytes) {
      s.seal(s.held, false);
      s.held.clear();
    }
    if (s.held.empty() && plaintext.size() > k_age_chunk_bytes) {
      s.seal(plaintext.substr(0, k_age_chunk_bytes), false);  // straight from the caller's bytes
      plaintext.remove_prefix(k_age_chunk_bytes);
      continue;
    }
    const std::size_t take = std::min(k_age_chunk_bytes - s.held.size(), plaintext.size());
    s.held.append(plaintext.substr(0, take));
    plaintext.remove_prefix(take);
  }
}

void AgeEncryptor::finish() {
  State& s = *m_state;
  if (s.finished) {
    throw Error(ErrorCode::internal, tx("age: finish called twice"));
  }
  s.seal(s.held, true);
  crypto::wipe(s.held.data(), s.held.size());
  s.held.clear();
  s.finished = true;
}

std::uint64_t AgeEncryptor::plaintext_bytes() const noexcept {
  return m_state->plaintext;
}

std::uint64_t AgeEncryptor::ciphertext_bytes() const noexcept {
  return m_state->ciphertext;
}

std::uint64_t AgeEncryptor::header_bytes() const noexcept {
  return m_state->header.size();
}

std::uint64_t age_ciphertext_size(std::uint64_t header_bytes, std::uint64_t plaintext) noexcept {
  const std::uint64_t chunks = plaintext == 0 ? 1 : (plaintext + k_age_chunk_bytes - 1) / k_age_chunk_bytes;
  return header_bytes + plaintext + chunks * crypto::k_aead_tag_bytes;
}

}  // namespace ifnbackup
