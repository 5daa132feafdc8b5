// Offsite copies of the folder's backups: one after a backup, or every missing one (`push`).
#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/archive.hpp"
#include "binlog/archive_retention.hpp"
#include "command/backup_header.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/encrypted_backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/push.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup {
namespace {

OffsiteCopy failed_copy(std::string name, const Error& error) {
  OffsiteCopy copy;
  copy.name = std::move(name);
  copy.outcome = OffsiteCopy::Outcome::failed;
  copy.message = error.hint().empty() ? error.message() : tx("{} (hint: {})", error.message(), error.hint_text());
  return copy;
}

OffsiteCopy present_copy(std::string name) {
  OffsiteCopy copy;
  copy.name = std::move(name);
  copy.outcome = OffsiteCopy::Outcome::present;
  copy.message = tx("{} is already offsite (same size and SHA-256)", copy.name);
  log_info("offsite: {}", copy.message);
  return copy;
}

// The archive's whole files (binlog/), oldest first, after the backups: each a complete server log; the
// chunks of the log being written are sent once it is whole (docs/pitr.md, "Offsite copies").
void push_archive(const PushOptions& options, PushResult& result) {
  const auto scan = binlog::scan_archive(options.backup_dir);
  if (scan.empty()) {
    return;
  }
  result.archive_exists = true;
  const auto archive = offsite_subfolder(options.offsite, binlog::k_archive_folder);
  std::map<std::string, OffsiteObject> remote;
  try {
    for (auto& object : list_offsite(archive, {}, false)) {
      remote.emplace(object.name, std::move(object));
    }
  } catch (const Error& error) {
    if (error.code() == ErrorCode::interrupted) {
      throw;
    }
    ++result.archive_failed;
    result.archive.push_back(failed_copy(std::string(binlog::k_archive_folder) + "/", error));
    return;
  }
  const bool encrypt = !options.encrypt_to.empty();
  for (const auto& log : scan.logs) {
    if (!log.whole) {
      continue;
    }
    const auto& path = *log.whole;
    const std::string name = offsite_name_of(path.filename().string(), encrypt);
    if (!binlog::holds_archived_log(path, std::nullopt)) {
      OffsiteCopy copy;
      copy.name = name;
      copy.outcome = OffsiteCopy::Outcome::skipped;
      copy.message = tx("binlog/{} is not a binary log archived by ifnbackup: not sent", path.filename().string());
      log_warn("offsite: {}", copy.message);
      ++result.archive_skipped;
      result.archive.push_back(std::move(copy));
      continue;
    }
    OffsiteCopy copy;
    try {
      copy = already_offsite(archive, remote, name, path, std::filesystem::file_size(path), encrypt)
                 ? present_copy(name)
                 : copy_offsite(archive, path, options.encrypt_to);
    } catch (const Error& error) {
      if (error.code() == ErrorCode::interrupted) {
        throw;
      }
      copy = failed_copy(name, error);
    }
    switch (copy.outcome) {
      case OffsiteCopy::Outcome::sent:
      case OffsiteCopy::Outcome::present:
        ++(copy.outcome == OffsiteCopy::Outcome::sent ? result.archive_sent : result.archive_present);
        result.archive_newest = log.name.str();
        break;
      default:
        ++result.archive_failed;
    }
    result.archive.push_back(std::move(copy));
  }
}

// The file verifies as complete and unaltered now (verified again when never, or long ago).
bool verifies_good(const CatalogEntry& entry, VerificationState& state, const std::vector<AgeIdentity>& identities,
                   Text& why) {
  const auto* record = state.find(entry);
  if (!record_is_current(record, std::chrono::system_clock::now())) {
    if (entry.encrypted && identities.empty()) {
      why = tx("encrypted, and not verified in the last 7 days: give --identity to verify it");
      return false;
    }
    const auto result = verify_entry(entry, state, {}, [&identities](const std::filesystem::path& file) {
      return verify_encrypted_file(file, identities);
    });
    try {
      state.save();
    } catch (const Error& error) {
      log_warn("verification of {} not remembered: {}", entry.name, error.message());
    }
    why = result.reason;
    return result.ok();
  }
  why = record->reason;
  return record->status == VerifyStatus::ok || record->status == VerifyStatus::ok_legacy;
}

// A source with more metadata than its own: a backup's binlog position.
class SourceWithMetadata final : public UploadSource {
 public:
  SourceWithMetadata(std::unique_ptr<UploadSource> inner, std::vector<std::pair<std::string, std::string>> extra)
      : m_inner(std::move(inner)), m_extra(std::move(extra)) {}
  std::uint64_t size() const override { return m_inner->size(); }
  std::size_t read(char* buffer, std::size_t capacity) override { return m_inner->read(buffer, capacity); }
  void rewind() override { m_inner->rewind(); }
  std::vector<std::pair<std::string, std::string>> metadata() const override {
    auto all = m_inner->metadata();
    all.insert(all.end(), m_extra.begin(), m_extra.end());
    return all;
  }

 private:
  std::unique_ptr<UploadSource> m_inner;
  std::vector<std::pair<std::string, std::string>> m_extra;
};

// A plain backup's binlog position goes with its copy (k_offsite_binlog_header), "none" when its header
// records none: the bucket's rotation keeps the archive the kept copies need. An encrypted local file's
// header cannot be read: nothing is sent, and the rotation treats its position as unknown.
std::vector<std::pair<std::string, std::string>> backup_metadata(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  if (!name.ends_with(".sql.gz")) {
    return {};
  }
  const auto position = backup_binlog_position(file);
  return {{std::string(k_offsite_binlog_header), position ? position->str() : std::string("none")}};
}

}  // namespace

bool already_offsite(const OffsiteOptions& options, const std::map<std::string, OffsiteObject>& listed,
                     std::string_view name, const std::filesystem::path& file, std::uint64_t size, bool encrypt) {
  // Encrypted on the way, the object's size is not the file's: its plaintext SHA-256 tells.
  const auto found = listed.find(std::string(name));
  if (found == listed.end() || (!encrypt && found->second.size != size)) {
    return false;
  }
  const auto head = head_offsite(options, name);
  auto source = open_file_source(file);
  const std::string local = sha256_of_source(*source);
  return head && (encrypt ? head->plain_sha256 == local : head->size == size && head->sha256 == local);
}

const char* offsite_outcome_name(OffsiteCopy::Outcome outcome) noexcept {
  switch (outcome) {
    case OffsiteCopy::Outcome::sent:
      return N_("sent");
    case OffsiteCopy::Outcome::present:
      return N_("present");
    case OffsiteCopy::Outcome::failed:
      return N_("failed");
    case OffsiteCopy::Outcome::skipped:
      return N_("skipped");
  }
  return "?";
}

std::string offsite_name_of(std::string_view local_name, bool encrypt) {
  return encrypt && !is_encrypted_name(local_name) ? std::string(local_name) + std::string(k_age_suffix)
                                                   : std::string(local_name);
}

OffsiteCopy copy_offsite(const OffsiteOptions& options, const std::filesystem::path& file,
                         const std::vector<AgeRecipient>& recipients) {
  const std::string local_name = file.filename().string();
  const bool encrypt = !recipients.empty() && !is_encrypted_name(local_name);
  const std::string name = offsite_name_of(local_name, encrypt);
  try {
    std::unique_ptr<UploadSource> source = std::make_unique<SourceWithMetadata>(
        encrypt ? open_encrypting_source(file, recipients) : open_file_source(file), backup_metadata(file));
    OffsiteCopy copy;
    copy.name = name;
    copy.upload = upload_to_offsite(options, name, *source);
    const auto& sent = *copy.upload;
    copy.outcome = OffsiteCopy::Outcome::sent;
    const double seconds = std::max(0.001, static_cast<double>(sent.duration.count()) / 1000.0);
    copy.message = tx(
        "{} uploaded to s3://{}/{} ({:.1f} MiB in {}, {:.1f} s, {:.1f} MiB/s{}), size and SHA-256 {} checked by HEAD{}",
        name, parse_offsite_url(options.url).bucket, sent.key, static_cast<double>(sent.bytes) / 1048576.0,
        sent.parts == 1 ? tx("one PUT") : tx("{} parts of {} MiB", sent.parts, sent.part_size / 1048576), seconds,
        static_cast<double>(sent.bytes) / 1048576.0 / seconds,
        sent.retries == 0 ? Text() : tx(", {} request(s) retried", sent.retries), sent.sha256,
        encrypt ? tx("; encrypted with age to {} recipient(s)", recipients.size()) : Text());
    log_info("offsite: {}", copy.message);
    return copy;
  } catch (const Error& error) {
    if (error.code() == ErrorCode::interrupted) {
      throw;
    }
    auto copy = failed_copy(name, error);
    log_error("offsite copy of {} failed: {}", name, copy.message);
    return copy;
  }
}

PushResult push_backups(const PushOptions& options) {
  auto entries = scan_backup_folder(options.backup_dir, options.prefix);
  std::erase_if(entries, [&](const CatalogEntry& entry) {
    return entry.kind != BackupKind::backup || (options.which != "all" && entry.name != options.which);
  });
  if (options.which != "all" && entries.empty()) {
    throw Error(ErrorCode::not_found, tx("no backup named {} in {}", options.which, options.backup_dir.string()),
                tx("give a backup's file name as 'ifnbackup list' shows it, or 'all'"));
  }
  // One listing (every page) says what the bucket holds; a HEAD then reads our header of a candidate.
  std::map<std::string, OffsiteObject> remote;
  for (auto& object : list_offsite(options.offsite, {}, false)) {
    remote.emplace(object.name, std::move(object));
  }
  auto state = VerificationState::load(options.backup_dir);
  PushResult result;
  for (const auto& entry : entries) {
    Text why;
    if (!verifies_good(entry, state, options.identities, why)) {
      OffsiteCopy copy;
      copy.name = entry.name;
      copy.outcome = OffsiteCopy::Outcome::skipped;
      copy.message = tx("{} does not verify ({}): not sent", entry.name, why);
      log_warn("offsite: {}", copy.message);
      ++result.skipped;
      result.files.push_back(std::move(copy));
      continue;
    }
    const bool encrypt = !options.encrypt_to.empty() && !entry.encrypted;
    const std::string name = offsite_name_of(entry.name, encrypt);
    try {
      if (already_offsite(options.offsite, remote, name, entry.path, entry.size, encrypt)) {
        ++result.present;
        result.files.push_back(present_copy(name));
        continue;
      }
    } catch (const Error& error) {
      if (error.code() == ErrorCode::interrupted) {
        throw;
      }
      ++result.failed;
      result.files.push_back(failed_copy(entry.name, error));
      continue;
    }
    auto copy = copy_offsite(options.offsite, entry.path, options.encrypt_to);
    ++(copy.outcome == OffsiteCopy::Outcome::sent ? result.sent : result.failed);
    result.files.push_back(std::move(copy));
  }
  if (options.which == "all") {
    push_archive(options, result);
  }
  return result;
}

std::string newest_offsite_backup(const OffsiteOptions& options, std::string_view prefix) {
  const auto now = std::chrono::system_clock::now();
  std::optional<BackupName> newest_name;
  std::string newest;
  for (const auto& object : list_offsite(options, {}, false)) {
    const auto parsed = parse_backup_name(object.name, prefix);
    if (!parsed || parsed->kind != BackupKind::backup || dated_in_future(parsed->timestamp, now)) {
      continue;
    }
    if (!newest_name || parsed->timestamp > newest_name->timestamp) {
      // Only a copy we uploaded and checked counts.
      const auto head = head_offsite(options, object.name);
      if (head && head->sha256.size() == 64) {
        newest_name = parsed;
        newest = object.name;
      }
    }
  }
  if (newest.empty()) {
    throw Error(ErrorCode::not_found, tx("no backup of ours (prefix {}) in {}", prefix, options.url),
                tx("'ifnbackup list --offsite' shows what is there; check --offsite and --prefix"));
  }
  return newest;
}

}  // namespace ifnbackup
