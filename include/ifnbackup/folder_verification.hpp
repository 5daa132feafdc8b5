#pragma once
// `ifnbackup verify`: files of a backup folder (all of them by default) verified, each outcome
// remembered in the folder's verification state and judged against the signing keys.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ifnbackup/age.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup {

struct FolderVerificationOptions {
  std::filesystem::path backup_dir;  // may be empty when files are given
  std::string prefix{k_default_backup_prefix};
  std::vector<std::string> files;  // names resolved as restore does; empty: every backup and snapshot
  unsigned threads = 0;
  std::filesystem::path signing_key;  // whose keys judge the signers (empty: the default key file)
  // Decrypt the .sql.gz.age files (--encrypt-local) into the verification. Without, such a file named is
  // refused (Error(usage)) and, in the whole folder, left out with a warning.
  std::vector<AgeIdentity> identities;
};

struct FileVerification {
  std::filesystem::path path;
  VerifyResult result;  // judged by the keyring; its reason without the path
  // What the backup run's schema check found, kept in the state ("" never run).
  std::string schema_check;
  std::optional<std::string> database;  // the source database its header names (mysqldump: none)
  std::uint64_t rows = 0;
  bool not_restorable() const { return schema_check.starts_with("FAILED"); }
};

struct FolderVerification {
  std::vector<FileVerification> files;
  std::size_t ok = 0;
  std::size_t corrupt = 0;
  std::size_t incomplete = 0;
  // 0 when every file verified; else ErrorCode::corrupt's, or incomplete's.
  int exit_code() const;
};

// Throws Error(usage) with no file and no folder, Error(not_found) for a name that resolves to
// nothing. A key file that cannot be used leaves signers unjudged (logged); a state that cannot be
// saved (a read-only folder) is logged. `each` is called as each file is done.
FolderVerification verify_folder_files(const FolderVerificationOptions& options,
                                       const std::function<void(const FileVerification&)>& each = {});

}  // namespace ifnbackup
