#pragma once
// Which archived events a restore --until replays (docs/pitr.md): from the backup's binlog position
// to the last transaction committed at or before the target second, whole transactions only, read
// from the archive (every event's place and CRC-32 checked). A prefix of the server's commit order:
// it stops before the first transaction whose commit (its last event) is later than the target,
// even if a later one has an earlier time, so what is replayed is a state the server really had.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "binlog/archive.hpp"
#include "binlog/event.hpp"

namespace ifnbackup::binlog {

// A replayed statement that names `name` as a database may (binlog/statement_reach.hpp): the first
// one of the span for each name.
struct NamedInSpan {
  std::string name;
  LogPosition at;          // where its event starts
  std::uint32_t when = 0;  // its event's time (UTC seconds)
  std::string statement;   // its first 200 bytes
};

// One server file to replay, from `start` to `stop` (offsets in the file; stop 0: to its end).
struct ReplayFile {
  LogName log;
  std::vector<std::filesystem::path> pieces;  // its whole file, or its chunks in order, from offset 0
  std::uint64_t start = 4;
  std::uint64_t stop = 0;
};

struct ReplayPlan {
  LogPosition from;  // the backup's position
  LogPosition to;    // the end of the last transaction replayed (== from: nothing to replay)
  std::vector<ReplayFile> files;
  std::uint64_t transactions = 0;           // in the span, every database's
  std::uint64_t database_transactions = 0;  // of those, touching the database (its tables or default database)
  std::uint64_t events = 0;                 // events of the span
  // Statements (not rows) in the span run from another default database (or none) that name the
  // database: mariadb-binlog --database does not replay them (binlog_format=ROW avoids them).
  std::uint64_t statements_elsewhere = 0;
  // Of the database's statements replayed, those that name another database (or the database itself,
  // which matters with --into): the first for each name. The caller tells databases from tables.
  std::vector<NamedInSpan> names;
  // Account and server statements run from the database (CREATE USER, GRANT...): never replayed.
  std::uint64_t server_wide_statements = 0;
  // The span holds a statement-format LOAD DATA (its file's events): the replay needs a folder for
  // mariadb-binlog to write the file in (a span without one needs no TMPDIR at all).
  bool load_data = false;
  std::uint32_t first_event = 0;  // timestamps of the first and last transactions replayed; 0: none
  std::uint32_t last_event = 0;
  std::uint32_t newest_archived = 0;  // the newest event the archive holds (read up to the target)
  // The last transaction before `from` committed later than the target: the backup holds changes
  // made after it (chosen too new).
  bool backup_after_target = false;
  bool reached_gtid = false;  // until_gtid: its transaction is the last one replayed
  // The target is after the newest archived event, and the archiver's in-step mark (binlog/archive.hpp)
  // says nothing the server wrote was missed up to it: the mark's time (UTC seconds). 0: not needed.
  std::uint32_t in_step_until = 0;
};

// Plans the replay of `database`'s changes from `from` to `target` (UTC seconds, inclusive), or with
// `until_gtid` up to and including that GTID's transaction (target is then ignored). Throws
// Error(binlog_gap) when the archive lacks a part of the span (naming it), Error(not_found) when the
// archive ends before the target (its newest event before it, and the in-step mark not after the end of
// the target second: the span from the later of the two to the target is unknown, named) or does not
// hold the GTID after `from` (naming its newest event),
// Error(corrupt/incomplete) for damage. A GTID found before `from` is backup_after_target.
// `from_gtid`: the GTID position the backup records at `from` (empty: none): the archive's GTID state
// there, and from each file to the next (their Gtid_list events), must agree, else Error(binlog_gap)
// naming both (MariaDB only: a log without Gtid_list events is not checked).
ReplayPlan plan_replay(const std::filesystem::path& backup_dir, const LogPosition& from, std::uint32_t target,
                       const std::string& database, const std::optional<Gtid>& until_gtid = std::nullopt,
                       const std::string& from_gtid = {});

}  // namespace ifnbackup::binlog
