#include "ifnbackup/rotate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/verification_state.hpp"
#include "io/folder_lock.hpp"

namespace ifnbackup {

namespace {
// A database name in a reason of one line: control bytes, line breaks and tabs as \xHH.
std::string one_line(const std::string& name) {
  std::string out = printable(name);
  for (std::size_t at = out.find_first_of("\n\t"); at != std::string::npos; at = out.find_first_of("\n\t", at)) {
    out.replace(at, 1, out[at] == '\n' ? "\\x0a" : "\\x09");
  }
  return out;
}

std::vector<std::string> removed_names(const std::vector<RetentionDecision>& decisions) {
  std::vector<std::string> names;
  for (const auto& decision : decisions) {
    if (decision.remove) {
      names.push_back(decision.entry.name);
    }
  }
  return names;
}

// A backup only read back after it was written (VerifyCheck::written: its statements not read) is
// taken for a good one only where no removal depends on it: when counting it in the floor removes a
// file that would otherwise be kept, it is verified in full first (a lighter check never stands in for
// a full one where it decides a removal).
std::vector<RetentionDecision> decide(std::vector<RetentionCandidate>& candidates, const RetentionPolicy& policy,
                                      std::chrono::system_clock::time_point now, VerificationState& state,
                                      RotateResult& result) {
  auto decisions = apply_retention(candidates, policy, now);
  auto read_back_only = [&state](const RetentionCandidate& candidate) {
    const VerificationRecord* record = state.find(candidate.entry);
    return candidate.health == Health::good && record != nullptr && record->check == VerifyCheck::written;
  };
  std::vector<RetentionCandidate> doubted = candidates;
  bool any = false;
  for (auto& candidate : doubted) {
    if (read_back_only(candidate)) {
      candidate.health = Health::unknown;
      any = true;
    }
  }
  if (!any || removed_names(apply_retention(doubted, policy, now)) == removed_names(decisions)) {
    return decisions;
  }
  std::vector<std::string> encrypted;
  for (auto& candidate : candidates) {
    if (read_back_only(candidate) && candidate.entry.encrypted) {
      // Its secret key is not ours to use here: not in the floor, which reaches past it, and never removed.
      log_info(
          "{} is encrypted and was only read back after it was written: not counted among the good backups "
          "('ifnbackup verify --identity FILE' verifies it in full)",
          candidate.entry.name);
      candidate.health = Health::unknown;
      encrypted.push_back(candidate.entry.name);
    } else if (read_back_only(candidate)) {
      log_info(
          "verifying {} in full before deciding: only read back after it was written, and a removal "
          "depends on it",
          candidate.entry.name);
      verify_entry(candidate.entry, state);
      result.verified.push_back(candidate.entry.name);
      candidate.health = health_of(state.find(candidate.entry));
    }
  }
  decisions = apply_retention(candidates, policy, now);
  for (auto& decision : decisions) {
    if (decision.remove && std::find(encrypted.begin(), encrypted.end(), decision.entry.name) != encrypted.end()) {
      decision.remove = false;
      decision.reason = tx("encrypted, only read back after it was written: kept until verified in full");
    }
  }
  return decisions;
}

}  // namespace

RotateResult run_rotate(const RotateOptions& options) {
  check_retention_policy(options.policy);
  if (options.backup_dir.empty()) {
    throw Error(ErrorCode::usage, tx("no backup folder"), tx("give --backup-dir or 'backup-dir' in the config file"));
  }
  io::FolderLock lock(options.backup_dir);
  const auto now = std::chrono::system_clock::now();
  auto state = VerificationState::load(options.backup_dir);
  RotateResult result;
  std::set<std::string> kept_encrypted;  // encrypted, not verified in the last 7 days: never removed

  // Candidates by source database; partial files (not verifiable) only age, in a group of their own.
  std::map<std::string, std::vector<RetentionCandidate>> by_database;
  std::vector<RetentionCandidate> partials;
  for (auto& entry : scan_backup_folder(options.backup_dir, options.prefix)) {
    if (entry.kind == BackupKind::foreign) {
      continue;  // never a candidate, never touched
    }
    if (entry.kind == BackupKind::partial) {
      partials.push_back(RetentionCandidate{std::move(entry), Health::unknown});
      continue;
    }
    const VerificationRecord* record = state.find(entry);
    // An encrypted file due for verification: its secret key is not ours to use here (the folder holds
    // ciphertext so that the host need not hold the key). Its remembered verdict stands for what it
    // says against it; a good one is not counted in the floor, and the file is never removed.
    const bool stale_encrypted = entry.encrypted && !record_is_current(record, now);
    if (stale_encrypted && (record == nullptr || !record->database_known)) {
      log_info("{} is encrypted and was never verified here: kept ('ifnbackup verify --identity FILE' verifies it)",
               entry.name);
      kept_encrypted.insert(entry.name);
      result.decisions.push_back(RetentionDecision{
          std::move(entry), false,
          tx("encrypted, never verified here: kept until 'ifnbackup verify --identity FILE' verifies it")});
      continue;
    }
    if (stale_encrypted) {
      log_info(
          "{} is encrypted and was last verified more than 7 days ago: not counted among the good backups, "
          "not removed ('ifnbackup verify --identity FILE' verifies it again)",
          entry.name);
      kept_encrypted.insert(entry.name);
    } else if (!record_is_current(record, now)) {
      log_info("verifying {} ({}) before deciding", entry.name,
               record == nullptr         ? tx("never verified")
               : !record->database_known ? tx("its database not yet known")
                                         : tx("last verified more than 7 days ago"));
      verify_entry(entry, state);
      result.verified.push_back(entry.name);
      record = state.find(entry);
    }
    const Health remembered = health_of(record);
    const Health health = stale_encrypted && remembered == Health::good ? Health::unknown : remembered;
    // A good file that records no database (a mysqldump file) may be any database's last backup. One
    // that does not verify or holds no table is nobody's fallback: judged with the files rotated here.
    if (!record->database && remembered == Health::good) {
      result.decisions.push_back(
          RetentionDecision{std::move(entry), false,
                            tx("records no source database (a mysqldump file): never rotated, remove it by hand")});
      continue;
    }
    if (record->database && !options.database.empty() && *record->database != options.database) {
      result.decisions.push_back(RetentionDecision{
          std::move(entry), false, tx("a backup of another database ('{}')", one_line(*record->database))});
      continue;
    }
    by_database[record->database.value_or(options.database)].push_back(RetentionCandidate{std::move(entry), health});
  }
  for (auto& [database, candidates] : by_database) {
    auto decisions = decide(candidates, options.policy, now, state, result);
    std::move(decisions.begin(), decisions.end(), std::back_inserter(result.decisions));
  }
  auto partial_decisions = apply_retention(partials, options.policy, now);
  std::move(partial_decisions.begin(), partial_decisions.end(), std::back_inserter(result.decisions));
  for (auto& decision : result.decisions) {
    if (decision.remove && kept_encrypted.contains(decision.entry.name)) {
      decision.remove = false;
      decision.reason =
          tx("encrypted, last verified more than 7 days ago: kept until 'ifnbackup verify --identity FILE' "
             "verifies it again");
    }
  }
  if (!kept_encrypted.empty()) {
    log_warn(
        "{} encrypted backup(s) not verified in the last 7 days: kept, and not counted among the good backups, until "
        "'ifnbackup verify --identity FILE' verifies them",
        kept_encrypted.size());
  }
  std::stable_sort(
      result.decisions.begin(), result.decisions.end(),
      [](const RetentionDecision& a, const RetentionDecision& b) { return newest_first(a.entry, b.entry); });

  for (const auto& decision : result.decisions) {
    if (!decision.remove) {
      continue;
    }
    if (options.dry_run) {
      log_info("would remove {}: {}", decision.entry.name, decision.reason);
      continue;
    }
    if (::unlink(decision.entry.path.c_str()) != 0) {
      log_error("cannot remove {}: {}", decision.entry.path.string(), errno_text(errno));
      continue;
    }
    log_info("removed {} ({} bytes): {}", decision.entry.name, decision.entry.size, decision.reason);
    state.forget(decision.entry.name);
    ++result.removed;
    result.bytes_freed += decision.entry.size;
  }
  state.save();
  return result;
}

}  // namespace ifnbackup
