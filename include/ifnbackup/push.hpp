#pragma once
// Offsite copies of a backup folder's files: the step after a backup, and `ifnbackup push`, which sends
// what the bucket lacks (the first sync of a folder, a catch-up after an outage).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/age.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/offsite.hpp"

namespace ifnbackup {

// One file's copy: sent now, already there, or failed (the message says why; the local file is untouched).
struct OffsiteCopy {
  enum class Outcome { sent, present, failed, skipped };
  std::string name;
  Outcome outcome = Outcome::failed;
  Text message;  // English (JSON, the journal, the log file) and the operator's language (the terminal)
  std::optional<UploadResult> upload;  // sent
};
const char* offsite_outcome_name(OffsiteCopy::Outcome outcome) noexcept;

// Uploads one local file of the folder and checks it with a HEAD; never throws for an offsite failure
// (the outcome says it), only for an interruption. With recipients, a plain NAME.sql.gz goes as
// NAME.sql.gz.age, encrypted as it is sent (ifnbackup/encrypted_backup.hpp); a local NAME.sql.gz.age
// goes as it is.
OffsiteCopy copy_offsite(const OffsiteOptions& options, const std::filesystem::path& file,
                         const std::vector<AgeRecipient>& recipients = {});
// The object name a local file has offsite: NAME.sql.gz.age when it is encrypted on the way.
std::string offsite_name_of(std::string_view local_name, bool encrypt);

struct PushOptions {
  std::filesystem::path backup_dir;
  std::string prefix;
  OffsiteOptions offsite;
  std::string which = "all";             // "all" or one backup's file name
  std::vector<AgeRecipient> encrypt_to;  // set: plain files go encrypted, as NAME.sql.gz.age
  std::vector<AgeIdentity> identities;   // verify the folder's encrypted files (--encrypt-local) before sending
};

struct PushResult {
  std::vector<OffsiteCopy> files;  // newest first
  unsigned sent = 0;
  unsigned present = 0;
  unsigned failed = 0;
  unsigned skipped = 0;  // not verified as good: never sent
  // The binary log archive (<backup-dir>/binlog/, docs/pitr.md), with `all`: its whole files, oldest first,
  // as <prefix>binlog/<name> (encrypted as the backups are, NAME.gz.age); the chunks of the log the server
  // is writing wait until it is whole.
  bool archive_exists = false;
  std::vector<OffsiteCopy> archive;
  unsigned archive_sent = 0;
  unsigned archive_present = 0;
  unsigned archive_failed = 0;
  unsigned archive_skipped = 0;  // named like the archive's but not a binary log it wrote: never sent
  std::string archive_newest;    // the newest server log whose copy is offsite now ("binlog.000042"); empty: none
};

// Whether `listed` (a listing of the bucket by name) holds `name` as a copy of `file` (`size` bytes): the
// same size and our SHA-256 header equal to the file's (encrypted on the way: the plaintext SHA-256 header).
// Reads the file whole to hash it. Throws Error(offsite) when the HEAD fails.
bool already_offsite(const OffsiteOptions& options, const std::map<std::string, OffsiteObject>& listed,
                     std::string_view name, const std::filesystem::path& file, std::uint64_t size, bool encrypt);

// Lists the bucket once, then for each backup of ours in the folder (or the one named) that verifies as
// good: present when an object of that name has the same size and our SHA-256 header equal to the file's
// (encrypted on the way: when NAME.sql.gz.age's plaintext SHA-256 header is the file's), else uploaded. A file not
// verified, or verified long ago, is verified first; a bad one is skipped. Throws Error(offsite) when the bucket cannot
// be listed, Error(not_found) for a name not in the folder. With `all`, then the archive's whole files the
// same way (listed once under <prefix>binlog/).
PushResult push_backups(const PushOptions& options);

// binlog pull: the archive's copies in the bucket (<prefix>binlog/) that the folder lacks, brought into
// <backup-dir>/binlog/ through a .partial, the final name only when the bytes match our SHA-256 header (a
// NAME.gz.age decrypted with `identities`, every chunk authenticated, the plaintext matching its header).
// Objects without our header, or not named as the archive's whole files, are left in the bucket; a file
// of the same name already in the folder is kept when it holds the same bytes, else refused. Throws
// Error(offsite), Error(corrupt), Error(wrong_identity), Error(io) at the first failure; what was brought
// before stays (each file is complete).
struct PullResult {
  std::vector<std::string> fetched;  // file names written into binlog/
  std::vector<std::string> present;  // already in the folder with the same bytes
  std::vector<std::string> ignored;  // objects under binlog/ not ours (no header, or another name)
};
PullResult pull_binlog_archive(const OffsiteOptions& options, const std::filesystem::path& backup_dir,
                               const std::vector<AgeIdentity>& identities);

// The newest backup of ours in the bucket (by the time in its name, never one dated in the future) that
// carries our SHA-256 header. Throws Error(not_found) when there is none, Error(offsite).
std::string newest_offsite_backup(const OffsiteOptions& options, std::string_view prefix);

}  // namespace ifnbackup
