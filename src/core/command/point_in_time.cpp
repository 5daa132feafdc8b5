// restore --until: the backup chosen, the archive's span planned and checked, then the restore with
// the replay as its last step (docs/pitr.md). Everything before run_restore only reads.
#include <ctime>
#include <regex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/replay.hpp"
#include "binlog/replay_plan.hpp"
#include "command/backup_header.hpp"
#include "db/connection.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "sql/text.hpp"

namespace ifnbackup {

namespace {

// The operator's time, read by the server in its own time zone; Error(usage) when it is not one.
std::pair<std::uint32_t, std::string> target_time(db::Connection& connection, const std::string& until) {
  static const std::regex k_format(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})");
  if (!std::regex_match(until, k_format)) {
    throw Error(ErrorCode::usage, tx("--until '{}' is not a time written YYYY-MM-DD HH:MM:SS", until),
                tx("give the server's local time, e.g. --until '2026-12-01 14:31:59'"));
  }
  const auto row = connection.query(
      fmt::format("SELECT UNIX_TIMESTAMP({}), @@time_zone, @@system_time_zone", sql::quote_string(until)));
  if (row.rows.empty() || !row.rows[0][0] || row.rows[0][0]->empty() || *row.rows[0][0] == "0") {
    throw Error(ErrorCode::usage, tx("--until '{}' is not a time the server knows", until),
                tx("give an existing date and time, in the server's time zone"));
  }
  const std::string zone =
      row.rows[0][1].value_or("?") == "SYSTEM" ? row.rows[0][2].value_or("SYSTEM") : row.rows[0][1].value_or("?");
  const auto seconds = static_cast<std::uint32_t>(std::stoull(*row.rows[0][0]));
  return {seconds, fmt::format("{} ({}, {})", until, zone, format_event_time(seconds))};
}

}  // namespace

PointInTimeResult run_point_in_time_restore(const PointInTimeOptions& options, const RestoreCallbacks& callbacks,
                                            const std::function<void(const RecoverySpan&)>& show_span) {
  const std::string& database = options.restore.connection.database;
  if (database.empty()) {
    throw Error(ErrorCode::usage, tx("restore --until needs --database (the database whose backup and changes to use)"),
                tx("give --database (or 'database' in the config file)"));
  }
  RecoverySpan span;
  {
    auto connection = db::Connection::open(options.restore.connection, false);
    if (connection->server().is_tidb) {
      throw Error(
          ErrorCode::usage,
          tx("{} is TiDB: restore --until replays the binary log of MariaDB and MySQL only", connection->description()),
          tx("TiDB has its own point-in-time recovery: BR (br restore point); see docs/pitr.md"));
    }
    std::tie(span.target_utc, span.target) = target_time(*connection, options.until);
  }
  std::vector<RecoveryBase> found;
  for (auto& base : recovery_bases(options.restore.backup_dir, options.restore.prefix, database)) {
    if (base.started_utc <= span.target_utc) {
      found.push_back(std::move(base));
    }
  }
  if (found.empty()) {
    throw Error(ErrorCode::not_found,
                tx("no good backup of database '{}' in {} was started before {}", database,
                   options.restore.backup_dir.string(), span.target),
                tx("give a later --until (ifnbackup list shows the backups and their times); nothing was changed"));
  }
  std::optional<binlog::ReplayPlan> plan;
  for (const auto& candidate : found) {
    auto planned = binlog::plan_replay(options.restore.backup_dir, candidate.position, span.target_utc, database);
    if (planned.backup_after_target) {
      spdlog::info("{} holds changes committed after {}: taking an older backup", candidate.path.string(), span.target);
      continue;
    }
    span.backup = candidate.path;
    span.backup_started = candidate.started;
    plan = std::move(planned);
    break;
  }
  if (!plan) {
    throw Error(
        ErrorCode::not_found,
        tx("every backup of database '{}' started before {} holds changes made after it", database, span.target),
        tx("give a later --until; nothing was changed"));
  }
  span.from = plan->from.str();
  span.to = plan->to.str();
  span.transactions = plan->transactions;
  span.database_transactions = plan->database_transactions;
  span.events = plan->events;
  span.statements_elsewhere = plan->statements_elsewhere;
  if (span.statements_elsewhere > 0) {
    spdlog::warn(
        "restore --until: {} statements of the span were run from another default database and name '{}': "
        "they are not replayed (binlog_format=ROW avoids this; docs/pitr.md)",
        span.statements_elsewhere, database);
  }
  span.first_event = plan->first_event;
  span.last_event = plan->last_event;
  if (show_span) {
    show_span(span);
  }

  PointInTimeResult result;
  result.span = span;
  RestoreOptions restore_options = options.restore;
  restore_options.file = span.backup.string();
  RestoreCallbacks wrapped = callbacks;
  wrapped.after_checks = [&](const std::string& target_database) {
    binlog::ReplayTarget target;
    target.connection = options.restore.connection;
    target.source_database = database;
    target.target_database = target_database;
    target.no_binlog = options.restore.no_binlog;
    const auto replayed = binlog::replay(*plan, target);
    result.statements = replayed.statements;
    result.replay_duration = replayed.duration;
  };
  result.restore = run_restore(restore_options, wrapped);
  return result;
}

}  // namespace ifnbackup
