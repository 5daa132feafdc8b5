#pragma once
// ifnbackup restore: verify first, show the plan and ask, take a safety snapshot, load, roll
// back on failure, check the row counts.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup {

struct RestoreOptions {
  ConnectionOptions connection;  // connection.database: the configured database
  std::filesystem::path backup_dir;
  std::string file;                             // a path, a bare name looked up in backup_dir, or "latest"
  std::string prefix{k_default_backup_prefix};  // of the backups "latest" chooses from
  std::string into;                             // restore into this database instead (created if missing)
  bool force = false;                           // go on after a failed statement and report them all
  bool no_rollback = false;                     // leave the database as the failed load left it
  bool no_binlog = false;                       // SET SESSION sql_log_bin = 0 on every connection that writes
  // Only these tables (and their triggers) are replaced; the rest of the database is left as it
  // is. Our own files only (their manifest lists the tables). Empty: the whole database.
  std::vector<std::string> tables;
  int compress_level = k_default_compress_level;  // of the safety snapshot
  // Connections loading rows at once (our own files), and the snapshot's compressing threads.
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  // Skip the content proof (each restored table read back and its digest compared with the
  // backup's): row counts only. For operators who accept that risk to save the read.
  bool no_proof = false;
  // Run a mysqldump file's statements outside what a backup of one database may hold (another
  // database, SET GLOBAL, accounts...): shown in the plan, refused without this.
  bool allow_foreign_statements = false;
  // Our key (it signs the safety snapshot) and the trusted keys beside it.
  SigningOptions signing;
  // Load a file of ours that is unsigned (written before format 4) or signed by a key neither ours nor
  // trusted; without it such a file is refused (Error(untrusted_signature)) before anything is touched.
  bool trust_unsigned = false;
  // Hold the backup folder's lock from the safety snapshot to the end, so no backup or rotation runs
  // meanwhile. A drill turns it off: its target does not exist (no snapshot), no backup reads it and the
  // file is held open, so the nightly backup must not fail with lock_held behind a long drill.
  bool lock_backup_folder = true;
  // How the operator runs this program (its installed path): the first word of the command a failed
  // restore prints to put the safety snapshot back.
  std::string program = "ifnbackup";
};

// What is about to happen, shown to the operator before anything is touched.
struct RestorePlan {
  std::filesystem::path file;
  VerifyResult verification;
  std::string server;           // where
  std::string target_database;  // what will be overwritten
  bool target_exists = false;
  bool into = false;       // target is --into, not the configured database
  bool no_binlog = false;  // the restore's writes stay out of the binary log
  // verification.signer is judged by our keys; an untrusted signer reaches the plan only with this.
  bool trust_unsigned = false;
  std::vector<std::string> tables;  // --tables: only these are replaced (empty: everything)
  bool some_tables_file = false;    // the file holds some tables only (a --tables safety snapshot)
  // --tables into an existing database: the chosen tables it does not hold now. The restore creates
  // them; its safety snapshot cannot hold them, so undoing the restore means dropping them too.
  std::vector<std::string> new_tables;
  // The source database's collation as the file records it (empty: not recorded); a database the
  // restore creates gets it. An existing target keeps its own (target_collation), shown when they differ.
  std::string database_collation;
  std::string target_collation;
  // --tables on a file with a section index: the sections read (prologue, those tables), each
  // checked; empty: the whole file, verified whole.
  std::vector<Section> sections;
  // The database the file is a backup of (its header's); std::nullopt when it records none (mysqldump).
  std::optional<std::string> source_database;
  // What the target holds now, as the server's statistics say (of the chosen tables for --tables):
  // shown beside the backup before the question. Rows are InnoDB's estimate.
  struct TargetNow {
    std::uint64_t tables = 0;
    std::uint64_t estimated_rows = 0;
    std::uint64_t bytes = 0;  // data and indexes on disk
    // The newest UPDATE_TIME or CREATE_TIME the server reports ("YYYY-MM-DD HH:MM:SS", the server's
    // time zone); empty when it knows none (InnoDB forgets UPDATE_TIME at a restart).
    std::string newest_change;
  };
  std::optional<TargetNow> target_now;  // std::nullopt: the target does not exist
};

// The steps of a restore, in their order, as its progress and its end name them.
enum class RestoreStep {
  verifying,          // the file read whole (or its sections), before the plan
  safety_snapshot,    // what the restore replaces, written as a backup
  loading_rows,       // the file's statements, rows mostly
  building_indexes,   // an ALTER TABLE adding the keys deferred after a table's rows (subject: the table)
  restoring_objects,  // views, routines, triggers, events
  proving,            // each table read back and its digest compared (subject: the table)
  rolling_back,       // the safety snapshot loaded back after a failure
  checking_schema,    // a new backup's schema loaded into a scratch database (no rows)
};
// English, for logs and the journal: "verifying", "safety snapshot", "loading rows", ...
const char* restore_step_name(RestoreStep step) noexcept;

struct LoadProgress {
  RestoreStep step = RestoreStep::loading_rows;
  std::string subject;  // building_indexes, proving: the table
  // Bytes: compressed bytes of the file read (verifying, loading, rolling back), SQL written
  // (safety snapshot); tables (proving). total 0: not known (the snapshot's size).
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::uint64_t statements = 0;
  std::uint64_t rows = 0;  // rows loaded so far (loading), dumped (safety snapshot)
};

// How long each step took, in the order they first ran (a step run twice adds up).
struct StepTime {
  RestoreStep step = RestoreStep::loading_rows;
  std::chrono::milliseconds took{0};
};

// What the content proof says of one restored table.
enum class ProofVerdict {
  not_recorded,  // the file has no digest (mysqldump's, or written before format 3): row counts only
  skipped,       // --no-proof
  identical,     // the table read back as the dumper reads it gives the backup's digest
  different,     // it does not: the content is not what was dumped
  // It does not, on a server of another version than the backup's, in a table holding a column
  // whose text may legitimately differ there (FLOAT, DOUBLE, JSON, spatial): not called different.
  cannot_prove,
};
// "identical", "DIFFERENT", "cannot prove", "not recorded", "skipped"
const char* proof_verdict_name(ProofVerdict verdict) noexcept;

struct TableCheck {
  std::string table;
  std::uint64_t expected = 0;  // from the backup's manifest
  std::uint64_t actual = 0;    // SELECT COUNT(*) after the load
  ProofVerdict proof = ProofVerdict::not_recorded;
  std::string detail;  // cannot_prove: the columns in question
};

struct RestoreResult {
  std::filesystem::path file;
  std::string target_database;
  std::filesystem::path safety_snapshot;  // empty when the target did not exist
  std::uint64_t statements = 0;
  std::uint64_t warnings = 0;
  std::uint64_t failed_statements = 0;  // only with force
  std::vector<TableCheck> checks;       // empty for a file without manifest (mysqldump's)
  std::chrono::milliseconds duration{0};
  std::vector<StepTime> steps;  // from the verification to the proof
  // The command that puts the target back as it was before this restore, from its safety snapshot
  // (empty when there is none); it asks for OUI again.
  std::string undo_command;
};

struct RestoreCallbacks {
  // Shown the plan once the file is verified; returns true to go on (OUI typed, or --yes).
  std::function<bool(const RestorePlan&)> confirm;
  std::function<void(const LoadProgress&)> progress;
  // Called with the target database between the load and the checks (tests: make it differ). In a
  // file with events the proof reads the rows as they were before the first event was created, so a
  // change made here is not seen. With the proof beside the last key builds, it is called once every
  // row is in, before the proof's snapshot, while those builds may still run.
  std::function<void(const std::string&)> before_checks;
  // Called with the target database after the checks passed, inside the restore: what it throws
  // rolls the restore back like a failed load (restore --until replays the binary log here).
  std::function<void(const std::string&)> after_checks;
};

// A path as given, a bare name looked up in the backup folder, "latest" (the newest backup
// not known to be corrupt) or "latest-safety" (the newest safety snapshot); given a database, only
// that database's backups are "latest" (the source database each file records). Throws
// Error(not_found) naming the folder searched and the newest backups in it.
std::filesystem::path resolve_backup_file(const std::string& file, const std::filesystem::path& backup_dir,
                                          const std::string& prefix = std::string(k_default_backup_prefix),
                                          const std::string& database = {});

// Throws Error: corrupt/incomplete (file refused, nothing touched), untrusted_signature (our file
// unsigned or signed by an unknown key, without trust_unsigned: nothing touched), aborted (not confirmed,
// nothing touched), restore_rolled_back, restore_failed, check_mismatch and content_mismatch
// (rolled back unless no_rollback), and the usual ones.
RestoreResult run_restore(const RestoreOptions& options, const RestoreCallbacks& callbacks);

}  // namespace ifnbackup
