#pragma once
// Replays a planned span of the archive (binlog/replay_plan.hpp) into a database: each server file
// is decompressed from the archive into Debian's `mariadb-binlog` (the server's own decoder, the
// same version: it writes the SQL and the BINLOG statements of row events with each event's
// session state), whose SQL is cut as the stock client cuts it (restore's SqlSplitter) and run on a
// connection of ours, its transactions committed several at a time (binlog/commit_batch.hpp).
// mariadb-binlog reads its standard input: it needs no password and no file.
#include <chrono>
#include <cstdint>
#include <string>

#include "binlog/replay_plan.hpp"
#include "ifnbackup/options.hpp"

namespace ifnbackup::binlog {

struct ReplayTarget {
  ConnectionOptions connection;
  std::string source_database;  // whose changes are replayed (the backup's database)
  std::string target_database;  // where (--into: another name, the events rewritten to it)
  bool no_binlog = false;       // the replay's writes stay out of this server's binary log
};

struct ReplayResult {
  std::uint64_t statements = 0;    // of mariadb-binlog's output, run
  std::uint64_t transactions = 0;  // of the binary log, ended (committed or rolled back)
  std::uint64_t commits = 0;       // run on the server: several transactions each (binlog/commit_batch.hpp)
  std::chrono::milliseconds duration{0};
};

// Throws Error(restore_failed) naming the statement the server refused or mariadb-binlog's own
// failure; Error(interrupted) on a signal.
ReplayResult replay(const ReplayPlan& plan, const ReplayTarget& target);

}  // namespace ifnbackup::binlog
