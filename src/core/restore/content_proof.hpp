#pragma once
// After a load, what is in the tables compared with what the backup recorded: each table's row
// count, and its content digest (proof/row_digest) read back with the dumper's own reading and
// encoding (proof/table_reading).
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ifnbackup/manifest.hpp"
#include "ifnbackup/options.hpp"
#include "ifnbackup/restore.hpp"

namespace ifnbackup::db {
class Connection;
}

namespace ifnbackup::restore {

struct ProofSettings {
  bool prove = true;          // false: --no-proof, row counts only
  std::string source_server;  // the backup's "-- ifnbackup-server:" (VERSION() of the source)
  // A reading session started by start_proof_snapshot: the tables are read as they were then.
  // Null: a session of its own, reading them as they are now.
  db::Connection* snapshot = nullptr;
  // More reading sessions in the same snapshot (start_proof_helper, with nothing written since
  // `snapshot` was started): tables, and big tables' key ranges, are read on all of them at once
  // (key ranges only when all began at one binary log position: snapshot_position).
  // One that is no longer in its snapshot's transaction is left out (a statement of the load may have
  // ended it); check_tables sets their reading session.
  std::vector<db::Connection*> helpers;
  // A table of at least this many rows (as the backup counted them) is cut into key ranges
  // (proof/key_ranges.hpp), k_ranges_per_reader per reader, when there are helpers.
  std::uint64_t split_rows = 0;  // 0: k_split_rows
  // How the tables were read (the log line says it too); null: not wanted.
  struct Reading {
    std::size_t readers = 0;
    std::size_t split_tables = 0;
    std::size_t ranges = 0;
    std::size_t tables = 0;
    double seconds = 0;
  };
  Reading* reading = nullptr;
  // Tables whose keys are being built while the proof reads (the proof beside the key builds,
  // restore/load.cpp): each read whole, alone, by one reader, by its primary key (an index the
  // snapshot began before: a new one would give error 1412).
  std::set<std::string> building;
  // The log line said by the caller (log_proof_reading), after the load's own.
  bool quiet = false;
  // Before each table is read (step proving, subject the table; done/total count tables).
  std::function<void(const LoadProgress&)> progress;
};

// A reading session on `database` in a consistent snapshot of now: taken with every row loaded and
// before the first event is created, so an event the scheduler runs meanwhile (a purge every minute)
// is not taken for a restore that changed rows. Closing it ends the snapshot (a roll-back's DROP
// TABLE waits for that).
// `reader` is a connection opened for it with the load's others, before anything was dropped (a
// server that limits an account's connections refuses a worker, never the proof).
void start_proof_snapshot(db::Connection& reader, const std::string& database);
// The same snapshot started on one more reader, right after `start_proof_snapshot` (a loading
// connection, idle once the rows are in): only the transaction, since the load may still run session
// settings on it (check_tables sets its reading session).
void start_proof_helper(db::Connection& helper);

// "content proof: ..." as check_tables logs it; `beside`: it read while key builds ran.
void log_proof_reading(const ProofSettings::Reading& reading, bool beside);

// The binary log position `reader`'s snapshot began at (MariaDB's Binlog_snapshot_file and
// _position after START TRANSACTION WITH CONSISTENT SNAPSHOT): two readers that give the same one read
// the same committed rows. Empty where the server says nothing (MySQL); the same for every reader
// where no binary log is written, so an outside writer without one goes unseen there.
std::string snapshot_position(db::Connection& reader);

// Tables of at least this many rows are read in key ranges on several readers; measured
// (docs/benchmarks.md, issue 13). IFNBACKUP_TEST_PROOF_SPLIT_ROWS overrides it (tests keep their
// tables small).
inline constexpr std::uint64_t k_split_rows = 100000;
inline constexpr std::size_t k_ranges_per_reader = 4;

// One check per table of `expected`, in its order; read on `settings.snapshot` and its helpers side
// by side, the biggest first. Throws Error(server) when the server fails.
std::vector<TableCheck> check_tables(const ConnectionOptions& connection, const std::string& database,
                                     const std::vector<TableCount>& expected, const ProofSettings& settings);

// The major.minor and flavour of a VERSION() string ("10.11.19-MariaDB-0+deb12u1-log" ->
// "10.11-MariaDB"; "8.0.36" -> "8.0"): servers that encode every value the same way.
std::string server_series(std::string_view version);

}  // namespace ifnbackup::restore
