#pragma once
// What is known of each file of the backup folder: the results of earlier verifications are
// remembered in a small state file (.ifnbackup-verify.tsv), so list and rotate know which backups
// are good without reading them all again. Implemented in src/core/catalog/verification_state.cpp.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/retention.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup {

struct VerificationRecord {
  std::string name;
  std::uintmax_t size = 0;
  std::int64_t mtime_ticks = 0;  // the file as it was verified; any change makes the record stale
  VerifyStatus status = VerifyStatus::incomplete;
  std::string reason;
  std::chrono::system_clock::time_point verified_at{};
  std::uint64_t tables = 0;
  std::uint64_t rows = 0;
  bool holds_tables = false;  // VerifyResult::holds_tables: only such a file is "latest" or in the floor
  // The file's source database (its header's, header_database), once known: records written before
  // it was remembered do not know it, and a file is verified again before a choice that needs it.
  bool database_known = false;
  std::optional<std::string> database;  // std::nullopt: the file records none (a mysqldump file)
  // The schema check of the backup run that wrote it (ifnbackup/schema_check.hpp): "" never run,
  // "passed", "FAILED: <statement and error>", "not run: <why>". Kept while the file is unchanged,
  // across verifications. A FAILED one is not restorable as is: never "latest", never in the floor.
  std::string schema_check;
  // What the verification read (VerifyCheck): `written` for the backup's read-back of the file it had
  // just written, statements not read. Records written before this was remembered were full ones.
  VerifyCheck check = VerifyCheck::full;
  bool not_restorable() const { return schema_check.starts_with("FAILED"); }
};

// A verification older than this is done again by rotate and check before they rely on it: bit rot
// keeps a file's name, size and mtime.
inline constexpr std::chrono::days k_verification_max_age{7};

// What rotate and latest may conclude about a record: whether it is fresh enough and knows the
// file's database. False for nullptr.
bool record_is_current(const VerificationRecord* record, std::chrono::system_clock::time_point now);

// Whether the record says the file is a backup of `database`. A file that records no database (a
// mysqldump file) is never any database's: never "latest", never in the floor, never rotated.
bool is_backup_of(const VerificationRecord& record, const std::string& database);

class VerificationState {
 public:
  static constexpr const char* k_file_name = ".ifnbackup-verify.tsv";

  // A missing or unreadable state file is an empty state (everything "never verified").
  static VerificationState load(const std::filesystem::path& backup_dir);
  // The record for this file as it is now, or nullptr if never verified or changed since.
  const VerificationRecord* find(const CatalogEntry& entry) const;
  void record(const CatalogEntry& entry, const VerifyResult& result, std::chrono::system_clock::time_point now);
  // The outcome of the schema check of this file (already recorded by record()); "outcome: detail".
  void record_schema_check(const CatalogEntry& entry, std::string outcome);
  // `entry` is a copy of the file `record` describes (its encrypted copy): the same verdict for it.
  void record_copy(const CatalogEntry& entry, const VerificationRecord& record);
  void forget(const std::string& name) { m_records.erase(name); }
  // Written to a temporary file and renamed over the old one (0600). Throws Error(io).
  void save() const;

 private:
  std::filesystem::path m_path;
  std::map<std::string, VerificationRecord> m_records;
};

// Health for retention, from a record (nullptr: unknown): good only when it verified, holds a table
// and its schema check did not fail.
Health health_of(const VerificationRecord* record);

// How an encrypted file (<name>.sql.gz.age) is verified: decrypted with the secret keys the caller holds
// (verify_encrypted_file, ifnbackup/encrypted_backup.hpp).
using EncryptedVerifier = std::function<VerifyResult(const std::filesystem::path&)>;

// Verifies one of the folder's files and records the outcome in the state (not saved). An encrypted
// file without `encrypted` is not judged: Error(usage) naming it (the secret key is needed).
VerifyResult verify_entry(const CatalogEntry& entry, VerificationState& state,
                          const std::function<void(const VerifyProgress&)>& progress = {},
                          const EncryptedVerifier& encrypted = {});

// Verifies again each backup and safety snapshot of the folder whose last verification is older than
// k_verification_max_age, records the outcomes and saves the state (a state that cannot be saved, a
// read-only folder, is only logged). Returns their names. For check: a rotten file keeps its name,
// size and mtime, and would be called good for ever.
std::vector<std::string> verify_stale_files(const std::filesystem::path& backup_dir, const std::string& prefix,
                                            std::chrono::system_clock::time_point now);

}  // namespace ifnbackup
