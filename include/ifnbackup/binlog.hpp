#pragma once
// Point-in-time recovery (docs/pitr.md): the server's binary log archived into the backup folder
// (`ifnbackup binlog archive`), and what that archive holds (status, check). MariaDB and MySQL only:
// TiDB has its own log backup (BR/TiCDC) and is refused.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ifnbackup/binlog_status.hpp"
#include "ifnbackup/drill.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/restore.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup {

struct BinlogArchiveOptions {
  ConnectionOptions connection;
  std::filesystem::path backup_dir;
  // Run until SIGTERM/SIGINT, reconnecting after a server restart or a network cut; otherwise catch
  // up to the server's last event and return.
  bool follow = false;
  // A chunk of the file being written by the server is closed (renamed to its final name) once it
  // has been open this long, and at the end of the run: what is archived is never older than this.
  std::chrono::seconds chunk_seconds{2};
  // The server id this client announces to the server; it must differ from every real replica's.
  std::uint32_t replica_id = 1766112345;
  int compress_level = k_default_compress_level;
  // An archive that ends in a file the server no longer has (PURGE BINARY LOGS, expire_logs_days)
  // is refused (Error(binlog_gap)); with this, archiving starts again at the server's oldest file
  // and the gap stays in the archive (times in it cannot be restored to).
  bool accept_gap = false;
  // Called after each closed chunk and each whole file (follow mode: the operator's log).
  std::function<void(const Text&)> on_progress;  // a line in both languages (log_text)
};

struct BinlogArchiveResult {
  std::uint64_t events = 0;        // events archived by this run
  std::uint64_t bytes = 0;         // their bytes (uncompressed)
  std::uint64_t chunks = 0;        // chunks closed
  std::uint64_t whole_files = 0;   // server files completed
  std::string position;            // where the archive ends now ("binlog.000042:1234")
  std::uint32_t newest_event = 0;  // timestamp (UTC seconds) of the newest event archived by this run; 0: none
  bool stopped_by_signal = false;  // --follow ended by SIGTERM/SIGINT (a clean end)
  unsigned reconnections = 0;      // --follow: connections made again after the server went away
};

// Takes the archive's own lock (Error(lock_held) when another archiver runs), removes what a killed
// run left (*.partial), resumes where the archive ends. Throws Error(binlog_gap) when the server no
// longer has the next file to archive, Error(interrupted) for a signal without follow (what was
// archived is kept), Error(usage) on TiDB or a server without the binary log, and the usual ones.
BinlogArchiveResult run_binlog_archive(const BinlogArchiveOptions& options);

// "2026-12-01 14:31:59 UTC" for a binary log timestamp (seconds since the epoch); "-" for 0.
std::string format_event_time(std::uint32_t seconds);

// What the archive holds (BinlogArchiveStatus: ifnbackup/binlog_status.hpp, shared with monitoring).
// Reads the folder's names and the newest file's events (decompressed). Throws Error(corrupt) for
// a damaged newest file.
BinlogArchiveStatus read_binlog_archive_status(const std::filesystem::path& backup_dir);

// status, check and metrics: read_binlog_archive_status, and the window a restore --until reaches: the
// oldest good backup of `database` (empty: any) whose binlog position the archive holds with no gap from
// it to its end. Never throws: a damaged archive is `problem`. exists is false without an archive.
BinlogArchiveStatus read_binlog_monitoring(const std::filesystem::path& backup_dir, const std::string& prefix,
                                           const std::string& database);

// rotate: the archive's retention (docs/pitr.md, "Retention"). Keeps every archived file from the
// server log holding the oldest binlog position a kept backup records (restore --until replays from a
// backup's position onward, so every moment from the oldest kept backup on stays reachable), removes the
// files of older logs; never the archive's newest log, a file of another log name, a file named like
// ours that is not a binary log the archiver wrote, nor anything when no kept backup records a
// position. Kept backups: the decisions' backups that are not removed (a dry run's too).
struct BinlogRetentionFile {
  std::string name;  // in <backup-dir>/binlog/
  std::uint64_t bytes = 0;
  bool remove = false;
  Text reason;  // English for JSON and the log, the operator's language for the screen
};
struct BinlogRetentionResult {
  bool exists = false;                     // the folder holds an archive
  std::string needed_from;                 // the oldest position a kept backup needs; empty: none records one
  std::string needed_by;                   // that backup's name
  std::vector<BinlogRetentionFile> files;  // oldest log first
  std::size_t removed = 0;
  std::uint64_t bytes_freed = 0;
};
// Takes the folder's lock (Error(lock_held)); logs each removal. A file that cannot be removed is logged
// and kept.
BinlogRetentionResult rotate_binlog_archive(const std::filesystem::path& backup_dir,
                                            const std::vector<RetentionDecision>& decisions, bool dry_run);

// restore --until: the newest good backup of the database taken before the target, restored as
// restore does it (verify, plan, OUI, safety snapshot, load, proof), then the archived transactions
// of that database from the backup's binlog position to the target second replayed (whole
// transactions; a transaction committed after the target is not replayed, nor anything after it).
struct PointInTimeOptions {
  RestoreOptions restore;  // restore.file is chosen here
  // "YYYY-MM-DD HH:MM:SS" in the server's time zone (@@time_zone, as NOW() shows it there).
  std::string until;
  // Or a MariaDB GTID ("0-1-35356"): replayed up to and including its transaction, from the newest good
  // backup that does not hold it (its recorded GTID position).
  std::string until_gtid;
};

// What the replay covers, shown before the question and reported at the end.
struct RecoverySpan {
  std::filesystem::path backup;
  std::string backup_started;  // its header's (UTC)
  std::string from;            // the backup's binlog position
  std::string to;              // the end of the last transaction replayed
  std::string target;          // as given, with the server's time zone
  std::uint32_t target_utc = 0;
  std::uint64_t transactions = 0;           // in the span, every database's
  std::uint64_t database_transactions = 0;  // of those, the database's (replayed)
  std::uint64_t events = 0;
  // Statements run from another default database (or none) that name the database: NOT replayed.
  std::uint64_t statements_elsewhere = 0;
  // Account and server statements (CREATE USER, GRANT, FLUSH...) run from the database: NOT replayed.
  std::uint64_t server_wide_statements = 0;
  std::uint32_t first_event = 0;  // UTC seconds of the first and last transactions in the span; 0: none
  std::uint32_t last_event = 0;
  // The target is after the newest archived event: the archiver's in-step mark shows it missed nothing up
  // to this time (UTC seconds), at or after the end of the target second. 0: the archive reaches the target.
  std::uint32_t in_step_until = 0;
};

struct PointInTimeResult {
  RestoreResult restore;
  RecoverySpan span;
  std::uint64_t statements = 0;  // run by the replay
  std::chrono::milliseconds replay_duration{0};
};

// Throws before anything is touched: Error(usage) for a badly written time or TiDB, Error(not_found)
// when no good backup was taken before the target or the archive ends before it, Error(binlog_gap)
// when the archive misses a part of the span (named); then what run_restore throws (a failed replay
// rolls the restore back: restore_rolled_back). `show_span` is called before the restore's plan.
PointInTimeResult run_point_in_time_restore(const PointInTimeOptions& options, const RestoreCallbacks& callbacks,
                                            const std::function<void(const RecoverySpan&)>& show_span);

// drill --until: the same backup and span, restored into the drill's scratch database (run_drill: no
// question, no safety snapshot, proof, then dropped unless kept), the replay after the proof.
struct PointInTimeDrillOptions {
  DrillOptions drill;      // drill.file is chosen here
  std::string until;       // as PointInTimeOptions::until
  std::string until_gtid;  // as PointInTimeOptions::until_gtid
};
struct PointInTimeDrillResult {
  DrillResult drill;
  RecoverySpan span;
  std::uint64_t statements = 0;  // run by the replay
  std::chrono::milliseconds replay_duration{0};
};
// Throws what run_point_in_time_restore throws before the restore, then what run_drill throws.
PointInTimeDrillResult run_point_in_time_drill(const PointInTimeDrillOptions& options, const DrillCallbacks& callbacks,
                                               const std::function<void(const RecoverySpan&)>& show_span);

}  // namespace ifnbackup
