#pragma once
// Encryption in the age format (age-encryption.org/v1, c2sp.org/age) to X25519 recipients, so that
// an operator decrypts without our binary: `age -d -i key.txt NAME.sql.gz.age | gunzip`. Built on
// OpenSSL 3 (src/core/crypto/); streaming both ways in constant memory (one 64 KiB chunk held).
// Only the X25519 recipient type: no passphrase (scrypt), post-quantum, plugin or SSH recipients,
// no ASCII armor.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ifnbackup {

// Where encrypted or decrypted bytes go, in order.
using ByteSink = std::function<void(std::string_view)>;
// Fills the span with the next bytes and returns how many; 0 only at the end.
using ByteSource = std::function<std::size_t(std::span<char>)>;

inline constexpr std::size_t k_age_key_bytes = 32;
inline constexpr std::size_t k_age_chunk_bytes = 64 * 1024;  // plaintext per payload chunk

// A public key files are encrypted to: "age1…" (bech32, lowercase), as `age-keygen` prints it.
struct AgeRecipient {
  std::array<unsigned char, k_age_key_bytes> key{};

  std::string text() const;
  friend bool operator==(const AgeRecipient&, const AgeRecipient&) = default;
};

// The secret key that decrypts: "AGE-SECRET-KEY-1…" (bech32, uppercase), as `age-keygen` writes it.
// The secret is wiped from memory when the object goes.
class AgeIdentity {
 public:
  // A new X25519 key pair from OpenSSL's random generator.
  static AgeIdentity generate();
  // From the 32 secret bytes.
  explicit AgeIdentity(std::span<const unsigned char, k_age_key_bytes> secret);
  AgeIdentity(const AgeIdentity& other);
  AgeIdentity& operator=(const AgeIdentity& other);
  ~AgeIdentity();

  AgeRecipient recipient() const;
  // The secret as text: whoever holds it decrypts. The caller wipes or writes it, never logs it.
  std::string text() const;
  const std::array<unsigned char, k_age_key_bytes>& secret() const noexcept { return m_secret; }

 private:
  std::array<unsigned char, k_age_key_bytes> m_secret{};
};

// One recipient ("age1…", surrounding blanks ignored); std::nullopt and `why` for anything else,
// a bad checksum, an uppercase recipient or another type (ssh-ed25519, age1pq1…, plugins) included.
std::optional<AgeRecipient> parse_age_recipient(std::string_view text, std::string* why = nullptr);
// One identity ("AGE-SECRET-KEY-1…"); std::nullopt and `why` for anything else.
std::optional<AgeIdentity> parse_age_identity(std::string_view text, std::string* why = nullptr);

// A recipients file as `age -R` reads it: one recipient a line, blank lines and lines starting with
// '#' skipped. `origin` names the file in messages. Throws Error(usage) naming origin:line for a line
// that is no X25519 recipient, and for a text with none.
std::vector<AgeRecipient> parse_age_recipients(std::string_view text, std::string_view origin);
// Throws Error(config) when the file cannot be read, and what parse_age_recipients throws.
std::vector<AgeRecipient> read_age_recipients_file(const std::filesystem::path& path);

// An identity file as `age-keygen` writes it (comments, then one or more AGE-SECRET-KEY-1 lines);
// blank and '#' lines skipped. Throws Error(usage) naming origin:line (never the secret) for a line
// that is no X25519 identity, and for a text with none.
std::vector<AgeIdentity> parse_age_identities(std::string_view text, std::string_view origin);
// Refused unless only its owner may read it (mode 0600 or stricter, owned by the user running us),
// as the password file is: Error(config). Error(config) too when it cannot be read.
std::vector<AgeIdentity> read_age_identity_file(const std::filesystem::path& path);

// Encrypts a stream: the header goes to the sink at construction, then the payload as chunks fill;
// finish() writes the final chunk. Holds one chunk whatever the stream's length.
class AgeEncryptor {
 public:
  // Throws Error(usage) for no recipient.
  AgeEncryptor(std::span<const AgeRecipient> recipients, ByteSink sink);
  // A second encryptor with `same`'s file key, payload nonce and header: the same plaintext gives the
  // same bytes (an upload reads its source twice, to hash it and to send it). Only one of the two
  // ciphertexts may leave the machine: the same key over another plaintext would reveal both.
  AgeEncryptor(const AgeEncryptor& same, ByteSink sink);
  ~AgeEncryptor();
  AgeEncryptor(const AgeEncryptor&) = delete;
  AgeEncryptor& operator=(const AgeEncryptor&) = delete;

  void write(std::string_view plaintext);
  // Writes the final chunk. Error(internal) if called twice or write() follows.
  void finish();

  std::uint64_t plaintext_bytes() const noexcept;
  std::uint64_t ciphertext_bytes() const noexcept;
  // The header and payload nonce written at construction.
  std::uint64_t header_bytes() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// The exact size of the age file of `plaintext` bytes whose header and nonce take `header_bytes`:
// one chunk per 64 KiB (the last one may be full, and is empty only for an empty plaintext), each
// with its 16-byte tag.
std::uint64_t age_ciphertext_size(std::uint64_t header_bytes, std::uint64_t plaintext) noexcept;

// Decrypts a stream pushed into it: plaintext reaches the sink only chunk by chunk, each one
// authenticated first, and only after the header's MAC was checked. Errors name `name` (the file or
// object): Error(wrong_identity) when no identity opens the header; Error(corrupt) for a damaged or
// non-age header, a wrong header MAC, a chunk failing its authentication, an empty final chunk or
// bytes after the final chunk; Error(incomplete) when the stream ends before its final chunk.
// After an error nothing more is written to the sink.
class AgeDecryptor {
 public:
  AgeDecryptor(std::vector<AgeIdentity> identities, ByteSink sink, std::string name);
  ~AgeDecryptor();
  AgeDecryptor(const AgeDecryptor&) = delete;
  AgeDecryptor& operator=(const AgeDecryptor&) = delete;

  void write(std::string_view ciphertext);
  // The end of the ciphertext: throws Error(incomplete) unless the final chunk was seen.
  void finish();

  // True once the header was read and its MAC checked.
  bool header_checked() const noexcept;
  std::uint64_t plaintext_bytes() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// Pulls plaintext out of an age stream read from `source` (a file, a download): what GzipReader
// would read through. Same errors as AgeDecryptor; holds at most two chunks.
class AgeReader {
 public:
  AgeReader(std::vector<AgeIdentity> identities, ByteSource source, std::string name);
  ~AgeReader();
  AgeReader(const AgeReader&) = delete;
  AgeReader& operator=(const AgeReader&) = delete;

  // Fills `out` with the next plaintext bytes; returns 0 only at the authenticated end.
  std::size_t read(std::span<char> out);

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// Everything `source` gives, encrypted into `sink`. Returns the plaintext size.
std::uint64_t age_encrypt(std::span<const AgeRecipient> recipients, const ByteSource& source, const ByteSink& sink);
// The file decrypted into `sink`. Throws Error(not_found) when it does not exist, Error(io) when it
// cannot be read, and what AgeDecryptor throws.
std::uint64_t age_decrypt_file(const std::filesystem::path& path, std::vector<AgeIdentity> identities,
                               const ByteSink& sink);

}  // namespace ifnbackup
