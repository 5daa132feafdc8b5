#pragma once
// ifnbackup drill: the procedure's weekly "test de restauration", as one command. A backup is
// verified, restored into a scratch database, every table proven against the backup's digests, the
// time it took reported (the real RTO), and the scratch database dropped. The configured database is
// never touched: no question is asked and no safety snapshot is taken, because the only database
// written is the drill's own scratch database, which holds nothing to save.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/restore.hpp"

namespace ifnbackup {

// The suffix of the default scratch database: "<database>_drill".
inline constexpr std::string_view k_drill_suffix = "_drill";

struct DrillOptions {
  ConnectionOptions connection;  // connection.database: the source, only used to name the scratch database
  std::filesystem::path backup_dir;
  std::string file = "latest";                  // as restore takes it: a path, a name in backup_dir, "latest"
  std::string prefix{k_default_backup_prefix};  // of the backups "latest" chooses from
  // The scratch database; empty: connection.database + k_drill_suffix. Refused when it exists and
  // is not a previous drill's own (the drill's record in backup_dir says which are).
  std::string into;
  bool keep = false;       // leave the scratch database (also after a failure, to look at it)
  bool no_binlog = false;  // keep the load out of the binary log (replicas would load it too)
  // The keys restore trusts: a drill loads what a restore would load, so a file signed by no trusted
  // key fails the drill as it would fail the restore (Error(untrusted_signature)).
  SigningOptions signing;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
};

struct DrillResult {
  std::filesystem::path file;
  std::string scratch_database;
  std::string server;  // "127.0.0.1:3306 (11.4.2-MariaDB)"
  std::uint64_t compressed_bytes = 0;
  std::uint64_t rows = 0;  // in the backup's manifest
  std::vector<TableCheck> checks;
  std::size_t tables_proven = 0;  // checks whose proof is identical
  // Verify, load and proof: what a real restore of this file takes, without its safety snapshot.
  std::chrono::milliseconds restore_duration{0};
  std::chrono::milliseconds duration{0};  // the whole drill, the drop included
  bool replaced_previous = false;         // a previous drill's scratch database was dropped first
  bool kept = false;
};

struct DrillCallbacks {
  // The restore's plan, once the file is verified (nothing is asked: the drill goes on).
  std::function<void(const RestorePlan&)> plan;
  std::function<void(const LoadProgress&)> progress;
  // Called with the scratch database between the load and the proof (tests: make it differ).
  std::function<void(const std::string&)> before_checks;
  // Called with the scratch database after the proof passed (drill --until replays the binary log
  // here); what it throws fails the drill as a failed load does.
  std::function<void(const std::string&)> after_checks;
};

// The scratch database of `options`: `into`, or the configured database + "_drill". Throws
// Error(usage) when there is none, when it is the configured database or a system schema, or when
// it is longer than a database name may be.
std::string drill_scratch_database(const DrillOptions& options);

// Throws Error: usage (the scratch name is refused: nothing was changed), lock_held (another drill
// of this folder runs), what run_restore throws (corrupt, incomplete, not_found,
// restore_rolled_back — the scratch database dropped —, restore_failed — kept —, check_mismatch,
// content_mismatch), server (the drill passed but its scratch database could not be dropped).
DrillResult run_drill(const DrillOptions& options, const DrillCallbacks& callbacks = {});

}  // namespace ifnbackup
