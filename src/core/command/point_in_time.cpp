// restore --until: the backup chosen, the archive's span planned and checked, then the restore with
// the replay as its last step (docs/pitr.md). Everything before run_restore only reads.
#include <ctime>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/replay.hpp"
#include "binlog/replay_plan.hpp"
#include "command/backup_header.hpp"
#include "db/connection.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/drill.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
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

namespace {

// A backup's GTID position holds `gtid` (its domain at that sequence or later): the backup already
// holds that transaction.
bool holds_gtid(const std::string& position, const binlog::Gtid& gtid) {
  std::size_t at = 0;
  while (at <= position.size()) {
    const auto comma = std::min(position.find(',', at), position.size());
    const auto one = binlog::parse_gtid(std::string_view(position).substr(at, comma - at));
    if (one && one->domain == gtid.domain && one->sequence >= gtid.sequence) {
      return true;
    }
    at = comma + 1;
  }
  return false;
}

// mariadb-binlog cuts --rewrite-db's names at white space (Debian 12's 10.11: "shop->a b" writes `use
// `a``) and at their first "->": the replay would go to another database. Refused before anything is
// touched.
void check_replayable(const std::string& source, const std::string& target) {
  for (const auto* name : {&source, &target}) {
    if (name->find_first_of(" \t\n\r\f\v") != std::string::npos) {
      throw Error(ErrorCode::usage,
                  tx("the binary log cannot be replayed into or from database '{}': mariadb-binlog cuts a database "
                     "name at its white space",
                     *name),
                  tx("restore --until into a name without spaces (--into), then rename; nothing was changed"));
    }
  }  // --rewrite-db=from->to is cut at its first "->": a name holding one is read as another, and the
  // events of the source, not rewritten, would go to the source itself (drill --until wrote into it).
  for (const auto* name : {&source, &target}) {
    if (source != target && name->find("->") != std::string::npos) {
      throw Error(ErrorCode::usage,
                  tx("the binary log cannot be replayed from database '{}' into '{}': mariadb-binlog --rewrite-db "
                     "cuts its names at the first '->', and '{}' holds one",
                     printable(source), printable(target), printable(*name)),
                  tx("restore --until into the database itself, or from and into names without '->'; nothing was "
                     "changed"));
    }
  }
}

struct PlannedRecovery {
  RecoverySpan span;
  binlog::ReplayPlan plan;
};

// The backup and the span of the archive to replay: everything before the restore, which only reads.
// A replayed statement that names a database other than the one replayed into (with --into or a drill:
// the source too) would change or read it: refused before anything is touched (binlog/statement_reach.hpp).
void check_reach(const binlog::ReplayPlan& plan, const std::string& source, const std::string& target,
                 const std::set<std::string>& databases, const ConnectionOptions& connection_options) {
  for (const auto& named : plan.names) {
    if (named.name == target || (named.name != source && databases.count(named.name) == 0)) {
      continue;
    }
    const std::string when = format_event_time(named.when);
    // The second before it as --until reads it: in the server's time zone.
    std::string before = format_event_time(named.when - 1);
    try {
      auto connection = db::Connection::open(connection_options, false);
      before = connection->query_value(fmt::format("SELECT FROM_UNIXTIME({})", named.when - 1)).value_or(before);
    } catch (const Error& error) {
      spdlog::debug("the server's time of {}: {}", named.when - 1, error.what());
    }
    throw Error(ErrorCode::foreign_statement,
                tx("the binary log span holds a statement of database '{}' that names database '{}': replayed into "
                   "'{}', it would change or read '{}' (at {}, {}): {}",
                   printable(source), printable(named.name), printable(target), printable(named.name), named.at.str(),
                   when, printable(named.statement)),
                tx("mariadb-binlog chooses a statement by its default database and rewrites only that one; give an "
                   "--until before it (--until '{}', the server's time) or restore the backup alone; "
                   "binlog_format=ROW on the server logs rows instead of such statements (docs/pitr.md); nothing "
                   "was changed",
                   before));
  }
}

PlannedRecovery plan_recovery(const ConnectionOptions& connection_options, const std::filesystem::path& backup_dir,
                              const std::string& prefix, const std::string& until, const std::string& until_gtid,
                              const std::string& target_database) {
  const std::string& database = connection_options.database;
  if (database.empty()) {
    throw Error(ErrorCode::usage, tx("restore --until needs --database (the database whose backup and changes to use)"),
                tx("give --database (or 'database' in the config file)"));
  }
  std::optional<binlog::Gtid> gtid;
  if (!until_gtid.empty()) {
    gtid = binlog::parse_gtid(until_gtid);
    if (!gtid) {
      throw Error(ErrorCode::usage, tx("--until-gtid '{}' is not a MariaDB GTID (domain-server-sequence)", until_gtid),
                  tx("give it as the server writes it, e.g. --until-gtid 0-1-35356 (SELECT @@gtid_binlog_pos)"));
    }
  }
  PlannedRecovery planned;
  RecoverySpan& span = planned.span;
  std::set<std::string> databases;
  {
    auto connection = db::Connection::open(connection_options, false);
    for (const auto& row : connection->query("SHOW DATABASES").rows) {
      if (!row.empty() && row[0]) {
        databases.insert(*row[0]);
      }
    }
    if (connection->server().is_tidb) {
      throw Error(
          ErrorCode::usage,
          tx("{} is TiDB: restore --until replays the binary log of MariaDB and MySQL only", connection->description()),
          tx("TiDB has its own point-in-time recovery: BR (br restore point); see docs/pitr.md"));
    }
    if (gtid) {
      span.target = "GTID " + gtid->str();
    } else {
      std::tie(span.target_utc, span.target) = target_time(*connection, until);
    }
  }
  std::vector<RecoveryBase> found;
  for (auto& base : recovery_bases(backup_dir, prefix, database)) {
    if (gtid ? !holds_gtid(base.gtid, *gtid) : base.started_utc <= span.target_utc) {
      found.push_back(std::move(base));
    }
  }
  if (found.empty()) {
    throw Error(
        ErrorCode::not_found,
        tx("no good backup of database '{}' in {} was started before {}", database, backup_dir.string(), span.target),
        tx("give a later --until (ifnbackup list shows the backups and their times); nothing was changed"));
  }
  std::optional<binlog::ReplayPlan> plan;
  for (const auto& candidate : found) {
    auto attempt = binlog::plan_replay(backup_dir, candidate.position, span.target_utc, database, gtid, candidate.gtid);
    if (attempt.backup_after_target) {
      log_info("{} holds changes committed after {}: taking an older backup", candidate.path.string(), span.target);
      continue;
    }
    span.backup = candidate.path;
    span.backup_started = candidate.started;
    plan = std::move(attempt);
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
    log_warn(
        "restore --until: {} statements of the span were run from another default database and name '{}': "
        "they are not replayed (binlog_format=ROW avoids this; docs/pitr.md)",
        span.statements_elsewhere, database);
  }
  check_reach(*plan, database, target_database, databases, connection_options);
  span.server_wide_statements = plan->server_wide_statements;
  if (span.server_wide_statements > 0) {
    log_warn(
        "restore --until: {} account or server statements of the span (CREATE USER, GRANT, FLUSH...) were run from "
        "database '{}': they are not replayed (a database's restore does not change the server's accounts)",
        span.server_wide_statements, database);
  }
  span.first_event = plan->first_event;
  span.last_event = plan->last_event;
  span.in_step_until = plan->in_step_until;
  if (span.in_step_until != 0) {
    log_info(
        "restore --until {}: the archive's newest event is older, but the archiver was in step with the "
        "server until {}: nothing was written in between",
        span.target, format_event_time(span.in_step_until));
  }
  planned.plan = std::move(*plan);
  return planned;
}

// The replay as the restore's (or the drill's) last step, into the database it restored.
std::function<void(const std::string&)> replay_step(const binlog::ReplayPlan& plan, const ConnectionOptions& connection,
                                                    bool no_binlog, std::uint64_t& statements,
                                                    std::chrono::milliseconds& duration) {
  return [&plan, connection, no_binlog, &statements, &duration](const std::string& target_database) {
    binlog::ReplayTarget target;
    target.connection = connection;
    target.source_database = connection.database;
    target.target_database = target_database;
    target.no_binlog = no_binlog;
    const auto replayed = binlog::replay(plan, target);
    statements = replayed.statements;
    duration = replayed.duration;
  };
}

}  // namespace

PointInTimeResult run_point_in_time_restore(const PointInTimeOptions& options, const RestoreCallbacks& callbacks,
                                            const std::function<void(const RecoverySpan&)>& show_span) {
  check_replayable(options.restore.connection.database,
                   options.restore.into.empty() ? options.restore.connection.database : options.restore.into);
  const auto planned = plan_recovery(
      options.restore.connection, options.restore.backup_dir, options.restore.prefix, options.until, options.until_gtid,
      options.restore.into.empty() ? options.restore.connection.database : options.restore.into);
  if (show_span) {
    show_span(planned.span);
  }
  PointInTimeResult result;
  result.span = planned.span;
  RestoreOptions restore_options = options.restore;
  restore_options.file = planned.span.backup.string();
  RestoreCallbacks wrapped = callbacks;
  wrapped.after_checks = replay_step(planned.plan, options.restore.connection, options.restore.no_binlog,
                                     result.statements, result.replay_duration);
  result.restore = run_restore(restore_options, wrapped);
  return result;
}

PointInTimeDrillResult run_point_in_time_drill(const PointInTimeDrillOptions& options, const DrillCallbacks& callbacks,
                                               const std::function<void(const RecoverySpan&)>& show_span) {
  check_replayable(options.drill.connection.database, drill_scratch_database(options.drill));
  const auto planned = plan_recovery(options.drill.connection, options.drill.backup_dir, options.drill.prefix,
                                     options.until, options.until_gtid, drill_scratch_database(options.drill));
  if (show_span) {
    show_span(planned.span);
  }
  PointInTimeDrillResult result;
  result.span = planned.span;
  DrillOptions drill_options = options.drill;
  drill_options.file = planned.span.backup.string();
  DrillCallbacks wrapped = callbacks;
  wrapped.after_checks = replay_step(planned.plan, options.drill.connection, options.drill.no_binlog, result.statements,
                                     result.replay_duration);
  result.drill = run_drill(drill_options, wrapped);
  return result;
}

}  // namespace ifnbackup
