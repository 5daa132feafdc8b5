#include "ifnbackup/folder_verification.hpp"

#include "ifnbackup/encrypted_backup.hpp"

#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/signing.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup {
namespace {

// The status word of a verify line: verify_status_name's in the log file, the operator's language on
// the terminal.
Text status_text(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::ok:
      return tx("ok");
    case VerifyStatus::ok_legacy:
      return Text(verify_status_name(status), tr("ok (legacy format)"));
    case VerifyStatus::corrupt:
      return tx("corrupt");
    case VerifyStatus::incomplete:
      return tx("incomplete");
  }
  return Text(verify_status_name(status));
}

namespace fs = std::filesystem;

// The gzip reader's messages start with the path, which the output names already.
std::string reason_without_path(const std::string& reason, const fs::path& path) {
  const std::string prefix = path.string() + ": ";
  return reason.rfind(prefix, 0) == 0 ? reason.substr(prefix.size()) : reason;
}

// Who signed each file; integrity does not depend on it, so a key file that cannot be used only
// leaves the signers unjudged ("unknown key").
Keyring load_keys(const fs::path& key_file) {
  try {
    SigningOptions signing;
    signing.key_file = key_file;
    return Keyring::load(signing);
  } catch (const Error& error) {
    log_text(spdlog::level::warn, error.hint().empty()
                                      ? tx("signers not judged: {}", error.message())
                                      : tx("signers not judged: {} (hint: {})", error.message(), error.hint_text()));
  }
  return {};
}

// No name given: every backup and safety snapshot of the folder (the procedure's "Scénario 2").
std::vector<fs::path> files_to_verify(const FolderVerificationOptions& options,
                                      const std::vector<CatalogEntry>& folder) {
  std::vector<fs::path> paths;
  if (options.files.empty()) {
    if (options.backup_dir.empty()) {
      throw Error(ErrorCode::usage, tx("no file to verify and no backup folder"), tx("give FILE... or --backup-dir"));
    }
    for (const auto& entry : folder) {
      if (entry.kind == BackupKind::backup || entry.kind == BackupKind::safety_snapshot) {
        paths.push_back(entry.path);
      }
    }
  } else {
    for (const auto& file : options.files) {
      paths.push_back(resolve_backup_file(file, options.backup_dir, options.prefix));
    }
  }
  return paths;
}

}  // namespace

int FolderVerification::exit_code() const {
  if (corrupt > 0) {
    return static_cast<int>(ErrorCode::corrupt);
  }
  return incomplete > 0 ? static_cast<int>(ErrorCode::incomplete) : 0;
}

FolderVerification verify_folder_files(const FolderVerificationOptions& options,
                                       const std::function<void(const FileVerification&)>& each) {
  const bool have_folder = !options.backup_dir.empty() && fs::is_directory(options.backup_dir);
  std::vector<CatalogEntry> folder;
  if (have_folder) {
    folder = scan_backup_folder(options.backup_dir, options.prefix);
  }
  auto state = VerificationState::load(options.backup_dir);
  const Keyring keys = load_keys(options.signing_key);
  FolderVerification outcome;
  for (const auto& path : files_to_verify(options, folder)) {
    const bool encrypted = is_encrypted_name(path.filename().string());
    if (encrypted && options.identities.empty() && options.files.empty()) {
      log_warn("{} is encrypted (age): not verified; give --identity FILE to verify it", path.string());
      continue;
    }
    FileVerification file{
        path,
        encrypted ? verify_encrypted_file(path, options.identities) : verify_backup_file(path, {}, options.threads),
        {},
        {},
        0};
    keys.judge(file.result);
    file.result.reason = reason_without_path(file.result.reason, path);
    file.result.reason_local = reason_without_path(file.result.reason_local, path);
    std::error_code ec;
    for (const auto& entry : folder) {
      // A foreign entry (a symlink named like a backup, pointing at this file) gets no record.
      if (entry.kind != BackupKind::foreign && fs::equivalent(entry.path, path, ec)) {
        state.record(entry, file.result, std::chrono::system_clock::now());
        if (const VerificationRecord* record = state.find(entry); record != nullptr) {
          file.schema_check = record->schema_check;
        }
      }
    }
    file.database = header_database(file.result.header);
    for (const auto& table : file.result.tables) {
      file.rows += table.rows;
    }
    if (file.result.ok()) {
      ++outcome.ok;
    } else if (file.result.status == VerifyStatus::corrupt) {
      ++outcome.corrupt;
    } else {
      ++outcome.incomplete;
    }
    if (each) {
      each(file);  // its line first, then the log's
    }
    const Text reason(file.result.reason,
                      file.result.reason_local.empty() ? file.result.reason : file.result.reason_local);
    log_text(file.result.ok() ? spdlog::level::info : spdlog::level::err,
             reason.empty() ? tx("verify {}: {}", path.string(), status_text(file.result.status))
                            : tx("verify {}: {}: {}", path.string(), status_text(file.result.status), reason));
    outcome.files.push_back(std::move(file));
  }
  if (have_folder) {
    try {
      state.save();
    } catch (const Error& error) {
      log_warn("verification results not remembered: {}", error.message());
    }
  }
  return outcome;
}

}  // namespace ifnbackup
