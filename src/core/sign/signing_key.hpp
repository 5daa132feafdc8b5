#pragma once
// This machine's private signing key, as the backup writer uses it (the file rules are in
// ifnbackup/signing.hpp: made at first use, 0600, never readable by others).
#include <filesystem>
#include <string>
#include <string_view>

#include "ifnbackup/options.hpp"
#include "ifnbackup/signing.hpp"

namespace ifnbackup::sign {

class SigningKey {
 public:
  // Reads the key file, or makes it when there is none (two runs making it at once end with the same
  // key). Throws as ensure_signing_key does.
  static SigningKey load_or_create(const SigningOptions& options);
  // Reads the key file; std::nullopt when it does not exist. Throws Error(config) as Keyring::load.
  static std::optional<SigningKey> load_existing(const SigningOptions& options);

  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&&) = delete;
  ~SigningKey();

  const PublicKey& public_key() const noexcept { return m_public; }
  const std::filesystem::path& file() const noexcept { return m_file; }
  bool created() const noexcept { return m_created; }
  // The 64-byte Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;

 private:
  SigningKey(std::string seed, std::filesystem::path file, bool created);

  std::string m_seed;  // secret: wiped by the destructor
  PublicKey m_public;
  std::filesystem::path m_file;
  bool m_created = false;
};

}  // namespace ifnbackup::sign
