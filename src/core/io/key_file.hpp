#pragma once
// The one reader of the small files that hold a key or decide which keys are trusted: age identities
// and recipients (crypto/age_keys.cpp), the signing key and the trusted keys (sign/keys.cpp). One
// descriptor: its status is checked before a byte is read, so the file checked is the file read; at
// most a limit is read; the read buffer and every shorter copy of the content are wiped, so that a
// secret stays only in the string returned (which the caller wipes).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "ifnbackup/i18n.hpp"

namespace ifnbackup::io {

// Who may have the file: checked before it is read.
enum class KeyFileAccess {
  anyone,            // public keys (age recipients)
  owner_only,        // a secret (0600): no permission for the group or others, owned by the user running us
  written_by_owner,  // decides what is trusted: not writable by the group or others, owned by that user or root
};

struct KeyFileRules {
  const char* what = "";  // N_("identity file"): names the file in every message
  KeyFileAccess access = KeyFileAccess::anyone;
  std::size_t limit = 0;    // bytes; a longer file is refused ("too large to be one")
  bool missing_ok = false;  // a file that does not exist: std::nullopt, not an error
  // The hint of each refusal: the next step, in the words of the file's user.
  Text open_hint;
  Text not_regular_hint;
  Text access_hint;  // others may read it (owner_only) or write it (written_by_owner)
  Text owner_hint;
  Text read_hint;
  Text too_large_hint;
};

// The file's content; std::nullopt only when it does not exist and rules.missing_ok. Throws
// Error(config) naming the file and rules.what for every refusal.
std::optional<std::string> read_key_file(const std::filesystem::path& path, const KeyFileRules& rules);

}  // namespace ifnbackup::io
