#include <fmt/format.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/inventory.hpp"
#include "ifnbackup/restore.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;

std::filesystem::path resolve_backup_file(const std::string& file, const fs::path& backup_dir,
                                          const std::string& prefix) {
  if (file.empty()) {
    throw Error(ErrorCode::usage, "no backup file given", "ifnbackup list shows the backups");
  }
  std::error_code ec;
  // "latest": the newest backup not known to be bad (restore verifies it in full anyway).
  // "latest-safety": the newest safety snapshot (the procedure's "Scénario 3").
  if ((file == "latest" || file == "latest-safety") && !backup_dir.empty() && fs::is_directory(backup_dir, ec)) {
    const auto state = VerificationState::load(backup_dir);
    const auto wanted = file == "latest" ? BackupKind::backup : BackupKind::safety_snapshot;
    for (const auto& entry : scan_backup_folder(backup_dir, prefix)) {
      if (entry.kind == wanted && health_of(state.find(entry)) != Health::bad) {
        return entry.path;
      }
    }
  }
  const fs::path given(file);
  if (fs::is_regular_file(given, ec)) {
    return given;
  }
  // The procedure writes both "backups/<name>" and the bare name.
  if (!backup_dir.empty() && given.has_filename()) {
    const fs::path in_folder = backup_dir / given.filename();
    if (fs::is_regular_file(in_folder, ec)) {
      return in_folder;
    }
  }
  std::string newest;
  if (!backup_dir.empty() && fs::is_directory(backup_dir, ec)) {
    int shown = 0;
    for (const auto& entry : scan_backup_folder(backup_dir, prefix)) {
      if (entry.kind == BackupKind::backup || entry.kind == BackupKind::safety_snapshot) {
        newest += fmt::format("\n  {}", entry.name);
        if (++shown == 3) {
          break;
        }
      }
    }
  }
  throw Error(ErrorCode::not_found,
              fmt::format("backup file '{}' not found (looked as given and in {})", file,
                          backup_dir.empty() ? std::string("no backup folder") : backup_dir.string()),
              newest.empty() ? std::string("the backup folder holds no backup")
                             : "the newest backups there are:" + newest);
}

}  // namespace ifnbackup
