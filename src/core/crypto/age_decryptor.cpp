// AgeDecryptor (ifnbackup/age.hpp): the header is gathered and parsed whole, a file key unwrapped
// and the header MAC checked before the first payload byte is looked at; then each sealed chunk is
// opened into a buffer of our own and reaches the sink only once its tag is right.
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

constexpr const char* k_changed_hint =
    N_("the encrypted file was changed or damaged after it was written: take another copy (the backup folder, the "
       "bucket); `age -d` refuses it too");

enum class Phase { header, nonce, payload, done, failed };

}  // namespace

struct AgeDecryptor::State {
  std::vector<AgeIdentity> identities;
  ByteSink sink;
  std::string name;
  Phase phase = Phase::header;
  std::string pending;  // the header so far, then the nonce, then a partial sealed chunk
  std::size_t scanned = 0;
  crypto::FileKey file_key;  // from the header's MAC check until the nonce is read
  std::optional<crypto::PayloadCipher> cipher;
  std::string opened;  // a chunk's plaintext, released once authenticated
  std::uint64_t received = 0;
  std::uint64_t released = 0;

  ~State() { crypto::wipe(opened.data(), opened.size()); }

  [[noreturn]] void corrupt(const std::string& what) const {
    throw Error(ErrorCode::corrupt, tx("{}: {}", name, what), tx(k_changed_hint));
  }
  [[noreturn]] void incomplete(const std::string& what) const {
    throw Error(ErrorCode::incomplete, tx("{}: {}", name, what),
                tx("the copy was cut short (a transfer or a disk that filled up): take another copy"));
  }

  std::string chunk_place(std::uint64_t chunk) const {
    return fmt::format("chunk {} (plaintext bytes from {})", chunk, chunk * k_age_chunk_bytes);
  }

  void release(std::size_t size) {
    if (size > 0) {
      sink(std::string_view(opened.data(), size));
      released += size;
    }
  }

  void open_header(std::string_view header) {
    const crypto::ParsedHeader parsed = crypto::parse_header(header, name);
    std::size_t x25519 = 0;
    for (const crypto::Stanza& stanza : parsed.stanzas) {
      x25519 += stanza.args.front() == "X25519" ? 1 : 0;
      // A passphrase stanza must be alone (the format's rule, which keeps passphrase files authenticated).
      if (stanza.args.front() == "scrypt" && parsed.stanzas.size() > 1) {
        throw Error(ErrorCode::corrupt, tx("{}: damaged age header: an scrypt stanza beside others", name),
                    k_changed_hint);
      }
    }
    std::optional<crypto::FileKey> unwrapped;
    for (const AgeIdentity& identity : identities) {
      for (const crypto::Stanza& stanza : parsed.stanzas) {
        unwrapped = crypto::x25519_unwrap(stanza, identity, name);
        if (unwrapped) {
          break;
        }
      }
      if (unwrapped) {
        break;
      }
    }
    if (!unwrapped) {
      if (x25519 == 0) {
        throw Error(ErrorCode::wrong_identity,
                    tx("{} is encrypted to no X25519 recipient (its header holds \"{}\" stanzas)", name,
                       parsed.stanzas.front().args.front()),
                    tx("ifnbackup reads files encrypted to age1… keys only: decrypt this one with `age -d`"));
      }
      throw Error(ErrorCode::wrong_identity,
                  tx("{} is encrypted to none of the {} identities given ({} X25519 recipient(s) in its "
                     "header)",
                     name, identities.size(), x25519),
                  tx("give the identity file (--identity) whose public key the backups are encrypted to: "
                     "`age-keygen -y FILE` prints it, compare it with --encrypt-to"));
    }
    const auto mac = crypto::header_mac(*unwrapped, header.substr(0, parsed.mac_input_bytes));
    if (!crypto::same_bytes(mac, parsed.mac)) {
      throw Error(ErrorCode::corrupt, tx("{}: the age header's MAC is wrong: the header was changed", name),
                  k_changed_hint);
    }
    // The payload key needs the nonce, which follows: the file key waits for it.
    file_key = *unwrapped;
  }

  // A sealed chunk of full size: not the last one, or the last one of a payload whose length is a
  // multiple of 64 KiB (then nothing may follow it).
  void open_full_chunk(std::string_view sealed) {
    const std::uint64_t chunk = cipher->chunk();
    auto* out = reinterpret_cast<unsigned char*>(opened.data());
    if (cipher->open(bytes_of(sealed), false, out)) {
      release(k_age_chunk_bytes);
    } else if (cipher->open(bytes_of(sealed), true, out)) {
      release(k_age_chunk_bytes);
      phase = Phase::done;
    } else {
      corrupt(fmt::format("{} of the age payload fails authentication", chunk_place(chunk)));
    }
  }

  void feed_payload(std::string_view data) {
    while (!data.empty()) {
      if (phase == Phase::done) {
        corrupt(fmt::format("{} bytes after the final chunk of the age payload", pending.size() + data.size()));
      }
      if (pending.empty() && data.size() >= crypto::k_sealed_chunk_bytes) {
        open_full_chunk(data.substr(0, crypto::k_sealed_chunk_bytes));
        data.remove_prefix(crypto::k_sealed_chunk_bytes);
        continue;
      }
      const std::size_t take = std::min(crypto::k_sealed_chunk_bytes - pending.size(), data.size());
      pending.append(data.substr(0, take));
      data.remove_prefix(take);
      if (pending.size() == crypto::k_sealed_chunk_bytes) {
        open_full_chunk(pending);
        pending.clear();
      }
    }
  }

  void write(std::string_view data) {
    received += data.size();
    std::string rest;
    if (phase == Phase::header) {
      pending.append(data);
      const auto end = crypto::find_header_end(pending, scanned, name);
      if (!end) {
        return;
      }
      open_header(std::string_view(pending).substr(0, *end));
      rest = pending.substr(*end);
      pending.clear();
      data = rest;
      phase = Phase::nonce;
    }
    if (phase == Phase::nonce) {
      const std::size_t take = std::min(crypto::k_payload_nonce_bytes - pending.size(), data.size());
      pending.append(data.substr(0, take));
      data.remove_prefix(take);
      if (pending.size() < crypto::k_payload_nonce_bytes) {
        return;
      }
      cipher.emplace(file_key, bytes_of(pending));
      crypto::wipe(file_key.data(), file_key.size());
      pending.clear();
      pending.reserve(crypto::k_sealed_chunk_bytes);
      opened.resize(k_age_chunk_bytes);
      phase = Phase::payload;
    }
    feed_payload(data);
  }

  void finish() {
    switch (phase) {
      case Phase::header:
        if (received == 0) {
          incomplete("an empty file, not an age-encrypted one");
        }
        incomplete("the file ends inside its age header");
      case Phase::nonce:
        incomplete("the file ends before the age payload's nonce");
      case Phase::done:
        return;
      case Phase::failed:
      case Phase::payload:
        break;
    }
    const std::uint64_t chunk = cipher->chunk();
    if (pending.empty()) {
      if (chunk == 0) {
        incomplete("the age payload holds no chunk at all");
      }
      incomplete(fmt::format("the file ends after {} chunk(s) without the final one: it was cut short", chunk));
    }
    if (pending.size() < crypto::k_aead_tag_bytes) {
      incomplete(fmt::format("the file ends inside {}, before its tag: it was cut short", chunk_place(chunk)));
    }
    if (!cipher->open(bytes_of(pending), true, reinterpret_cast<unsigned char*>(opened.data()))) {
      corrupt(
          fmt::format("{}, the last, fails authentication as the final chunk: the file was cut short or "
                      "changed",
                      chunk_place(chunk)));
    }
    const std::size_t size = pending.size() - crypto::k_aead_tag_bytes;
    if (size == 0 && chunk > 0) {
      corrupt(
          fmt::format("an empty final chunk after {} chunk(s) (the format allows one only for an empty "
                      "payload)",
                      chunk));
    }
    release(size);
    pending.clear();
    phase = Phase::done;
  }
};

AgeDecryptor::AgeDecryptor(std::vector<AgeIdentity> identities, ByteSink sink, std::string name)
    : m_state(std::make_unique<State>()) {
  if (identities.empty()) {
    throw Error(ErrorCode::usage, tx("no age identity to decrypt {}", name),
                tx("give --identity FILE (the file age-keygen wrote)"));
  }
  m_state->identities = std::move(identities);
  m_state->sink = std::move(sink);
  m_state->name = std::move(name);
}

AgeDecryptor::~AgeDecryptor() = default;

void AgeDecryptor::write(std::string_view ciphertext) {
  State& s = *m_state;
  if (s.phase == Phase::failed) {
    throw Error(ErrorCode::internal, tx("{}: age decryption continued after an error", s.name));
  }
  try {
    s.write(ciphertext);
  } catch (...) {
    s.phase = Phase::failed;
    throw;
  }
}

void AgeDecryptor::finish() {
  State& s = *m_state;
  if (s.phase == Phase::failed) {
    throw Error(ErrorCode::internal, tx("{}: age decryption continued after an error", s.name));
  }
  try {
    s.finish();
  } catch (...) {
    s.phase = Phase::failed;
    throw;
  }
}

bool AgeDecryptor::header_checked() const noexcept {
  return m_state->phase != Phase::header && m_state->phase != Phase::failed;
}

std::uint64_t AgeDecryptor::plaintext_bytes() const noexcept {
  return m_state->released;
}

}  // namespace ifnbackup
