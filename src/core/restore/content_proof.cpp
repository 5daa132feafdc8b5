#include "restore/content_proof.hpp"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/connection.hpp"
#include "proof/table_reading.hpp"
#include "restore/file_checks.hpp"
#include "restore/phases.hpp"
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

std::vector<TableCheck> check_tables(const ConnectionOptions& connection, const std::string& database,
                                     const std::vector<TableCount>& expected, const ProofSettings& settings) {
  std::unique_ptr<db::Connection> own;
  db::Connection* target = settings.snapshot;
  if (target == nullptr) {
    ConnectionOptions options = connection;
    options.database = database;
    own = db::Connection::open(options);
    target = own.get();
  }
  const bool same_series = server_series(target->server().version) == server_series(settings.source_server);
  bool reading_session = settings.snapshot != nullptr;
  std::vector<TableCheck> checks;
  for (const auto& table : expected) {
    if (settings.progress) {
      LoadProgress reading;
      reading.step = RestoreStep::proving;
      reading.subject = table.name;
      reading.done = checks.size();
      reading.total = expected.size();
      settings.progress(reading);
    }
    TableCheck check{table.name, table.rows, 0, ProofVerdict::not_recorded, {}};
    if (table.digest.empty() || !settings.prove) {
      const auto count = target->query_value(fmt::format("SELECT COUNT(*) FROM {}.{}", sql::quote_identifier(database),
                                                         sql::quote_identifier(table.name)));
      check.actual = std::stoull(count.value_or("0"));
      check.proof = table.digest.empty() ? ProofVerdict::not_recorded : ProofVerdict::skipped;
      checks.push_back(std::move(check));
      continue;
    }
    if (!reading_session) {
      proof::set_reading_session(*target);
      reading_session = true;
    }
    // One read gives both the count and the digest.
    const proof::RowDigest digest = proof::digest_table(*target, database, table.name);
    check.actual = digest.rows();
    if (digest.hex() == table.digest) {
      check.proof = ProofVerdict::identical;
    } else {
      check.proof = ProofVerdict::different;
      if (!same_series) {
        const auto columns = proof::table_columns(*target, database, table.name);
        if (!columns.version_sensitive.empty()) {
          check.proof = ProofVerdict::cannot_prove;
          for (const auto& name : columns.version_sensitive) {
            check.detail += (check.detail.empty() ? "" : ", ") + name;
          }
          spdlog::warn(
              "table {}: content cannot be proven on {} (backup from {}): columns {} may print "
              "differently there",
              table.name, target->server().version, settings.source_server, check.detail);
        }
      }
    }
    spdlog::debug("table {}: {} rows, digest {} ({})", table.name, check.actual, digest.hex(),
                  proof_verdict_name(check.proof));
    checks.push_back(std::move(check));
  }
  return checks;
}

std::vector<TableCheck> check_restored(const RestorePlan& plan, const RestoreOptions& options,
                                       const RestoreCallbacks& callbacks, bool snapshot_taken,
                                       ProofReader proof_reader) {
  if (callbacks.before_checks) {
    callbacks.before_checks(plan.target_database);
  }
  std::vector<TableCount> restored = plan.verification.tables;
  if (!plan.tables.empty()) {
    const std::set<std::string> chosen(plan.tables.begin(), plan.tables.end());
    std::erase_if(restored, [&](const TableCount& table) { return !chosen.contains(table.name); });
  }
  ProofSettings proof;
  proof.prove = !options.no_proof;
  proof.source_server = plan.verification.header.contains("server") ? plan.verification.header.at("server") : "";
  if (proof_reader.connection && !proof_reader.started) {
    start_proof_snapshot(*proof_reader.connection, plan.target_database);  // no event: the tables as they are
  }
  proof.snapshot = proof_reader.connection.get();
  proof.progress = callbacks.progress;
  std::vector<TableCheck> checks = check_tables(options.connection, plan.target_database, restored, proof);
  proof_reader.connection.reset();
  if (!options.force) {
    throw_if_not_as_dumped(checks, snapshot_taken);  // rolled back by the caller
  }
  return checks;
}

}  // namespace restore
}  // namespace ifnbackup
