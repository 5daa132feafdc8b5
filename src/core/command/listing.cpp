#include "ifnbackup/listing.hpp"

#include "ifnbackup/error.hpp"

namespace ifnbackup {
namespace {

// Our own files beside the backups: not counted as foreign.
bool is_own_file(const std::string& name) {
  return name.front() == '.' || name == "backup.log" || name == "restore.log" || name == "drill.log" ||
         name == "push.log" || name == "journal.jsonl";
}

}  // namespace

FolderListing list_backup_folder(const std::filesystem::path& backup_dir, const std::string& prefix,
                                 std::chrono::system_clock::time_point now) {
  if (backup_dir.empty()) {
    throw Error(ErrorCode::usage, tx("no backup folder"), tx("give --backup-dir or 'backup-dir' in the config file"));
  }
  FolderListing listing;
  listing.backup_dir = backup_dir;
  const auto state = VerificationState::load(backup_dir);
  for (auto& entry : scan_backup_folder(backup_dir, prefix)) {
    if (entry.kind == BackupKind::foreign) {
      listing.foreign += is_own_file(entry.name) ? 0 : 1;
      continue;
    }
    ListedFile file;
    if (const VerificationRecord* record = state.find(entry); record != nullptr) {
      file.verification = *record;
    }
    file.age = std::chrono::duration_cast<std::chrono::seconds>(now - entry.timestamp);
    file.entry = std::move(entry);
    listing.bytes_used += file.entry.size;
    switch (file.entry.kind) {
      case BackupKind::backup:
        ++listing.backups;
        if (!listing.newest_good && health_of(file.verification ? &*file.verification : nullptr) == Health::good &&
            !dated_in_future(file.entry.timestamp, now)) {
          listing.newest_good = file;
        }
        break;
      case BackupKind::safety_snapshot:
        ++listing.safety_snapshots;
        break;
      default:
        ++listing.partials;
        break;
    }
    listing.files.push_back(std::move(file));
  }
  listing.space = disk_space(backup_dir);
  return listing;
}

}  // namespace ifnbackup
