#pragma once
// Origin, not just integrity: every backup is signed with this machine's Ed25519 key, and restore
// loads only files signed by that key or by a key the operator trusted (docs/backup-format.md,
// "Signature"). The private key is made at the first backup, mode 0600, in its own folder, never
// in the backup folder: a copy of the backups must not carry what forges them.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/options.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup {

// root (cron, systemd, sudo): /etc/ifnbackup/signing-key. Anyone else: $XDG_CONFIG_HOME/ifnbackup/
// signing-key, else ~/.config/ifnbackup/signing-key. Throws Error(config) when there is no home.
std::filesystem::path default_signing_key_file();
// options.key_file, or the default.
std::filesystem::path signing_key_file(const SigningOptions& options);
// "trusted-keys" in the signing key's folder.
std::filesystem::path trusted_keys_file(const SigningOptions& options);

struct PublicKey {
  std::string raw;  // 32 bytes
  // 16 hex digits: the first 8 bytes of the SHA-256 of the key, as the signature line names it.
  std::string fingerprint() const;
  // "ifnbackup-ed25519 <base64 key> <fingerprint>": what `key show` prints and `key trust` takes.
  std::string line() const;

  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};
// "ifnbackup-ed25519 <base64> [<fingerprint>] [comment...]"; a fingerprint that does not match the
// key (a line damaged when copied) is refused. std::nullopt and `why` for anything else.
std::optional<PublicKey> parse_public_key_line(std::string_view line, std::string* why = nullptr);

struct OwnKey {
  PublicKey key;
  std::filesystem::path file;
  bool created = false;  // made by this call
};
// The public half of this machine's signing key, made now if there is none (folder 0700, file 0600).
// Throws Error(config) for a key file readable by others, owned by another user or not a key, and
// Error(io) when it cannot be written.
OwnKey ensure_signing_key(const SigningOptions& options);

enum class TrustChange { added, already_trusted, own_key };
struct TrustResult {
  TrustChange change = TrustChange::added;
  PublicKey key;
  std::filesystem::path file;  // the trusted-keys file
};
// Adds the key of `line` (as parse_public_key_line reads it; what follows the key and its
// fingerprint is kept as a comment) to the trusted-keys file, created if missing. Throws
// Error(usage) for a line that is no key, and what Keyring::load throws.
TrustResult trust_public_key(const SigningOptions& options, std::string_view line);

// The keys restore trusts: our own (when the key file exists) and those of the trusted-keys file.
class Keyring {
 public:
  // Never creates anything. Throws Error(config) for a key file readable by others, owned by another
  // user or unreadable, and for a trusted-keys file others may write or holding a line that is no key.
  static Keyring load(const SigningOptions& options);

  // A good signature (`unknown`) becomes `ours` or `trusted` when its key is one of these.
  void judge(VerifyResult& result) const;
  const std::optional<PublicKey>& own() const noexcept { return m_own; }
  const std::vector<PublicKey>& trusted() const noexcept { return m_trusted; }

 private:
  std::optional<PublicKey> m_own;
  std::vector<PublicKey> m_trusted;
};

}  // namespace ifnbackup
