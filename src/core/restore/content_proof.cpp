#include "restore/content_proof.hpp"
#include "ifnbackup/printable.hpp"

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

namespace ifnbackup {

const char* proof_verdict_name(ProofVerdict verdict) noexcept {
  switch (verdict) {
    case ProofVerdict::not_recorded:
      return "not recorded";
    case ProofVerdict::skipped:
      return "skipped";
    case ProofVerdict::identical:
      return "identical";
    case ProofVerdict::different:
      return "DIFFERENT";
    case ProofVerdict::cannot_prove:
      return "cannot prove";
  }
  return "?";
}

namespace restore {

std::string server_series(std::string_view version) {
  std::size_t end = 0;
  int dots = 0;
  while (end < version.size() && ((version[end] >= '0' && version[end] <= '9') || version[end] == '.')) {
    if (version[end] == '.' && ++dots == 2) {
      break;
    }
    ++end;
  }
  std::string series(version.substr(0, end));
  for (const std::string_view flavour : {"MariaDB", "TiDB"}) {
    if (version.find(flavour) != std::string_view::npos) {
      series += "-" + std::string(flavour);
    }
  }
  return series;
}

void start_proof_snapshot(db::Connection& reader, const std::string& database) {
  reader.execute("USE " + sql::quote_identifier(database));
  proof::set_reading_session(reader);
  reader.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  reader.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
}

void start_proof_helper(db::Connection& helper) {
  helper.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  helper.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
}

std::string snapshot_position(db::Connection& reader) {
  try {
    std::string position;
    for (const auto& row : reader.query("SHOW SESSION STATUS LIKE 'Binlog_snapshot_%'").rows) {
      for (const auto& value : row) {
        position += value.value_or("") + '\t';
      }
    }
    return position;
  } catch (const Error& error) {
    spdlog::info("the binary log position of a proof's snapshot cannot be read: {}", error.what());
    return "?";
  }
}

void start_snapshots(ProofReader& proof, const std::string& database, const std::vector<db::Connection*>& helpers) {
  // A write committed by another client between the snapshot's start and a helper's would put that
  // helper in a later snapshot: started again, a few times, until all begin at one position.
  constexpr int k_attempts = 3;
  for (int attempt = 1;; ++attempt) {
    start_proof_snapshot(*proof.connection, database);
    const std::string position = snapshot_position(*proof.connection);
    proof.started_helpers.clear();
    bool moved = false;
    for (db::Connection* helper : helpers) {
      try {
        start_proof_helper(*helper);
        proof.started_helpers.push_back(helper);
        moved = moved || snapshot_position(*helper) != position;
      } catch (const Error& error) {
        // still a loading connection: left open, and out of the proof
        spdlog::info("a connection of the load does not read for the content proof: {}", error.what());
      }
    }
    if (!moved || attempt == k_attempts) {
      break;  // readers still apart read tables whole (check_tables)
    }
  }
}

void start_proof_snapshots(ProofReader& proof, const std::string& database) {
  std::vector<db::Connection*> helpers;
  for (const auto& helper : proof.helpers) {
    helpers.push_back(helper.get());
  }
  start_snapshots(proof, database, helpers);
}

namespace {

// A helper of the proof's snapshot made a reader: still in the transaction start_proof_helper began
// (a statement of the load after it, DDL or LOCK TABLES, would have ended it: its reads would not be
// the snapshot's), and in the dumper's reading session (the load's session settings ran on it).
// False, the reason logged, when it cannot read for the proof.
bool join_reading(db::Connection& helper, const std::string& database) {
  try {
    if (helper.query_value("SELECT @@in_transaction").value_or("0") != "1") {
      spdlog::info("a connection of the load does not read for the content proof: not in the proof's snapshot");
      return false;
    }
    helper.execute("USE " + sql::quote_identifier(database));
    helper.execute("SET NAMES utf8mb4");
    proof::set_reading_session(helper);
    return true;
  } catch (const Error& error) {
    spdlog::info("a connection of the load does not read for the content proof: {}", error.what());
    return false;
  }
}

// Tables of up to k_batched_rows rows (as the backup counted them) are read k_batch_tables at a time,
// their SELECTs sent together (db::Connection::stream_several): one round trip for many small tables
// instead of two each (issue 20). Their row counts alone (--no-proof, files without digests): one
// UNION ALL of counts for k_count_tables tables.
constexpr std::uint64_t k_batched_rows = 1000;
constexpr std::size_t k_batch_tables = 64;
constexpr std::size_t k_count_tables = 256;

// The verdict of a table read whole, its digest computed (`columns`: for "cannot prove").
void judge(TableCheck& check, const TableCount& table, const proof::RowDigest& digest,
           const proof::TableColumns& columns, bool same_series, const db::Connection& target,
           const std::string& source_server) {
  check.actual = digest.rows();
  if (digest.hex() == table.digest) {
    check.proof = ProofVerdict::identical;
  } else {
    check.proof = ProofVerdict::different;
    if (!same_series && !columns.version_sensitive.empty()) {
      check.proof = ProofVerdict::cannot_prove;
      for (const auto& name : columns.version_sensitive) {
        check.detail += (check.detail.empty() ? "" : ", ") + name;
      }
      log_warn("table {}: content cannot be proven on {} (backup from {}): columns {} may print differently there",
               table.name, target.server().version, source_server, check.detail);
    }
  }
  spdlog::debug("table {}: {} rows, digest {} ({})", table.name, check.actual, digest.hex(),
                proof_verdict_name(check.proof));
}

}  // namespace

std::vector<TableCheck> check_tables(const ConnectionOptions& connection, const std::string& database,
                                     const std::vector<TableCount>& expected, const ProofSettings& settings) {
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<db::Connection> own;
  db::Connection* target = settings.snapshot;
  if (target == nullptr) {
    ConnectionOptions options = connection;
    options.database = database;
    own = db::Connection::open(options);
    target = own.get();
  }
  const bool same_series = server_series(target->server().version) == server_series(settings.source_server);
  const auto proves = [&](const TableCount& table) { return settings.prove && !table.digest.empty(); };
  std::vector<TableCheck> checks(expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    checks[i] = TableCheck{expected[i].name, expected[i].rows, 0, ProofVerdict::not_recorded, {}};
  }
  const auto report = [&](std::size_t done, const std::string& subject) {
    if (settings.progress && done < expected.size()) {
      LoadProgress reading;
      reading.step = RestoreStep::proving;
      reading.subject = subject;
      reading.done = done;
      reading.total = expected.size();
      settings.progress(reading);
    }
  };
  const auto qualified = [&](const std::string& table) {
    return sql::quote_identifier(database) + "." + sql::quote_identifier(table);
  };
  // The row counts of the tables not proven, k_count_tables at a time.
  std::vector<std::size_t> counted;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!proves(expected[i])) {
      counted.push_back(i);
    }
  }
  for (std::size_t first = 0; first < counted.size(); first += k_count_tables) {
    report(counted[first], expected[counted[first]].name);
    std::string query;
    for (std::size_t k = first; k < std::min(counted.size(), first + k_count_tables); ++k) {
      query += fmt::format("{}SELECT {}, COUNT(*) FROM {}", query.empty() ? "" : " UNION ALL ", counted[k],
                           qualified(expected[counted[k]].name));
    }
    for (const auto& row : target->query(query).rows) {
      const std::size_t i = std::stoull(row.at(0).value_or("0"));
      checks.at(i).actual = std::stoull(row.at(1).value_or("0"));
      checks.at(i).proof = expected[i].digest.empty() ? ProofVerdict::not_recorded : ProofVerdict::skipped;
    }
  }
  if (counted.size() == expected.size()) {
    return checks;
  }
  if (settings.snapshot == nullptr) {
    proof::set_reading_session(*target);
  }
  std::vector<db::Connection*> readers{target};
  for (db::Connection* helper : settings.snapshot != nullptr ? settings.helpers : std::vector<db::Connection*>{}) {
    if (join_reading(*helper, database)) {
      readers.push_back(helper);
    }
  }
  // A table is cut into key ranges only when every reader began at the same binary log position
  // (MariaDB's Binlog_snapshot_file and _position): a write another client committed in between gives
  // a later reader rows the others do not see, and a table read on both would add up two states. A
  // table read whole by one reader is read in one state, a moment after the load like the others.
  bool one_snapshot = true;
  if (readers.size() > 1) {
    const std::string position = snapshot_position(*target);
    for (std::size_t i = 1; i < readers.size() && one_snapshot; ++i) {
      one_snapshot = snapshot_position(*readers[i]) == position;
    }
    if (!one_snapshot) {
      log_info("content proof: big tables read whole: another client wrote between the readers' snapshots");
    }
  }
  // Each table's columns, read as the dumper reads them; one query for the database.
  auto columns = proof::database_columns(*target, database);
  ProofReading reading(
      expected, checks, [&](const TableCount& table, const proof::RowDigest& digest, TableCheck& check) {
        judge(check, table, digest, columns.at(table.name), same_series, *target, settings.source_server);
      });
  const std::uint64_t split_rows = settings.split_rows != 0 ? settings.split_rows : k_split_rows;
  std::vector<std::size_t> batch;
  std::uint64_t batch_rows = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const TableCount& table = expected[i];
    if (!proves(table)) {
      continue;
    }
    auto found = columns.find(table.name);
    if (found == columns.end()) {
      found = columns.emplace(table.name, proof::table_columns(*target, database, table.name)).first;
    }
    if (found->second.names.empty()) {
      // No column a row can be written into: nothing to read (the dumper wrote no row either).
      judge(checks[i], table, proof::RowDigest{}, found->second, same_series, *target, settings.source_server);
      reading.count_done();
      continue;
    }
    // A big table on several readers: its key ranges, read in this snapshot (the target's).
    std::vector<std::string> ranges{std::string()};
    // A table whose keys are being built is read whole by one reader, alone: the build waits for that
    // reader's snapshot to end to commit, and another reader asking for the table behind it would
    // wait for the build (a deadlock; ROLLBACK TO SAVEPOINT does not release a table's metadata lock
    // where the binary log is on).
    const bool building = settings.building.contains(table.name);
    if (readers.size() > 1 && one_snapshot && table.rows >= split_rows && !building) {
      ranges = proof::key_ranges(*target, database, table.name, readers.size() * k_ranges_per_reader);
    }
    if (ranges.size() == 1 && table.rows <= k_batched_rows && !building) {
      batch.push_back(i);
      batch_rows += table.rows;
      if (batch.size() >= k_batch_tables) {
        reading.add_batch(std::exchange(batch, {}), std::exchange(batch_rows, 0));
      }
      continue;
    }
    reading.add_table(i, ranges);
  }
  if (!batch.empty()) {
    reading.add_batch(std::move(batch), batch_rows);
  }
  const auto selects = [&](std::size_t i) {
    const std::string select = proof::table_select(columns.at(expected[i].name), database, expected[i].name);
    return settings.building.contains(expected[i].name) ? select + " FORCE INDEX (PRIMARY)" : select;
  };
  reading.run(readers, selects, report);
  const ProofSettings::Reading read{readers.size(), reading.split_tables(), reading.ranges(),
                                    expected.size() - counted.size(),
                                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
  if (!settings.quiet) {
    log_proof_reading(read, false);
  }
  if (settings.reading != nullptr) {
    *settings.reading = read;
  }
  return checks;
}

void log_proof_reading(const ProofSettings::Reading& reading, bool beside) {
  if (beside) {
    log_info(
        "content proof: {} tables read back in {:.2f} s beside the key builds, {} reading connections, {} tables cut "
        "into {} key ranges",
        reading.tables, reading.seconds, reading.readers, reading.split_tables, reading.ranges);
  } else {
    log_info("content proof: {} tables read back in {:.2f} s, {} reading connections, {} tables cut into {} key ranges",
             reading.tables, reading.seconds, reading.readers, reading.split_tables, reading.ranges);
  }
}

// The tables a restore proves, and how (the snapshot aside).
std::vector<TableCount> restored_tables(const RestorePlan& plan) {
  std::vector<TableCount> restored = plan.verification.tables;
  if (!plan.tables.empty()) {
    const std::set<std::string> chosen(plan.tables.begin(), plan.tables.end());
    std::erase_if(restored, [&](const TableCount& table) { return !chosen.contains(table.name); });
  }
  return restored;
}

ProofSettings proof_settings(const RestorePlan& plan, const RestoreOptions& options,
                             const RestoreCallbacks& callbacks) {
  ProofSettings proof;
  proof.prove = !options.no_proof;
  proof.source_server = plan.verification.header.contains("server") ? plan.verification.header.at("server") : "";
  // For the tests only (as IFNBACKUP_TEST_KEYS_IN_CREATE_BYTES): tables cut into key ranges from
  // this many rows, so that tests of that path can keep their tables small.
  if (const char* value = std::getenv("IFNBACKUP_TEST_PROOF_SPLIT_ROWS"); value != nullptr && *value != '\0') {
    proof.split_rows = std::strtoull(value, nullptr, 10);
  }
  proof.progress = callbacks.progress;
  return proof;
}

std::vector<TableCheck> check_restored(const RestorePlan& plan, const RestoreOptions& options,
                                       const RestoreCallbacks& callbacks, bool snapshot_taken,
                                       ProofReader proof_reader) {
  if (proof_reader.checks) {
    // Read beside the key builds (prove_beside_key_builds): said after the load's own line.
    log_proof_reading(proof_reader.reading, true);
    std::vector<TableCheck> checks = std::move(*proof_reader.checks);
    proof_reader.helpers.clear();
    proof_reader.connection.reset();
    if (!options.force) {
      throw_if_not_as_dumped(checks, snapshot_taken);  // rolled back by the caller
    }
    return checks;
  }
  if (callbacks.before_checks) {
    callbacks.before_checks(plan.target_database);
  }
  const std::vector<TableCount> restored = restored_tables(plan);
  ProofSettings proof = proof_settings(plan, options, callbacks);
  if (proof_reader.connection && !proof_reader.started) {
    start_proof_snapshots(proof_reader, plan.target_database);  // no event: the tables as they are
  }
  proof.snapshot = proof_reader.connection.get();
  if (proof.snapshot != nullptr) {
    proof.helpers = proof_reader.started_helpers;
  }
  std::vector<TableCheck> checks = check_tables(options.connection, plan.target_database, restored, proof);
  proof_reader.started_helpers.clear();
  proof_reader.helpers.clear();
  proof_reader.connection.reset();
  if (!options.force) {
    throw_if_not_as_dumped(checks, snapshot_taken);  // rolled back by the caller
  }
  return checks;
}

}  // namespace restore
}  // namespace ifnbackup
