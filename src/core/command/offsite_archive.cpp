// The binary log archive's copies in the --offsite bucket: brought back into the folder (binlog pull), and
// the bucket's side of the archive's retention (rotate --offsite). Sent by push (offsite_push.cpp).
#include "command/offsite_archive.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/archive.hpp"
#include "binlog/archive_retention.hpp"
#include "command/backup_header.hpp"
#include "ifnbackup/encrypted_backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"
#include "io/atomic_file.hpp"
#include "io/folder_lock.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {

bool is_our_sha256(const std::string& text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

namespace {

// An object under <prefix>binlog/ named as one of the archive's files (plain or .age), directly there.
std::optional<binlog::ArchiveName> archive_object_name(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return binlog::parse_archive_name(plain_name_of(name));
}

// The oldest position the kept backups need; `unknown` names a kept backup whose position cannot be known.
struct Needed {
  std::optional<binlog::LogPosition> position;
  std::string by;
  std::string unknown;
};

Needed needed_position(const std::filesystem::path& backup_dir, const std::vector<KeptOffsiteBackup>& kept) {
  Needed needed;
  for (const auto& backup : kept) {
    std::optional<binlog::LogPosition> position;
    if (backup.binlog) {
      if (*backup.binlog == "none") {
        continue;
      }
      position = parse_snapshot_position("binlog=" + *backup.binlog);
    } else if (std::error_code error;
               !backup_dir.empty() && std::filesystem::is_regular_file(backup_dir / backup.name, error)) {
      position = backup_binlog_position(backup_dir / backup.name);
      if (!position) {
        continue;
      }
    }
    if (!position) {
      needed.unknown = backup.name;
      continue;
    }
    if (binlog::older_position(*position, needed.position)) {
      needed.position = position;
      needed.by = backup.name;
    }
  }
  return needed;
}

}  // namespace

BinlogRetentionResult rotate_offsite_archive(const OffsiteOptions& options, const std::filesystem::path& backup_dir,
                                             const std::vector<KeptOffsiteBackup>& kept, bool dry_run,
                                             std::size_t& failed, Text& problem) {
  BinlogRetentionResult result;
  const auto archive = offsite_subfolder(options, binlog::k_archive_folder);
  const auto want = [](std::string_view name) { return archive_object_name(name).has_value(); };
  const auto first = list_offsite(archive, want, true);
  if (first.empty()) {
    return result;
  }
  result.exists = true;
  Needed needed = needed_position(backup_dir, kept);
  Text keep_all = tx("no kept backup records a binlog position: the archive is kept whole");
  if (!needed.unknown.empty()) {
    keep_all =
        tx("the binlog position of {}, kept offsite, is unknown (uploaded before copies carried it, and not in the "
           "folder): the archive is kept whole",
           needed.unknown);
    needed.position.reset();
  }
  if (needed.position) {
    result.needed_from = needed.position->str();
    result.needed_by = needed.by;
  }
  std::vector<binlog::ArchivedFile> files;
  std::set<std::string> ours;
  for (const auto& object : first) {
    files.push_back(binlog::ArchivedFile{*archive_object_name(object.name), object.name, object.size});
    if (is_our_sha256(object.sha256)) {
      ours.insert(object.name);
    }
  }
  auto decisions = binlog::decide_archive_retention(
      std::move(files), needed.position, needed.by, keep_all,
      [&ours](const binlog::ArchivedFile& file) { return ours.count(file.path.string()) > 0; },
      tx("no x-amz-meta-ifnbackup-sha256 header: not uploaded by ifnbackup, never removed"));
  const bool removing = std::any_of(decisions.begin(), decisions.end(),
                                    [](const binlog::ArchivedFileDecision& decision) { return decision.remove; });
  if (removing && !dry_run) {
    // The second reading: every object of ours the first listing showed is still there.
    std::set<std::string> now_listed;
    for (const auto& object : list_offsite(archive, {}, false)) {
      now_listed.insert(object.name);
    }
    for (const auto& name : ours) {
      if (now_listed.count(name) == 0) {
        problem =
            tx("{}: the second listing of binlog/ lacks {}, which the first one showed: nothing removed from the "
               "archive's copies",
               archive.url, name);
        log_error("offsite: {}", problem.english);
        for (auto& decision : decisions) {
          decision.remove = false;
        }
        break;
      }
    }
  }
  for (auto& decision : decisions) {
    BinlogRetentionFile file{decision.path.string(), decision.bytes, decision.remove, decision.reason};
    if (decision.remove && dry_run) {
      log_info("offsite: would remove binlog/{}: {}", file.name, file.reason);
    } else if (decision.remove) {
      try {
        util::check_interrupted();
        delete_offsite(archive, file.name);
        log_info("offsite: removed binlog/{} ({} bytes): {}", file.name, file.bytes, file.reason);
        ++result.removed;
        result.bytes_freed += file.bytes;
      } catch (const Error& error) {
        if (error.code() == ErrorCode::interrupted) {
          throw;
        }
        log_error("offsite: cannot remove binlog/{}: {}", file.name, error.message());
        file.remove = false;
        file.reason = tx("cannot remove it: {}", error.message());
        ++failed;
      }
    }
    result.files.push_back(std::move(file));
  }
  return result;
}

PullResult pull_binlog_archive(const OffsiteOptions& options, const std::filesystem::path& backup_dir,
                               const std::vector<AgeIdentity>& identities) {
  io::ensure_private_folder(backup_dir);
  const auto folder = binlog::archive_folder(backup_dir);
  io::ensure_private_folder(folder);
  // Never beside an archiver: it may be joining a log's chunks into the file this would bring.
  const io::FolderLock lock(folder, binlog::k_archive_lock);
  std::set<std::string> in_chunks;
  for (const auto& log : binlog::scan_archive(backup_dir).logs) {
    if (!log.whole) {
      in_chunks.insert(log.name.str());
    }
  }
  const auto archive = offsite_subfolder(options, binlog::k_archive_folder);
  PullResult result;
  for (const auto& object : list_offsite(archive, {}, true)) {
    util::check_interrupted();
    const auto name = archive_object_name(object.name);
    if (!name || name->chunk_start || !is_our_sha256(object.sha256)) {
      result.ignored.push_back(object.name);
      continue;
    }
    if (in_chunks.count(name->log.str()) > 0) {
      // The folder archives that log itself, in chunks: the copy would stand beside them.
      log_warn("binlog pull: {} left in the bucket: the folder holds {} in chunks", object.name, name->log.str());
      result.ignored.push_back(object.name);
      continue;
    }
    const auto fetched = fetch_offsite_backup(archive, object.name, identities, folder);
    (fetched.already_there ? result.present : result.fetched).push_back(fetched.file.filename().string());
    if (fetched.already_there) {
      log_info("binlog pull: {} is already in the folder", object.name);
    } else {
      log_info("binlog pull: {} brought back, its SHA-256 checked", object.name);
    }
  }
  return result;
}

}  // namespace ifnbackup
