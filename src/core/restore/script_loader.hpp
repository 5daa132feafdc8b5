#pragma once
// Executes a compressed SQL script on one connection, statement by statement, as the stock
// client does: one statement per call, every result drained, warnings counted.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "db/connection.hpp"
#include "ifnbackup/restore.hpp"
#include "restore/sql_splitter.hpp"

namespace ifnbackup::restore {

struct LoadStats {
  std::uint64_t statements = 0;
  std::uint64_t warnings = 0;
  std::uint64_t failed = 0;                // with keep_going
  std::uint64_t load_data_statements = 0;  // row INSERTs sent as LOAD DATA LOCAL
  std::uint64_t most_settings_held = 0;    // session settings held for the loading connections at once
  std::uint64_t skipped = 0;               // statements of other objects (only_tables), or rows (schema_only)
  // With shared_definitions: tables not run, each of the same definition as one that was
  // (restore/shared_definitions.hpp).
  std::uint64_t tables_held_back = 0;
  // With keep_going: the first failed statements (k_failures_kept), their server error and message.
  struct Failure {
    unsigned error_number = 0;
    std::string message;  // "FILE line N: error E: ... (statement: ...)"
  };
  static constexpr std::size_t k_failures_kept = 20;
  std::vector<Failure> failures;
  // Where the load's wall time went (logged at its end; scripts/bench reports it): the statements
  // run on the main connection by what they do, the rest — reading the file, the rows, waiting for
  // the loading threads — is the rows' time.
  struct Phases {
    double total_seconds = 0;
    double keys_seconds = 0;  // ALTER TABLE ... ADD: indexes and foreign keys after the rows, here
    // The same on the loading connections (tables side by side), beside other tables' rows when
    // any follow: not part of total_seconds' split.
    double keys_beside_seconds = 0;
    double definitions_seconds = 0;  // DROP/CREATE TABLE, sequences, session settings
    double objects_seconds = 0;      // views, routines, triggers, events
    double proof_seconds = 0;        // the content proof beside the key builds (proof_beside_keys)
    std::string slowest_keys;        // the longest ALTER TABLE ... ADD, its table named
    double slowest_keys_seconds = 0;
    double rows_seconds() const {
      return total_seconds - keys_seconds - definitions_seconds - objects_seconds - proof_seconds;
    }
  };
  Phases phases;
};

struct LoadSettings {
  // What the progress reports call this load: loading_rows (then each statement says its own step:
  // rows, index builds, objects), rolling_back or checking_schema (one step throughout).
  RestoreStep step = RestoreStep::loading_rows;
  bool keep_going = false;    // --force: log a failed statement and go on
  bool interruptible = true;  // a rollback runs to its end even after SIGINT
  std::function<void(const LoadProgress&)> progress;
  // Row INSERTs go to these connections (open, on the target database, owned by the caller)
  // while this thread reads on: for scripts whose INSERTs depend only on their table, our own
  // dumps. Empty (or keep_going): everything runs on the one connection.
  std::vector<db::Connection*> workers;
  // At most this many of them run a big table's rows or key builds at once (CPU on both sides);
  // small tables' turns use them all. 0: all of them.
  unsigned heavy_workers = 0;
  // restore --tables: run only these tables' statements (and session settings) of our dump.
  std::optional<std::set<std::string>> only_tables;
  // Parts of the file to read, (compressed offset, size), each whole gzip members (sections of
  // the index); empty: the whole file.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  // A whole file read in another order (restore/table_sections.hpp, biggest_first): every range's
  // SHA-256 as the verified index gives it, checked as each is loaded (Error(corrupt), like
  // expected_sha256); and ranges_cover_file set, for the messages (lines are counted in what is read).
  std::vector<std::string> range_sha256;
  bool ranges_cover_file = false;
  // With ranges read out of the file's order: the (child, parent) pairs whose foreign key the file
  // adds before its parent's CREATE TABLE (VerifyResult::parents_after_children). Only these make a
  // parent wait for its children's turns (TablesSideBySide): a child's constraint whose parent the
  // file writes first is checked against that parent by the stock client too, so it can wait for
  // the end of the tables. Empty optional (the file's order): every parent not started yet waits.
  std::optional<std::vector<std::pair<std::string, std::string>>> parents_after_children;
  // Their rows as LOAD DATA LOCAL from memory where the server takes it (restore/load_data.hpp).
  bool load_data = true;
  // Each statement is classified before it runs (restore/statement_policy), under the session's
  // real sql_mode: `ours` applies the rules of our own files; a foreign statement of any other
  // file runs only with allow_foreign. Otherwise Error(foreign_statement), naming the line.
  bool ours = false;
  bool allow_foreign = false;
  // The schema check of a new backup (restore/schema_check): no rows, no SETVAL, and no event
  // (an event created in the scratch database could run there).
  bool schema_only = false;
  // With schema_only: a table whose statements are, its name aside, those of a table already run
  // is held back, unless something names it (restore/shared_definitions.hpp): the check's cost
  // grows with the definitions, not the tables.
  bool shared_definitions = false;
  // A statement longer than this is an error (Error(corrupt) naming its line) before it is held
  // whole: the target's max_allowed_packet, which would refuse it anyway.
  std::size_t max_statement_bytes = SqlSplitter::k_default_max_statement_bytes;
  // The file's largest statement as its verification measured it (SqlSplitter::expect_largest);
  // 0: not known.
  std::size_t largest_statement = 0;
  // The whole file's verified content (its checksum line's SHA-256 and byte count): hashed again
  // as it is loaded, and Error(corrupt) at the end if it differs — the file changed on disk
  // between the verification and the load. Empty: not checked (mysqldump files, --tables ranges).
  std::string expected_sha256;
  // The file's name in messages (the path read may be /proc/self/fd/N); empty: its file name.
  std::string shown_name;
  std::uint64_t expected_content_bytes = 0;
  // Tests: called after each statement the load ran, on the thread that ran it, with its connection (0:
  // the main one, then `workers` from 1), its text, and when it started and ended.
  StatementTimes statement_ran;
  // Called once, with every row loaded, right before the first CREATE EVENT runs: from then on the
  // server's event scheduler may change the rows (restore: the proof's snapshot is taken here).
  std::function<void()> before_first_event;
  // The content proof beside the last key builds (restore/load.cpp): once every table of `tables` was
  // read and its rows are in, with only key builds that leave rows as they are still running
  // (adds_keys_in_place) and nothing else queued, `prove` is called once, on this thread, with the
  // loading connections that run nothing (idle until it returns) and the tables whose keys are being
  // built; the load goes on once it returned (true: it proved). A statement of one of `tables` read after it (not our
  // layout): `stale`, before it runs.
  struct ProofBesideKeys {
    std::set<std::string> tables;
    std::function<bool(const std::vector<db::Connection*>& idle, const std::vector<std::string>& building)> prove;
    std::function<void()> stale;
  };
  std::optional<ProofBesideKeys> proof_beside_keys;
};

// Throws Error(server) at the first failed statement (unless keep_going), naming its line.
// A script that changes database (USE, CREATE DATABASE: made with --databases) is refused, so
// a restore never writes outside its target.
LoadStats load_script(db::Connection& connection, const std::filesystem::path& file, const LoadSettings& settings);

}  // namespace ifnbackup::restore
