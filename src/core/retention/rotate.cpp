#include "ifnbackup/rotate.hpp"

#include <unistd.h>

#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/inventory.hpp"
#include "io/folder_lock.hpp"

namespace ifnbackup {

RotateResult run_rotate(const RotateOptions& options) {
  check_retention_policy(options.policy);
  if (options.backup_dir.empty()) {
    throw Error(ErrorCode::usage, "no backup folder", "give --backup-dir or 'backup-dir' in the config file");
  }
  io::FolderLock lock(options.backup_dir);
  const auto now = std::chrono::system_clock::now();
  auto state = VerificationState::load(options.backup_dir);
  RotateResult result;

  std::vector<RetentionCandidate> candidates;
  for (auto& entry : scan_backup_folder(options.backup_dir, options.prefix)) {
    if (entry.kind == BackupKind::foreign) {
      continue;  // never a candidate, never touched
    }
    const VerificationRecord* record = state.find(entry);
    if (record == nullptr && entry.kind != BackupKind::partial) {
      spdlog::info("verifying {} (never verified) before deciding", entry.name);
      verify_entry(entry, state);
      result.verified.push_back(entry.name);
      record = state.find(entry);
    }
    candidates.push_back(RetentionCandidate{std::move(entry), health_of(record)});
  }
  result.decisions = apply_retention(candidates, options.policy, now);

  for (const auto& decision : result.decisions) {
    if (!decision.remove) {
      continue;
    }
    if (options.dry_run) {
      spdlog::info("would remove {}: {}", decision.entry.name, decision.reason);
      continue;
    }
    if (::unlink(decision.entry.path.c_str()) != 0) {
      spdlog::error("cannot remove {}: {}", decision.entry.path.string(), std::strerror(errno));
      continue;
    }
    spdlog::info("removed {} ({} bytes): {}", decision.entry.name, decision.entry.size, decision.reason);
    state.forget(decision.entry.name);
    ++result.removed;
    result.bytes_freed += decision.entry.size;
  }
  state.save();
  return result;
}

}  // namespace ifnbackup
