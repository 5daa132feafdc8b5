#pragma once
// ifnbackup rotate: apply the retention policy to the backup folder. Backups never verified, or
// verified more than k_verification_max_age ago, are verified first, so the floor of good backups is
// counted on facts; so is a backup only read back after it was written (VerifyCheck::written) when a
// removal depends on counting it good. An encrypted backup (NAME.sql.gz.age) due for verification
// is not verified (its secret key is not rotate's): never removed, and not counted in the floor.
// Each file counts for the database it is a backup of (the source database its header records): with
// a database, only that database's backups and safety snapshots are candidates, the others are kept
// ("another database's"); without one, each database's files are judged on their own, with their own
// floor. A good file that records no database (a mysqldump file under one of our names) is never
// removed; a bad or empty one (a damaged header, a fake) is judged with the files rotated, as before.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ifnbackup/binlog.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup {

struct RotateOptions {
  std::filesystem::path backup_dir;
  std::string prefix{k_default_backup_prefix};
  std::string database;  // whose backups are rotated; empty: every database's, each on its own
  RetentionPolicy policy;
  bool dry_run = false;
};

struct RotateResult {
  std::vector<RetentionDecision> decisions;  // every file of ours, newest first
  std::vector<std::string> verified;         // files verified during this run
  std::size_t removed = 0;
  std::uint64_t bytes_freed = 0;
};

// Takes the folder's lock (Error(lock_held)). Logs each removal with its reason.
RotateResult run_rotate(const RotateOptions& options);

// --- The same retention in the --offsite bucket (docs/offsite.md, "Rotation").
//
// Candidates are the objects under the offsite prefix named as our backups, plain (NAME.sql.gz) or
// encrypted (NAME.sql.gz.age), that carry our SHA-256 header (x-amz-meta-ifnbackup-sha256): an object
// without it was not uploaded by ifnbackup and is never removed, whatever its name; so are other keys,
// keys in sub-folders of the prefix and safety snapshots. The two objects of one backup (plain and
// encrypted) are one backup to the policy, removed or kept together. Good (counted in the floor): a HEAD
// finds our header and the listed size. A backup whose HEAD size differs from the listing is neither
// counted in the floor nor removed (no fact to decide on). Days come from the name, as for local files. The policy is
// apply_retention's, with the offsite retention days: the same floor of min_keep good backups.
//
// Never from one listing: when something is to go, the bucket is listed again and the floor's objects
// read again by HEAD; an object of ours that vanished between the two listings, or a floor that is not
// there the second time, stops the run before anything is removed (Error(offsite)). Only objects that
// both readings remove are removed, one DELETE each. A DELETE that fails is reported and the others go on.
struct OffsiteRotateOptions {
  OffsiteOptions offsite;
  std::string prefix{k_default_backup_prefix};  // our backups' name prefix (--prefix)
  RetentionPolicy policy;                       // retention_days: the offsite retention
  bool dry_run = false;
  // The folder: a kept copy uploaded without its binlog position (k_offsite_binlog_header) has it read from
  // the folder's file of that name, for the archive's retention.
  std::filesystem::path backup_dir;
};

struct OffsiteDecision {
  RetentionDecision decision;        // entry.name: the backup's name (NAME.sql.gz)
  std::vector<std::string> objects;  // its object names (NAME.sql.gz, NAME.sql.gz.age)
  std::uint64_t bytes = 0;
  bool good = false;
  std::vector<std::string> removed;  // objects removed by this run
  std::string failure;               // why a removal failed; empty when none
};

struct OffsiteRotateResult {
  std::string url;                       // s3://bucket/prefix
  std::vector<OffsiteDecision> backups;  // newest first
  std::vector<std::string> not_ours;     // named like ours but without our header: never touched
  std::size_t other_keys = 0;            // keys under the prefix not named like our backups
  std::size_t removed = 0;               // objects removed
  std::uint64_t bytes_freed = 0;
  std::size_t failed = 0;   // removals that failed
  std::string newest_good;  // the newest good backup's name in the bucket; empty when none
  std::chrono::system_clock::time_point newest_good_time{};
  // The archive's copies (<prefix>binlog/, docs/pitr.md): the folder's rules over the kept backups'
  // positions; its failed removals count in `failed`. binlog_problem: its second listing disagreed (nothing
  // removed from it).
  BinlogRetentionResult binlog;
  Text binlog_problem;
};

// Throws Error(offsite) when the bucket cannot be read or its second reading contradicts the first
// (nothing removed then); removal failures are in the result (failed), not thrown.
OffsiteRotateResult rotate_offsite(const OffsiteRotateOptions& options);

}  // namespace ifnbackup
