// The content proof while the last key builds run (prove_beside_key_builds, phases.hpp): one phase of
// the proof apart from reading the tables (content_proof.cpp), since a loading connection lent to it
// must get its session back and a snapshot left open would hold the builds.
#include "ifnbackup/printable.hpp"
#include "restore/content_proof.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/connection.hpp"
#include "proof/key_ranges.hpp"
#include "proof/table_reading.hpp"
#include "restore/file_checks.hpp"
#include "restore/phases.hpp"
#include "restore/proof_reading.hpp"
#include "sql/text.hpp"

namespace ifnbackup::restore {

namespace {

// The least lock_wait_timeout under which the proof reads beside the key builds (each waits, before it
// commits, for the snapshot that reads its table to end): the server's default, a day.
constexpr double k_proof_beside_lock_wait = 86400;

// ER_TABLE_DEF_CHANGED: a table whose definition is newer than a consistent snapshot read in it.
constexpr unsigned k_table_definition_changed = 1412;

// What proof::set_reading_session and join_reading change on a loading connection, as the SET that
// puts it back.
std::string session_of(db::Connection& connection) {
  const auto result = connection.query(
      "SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@SESSION.character_set_client, "
      "@@SESSION.character_set_connection, @@SESSION.character_set_results, @@SESSION.collation_connection");
  if (result.rows.size() != 1 || result.rows[0].size() != 6) {
    throw Error(ErrorCode::server, tx("the session of a loading connection cannot be read"));
  }
  const auto value = [&](std::size_t i) {
    return result.rows[0][i] ? sql::quote_string(*result.rows[0][i]) : std::string("NULL");
  };
  return fmt::format(
      "SET SESSION sql_mode = {}, time_zone = {}, character_set_client = {}, character_set_connection = {}, "
      "character_set_results = {}, collation_connection = {}",
      value(0), value(1), value(2), value(3), value(4), value(5));
}

// After a failed read beside the key builds: the snapshot ended on every reader, or its connection
// cut, whatever the error. A build waits for the snapshot that read its table to end before it
// commits, and the load (even one that fails) waits for its builds: a snapshot left open would hold
// the restore for lock_wait_timeout (a day) instead of rolling back.
void end_snapshots(db::Connection& reader, const std::vector<db::Connection*>& helpers) noexcept {
  std::vector<db::Connection*> readers{&reader};
  readers.insert(readers.end(), helpers.begin(), helpers.end());
  for (db::Connection* connection : readers) {
    try {
      connection->execute("ROLLBACK");
    } catch (const std::exception& error) {
      spdlog::info("a reader of the content proof is cut off: {}", error.what());
      connection->cancel();
    }
  }
}

}  // namespace

bool prove_beside_key_builds(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
                             ProofReader& proof, const std::vector<db::Connection*>& idle,
                             const std::vector<std::string>& building) {
  db::Connection& reader = *proof.connection;
  const std::vector<TableCount> restored = restored_tables(plan);
  std::string names;
  for (const std::string& table : building) {
    names += (names.empty() ? "" : ", ") + sql::quote_string(table);
    // A table only counted (no digest) is counted by its smallest index: maybe one being built.
    if (std::any_of(restored.begin(), restored.end(),
                    [&](const TableCount& count) { return count.name == table && count.digest.empty(); })) {
      return false;
    }
  }
  // An in-place index build of an InnoDB table keeps its clustered index, which the snapshot reads. A
  // build waits for its table's reader to end its snapshot before it commits: no foreign key that
  // could make it lock another table the proof reads, and a lock wait long enough for the proof.
  const std::string db = sql::quote_string(plan.target_database);
  const auto safe = reader.query(fmt::format(
      "SELECT (SELECT COUNT(*) FROM information_schema.TABLES t JOIN information_schema.TABLE_CONSTRAINTS c "
      "ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY' "
      "WHERE t.TABLE_SCHEMA = {0} AND t.ENGINE = 'InnoDB' AND t.TABLE_NAME IN ({1})), "
      "(SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE (CONSTRAINT_SCHEMA = {0} AND "
      "TABLE_NAME IN ({1})) OR (UNIQUE_CONSTRAINT_SCHEMA = {0} AND REFERENCED_TABLE_NAME IN ({1}))), "
      "@@SESSION.lock_wait_timeout",
      db, names));
  const auto value = [&](std::size_t i) {
    return safe.rows.size() == 1 && safe.rows[0].size() == 3 ? safe.rows[0][i].value_or("") : std::string();
  };
  if (value(0) != std::to_string(building.size()) || value(1) != "0") {
    spdlog::info(
        "content proof after the load: a table whose keys are being built is not InnoDB's with a primary key, or "
        "has a foreign key");
    return false;
  }
  if (std::strtod(value(2).c_str(), nullptr) < k_proof_beside_lock_wait) {
    spdlog::info("content proof after the load: lock_wait_timeout {} s is too short to read beside the key builds",
                 value(2));
    return false;
  }
  if (callbacks.before_checks) {
    callbacks.before_checks(plan.target_database);
  }
  if (callbacks.progress) {
    LoadProgress starting;
    starting.step = RestoreStep::proving;
    callbacks.progress(starting);
  }
  // Loading connections that run nothing now (the others build keys), as many as the proof's helpers
  // less one per key build: each build keeps a core of its own (it is the longest path left; two
  // readers beside one build on 2 cores made the build 15 -> 20 s and the restore no faster,
  // docs/benchmarks.md "Session 13").
  const std::size_t wanted = proof.helpers_wanted > building.size() ? proof.helpers_wanted - building.size() : 0;
  std::vector<db::Connection*> helpers;
  std::vector<std::string> sessions;
  for (db::Connection* helper : idle) {
    if (helpers.size() < wanted) {
      sessions.push_back(session_of(*helper));
      helpers.push_back(helper);
    }
  }
  std::optional<std::vector<TableCheck>> checks;
  try {
    start_snapshots(proof, plan.target_database, helpers);
    ProofSettings settings = proof_settings(plan, options, callbacks);
    settings.snapshot = proof.connection.get();
    settings.helpers = proof.started_helpers;
    settings.building = std::set<std::string>(building.begin(), building.end());
    settings.quiet = true;
    settings.reading = &proof.reading;
    checks = check_tables(options.connection, plan.target_database, restored, settings);
  } catch (const Error& error) {
    // A build that copied its table after all (a UNIQUE key the server makes a long one, USING HASH,
    // though the file does not say it): a table newer than the snapshot, which cannot read it. The
    // proof after the load then, as the stock client would not fail.
    end_snapshots(reader, helpers);
    if (error.server_error() != k_table_definition_changed) {
      throw;
    }
    spdlog::info("content proof after the load: a table was rebuilt under the proof's snapshot: {}", error.what());
  } catch (...) {
    end_snapshots(reader, helpers);
    throw;
  }
  if (!checks) {
    for (std::size_t i = 0; i < helpers.size(); ++i) {
      helpers[i]->execute(sessions[i]);
    }
    proof.started_helpers.clear();
    return false;
  }
  // The snapshot ends; the helpers load on, in their own sessions.
  reader.execute("ROLLBACK");
  for (std::size_t i = 0; i < helpers.size(); ++i) {
    helpers[i]->execute("ROLLBACK");
    helpers[i]->execute(sessions[i]);
  }
  proof.started_helpers.clear();
  proof.checks = std::move(checks);
  proof.started = true;
  return true;
}

}  // namespace ifnbackup::restore
