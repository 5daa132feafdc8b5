// restore --until: the backup chosen, the archive's span planned and checked, then the restore with
// the replay as its last step (docs/pitr.md). Everything before run_restore only reads.
#include <ctime>
#include <regex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/replay.hpp"
#include "binlog/replay_plan.hpp"
#include "db/connection.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/verification_state.hpp"
#include "io/gzip_reader.hpp"
#include "sql/text.hpp"

namespace ifnbackup {

namespace {

// The "-- ifnbackup-<key>: <value>" lines at the head of a backup (read, not verified: the
// restore verifies the chosen file whole).
std::map<std::string, std::string> read_header(const std::filesystem::path& path) {
  std::map<std::string, std::string> header;
  std::string text;
  try {
    io::GzipReader gzip(path);
    std::array<char, 16384> buffer{};
    text.assign(buffer.data(), gzip.read(buffer));
  } catch (const Error& error) {
    spdlog::debug("{}: {}", path.string(), error.what());
    return header;
  }
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    if (end == std::string::npos) {
      break;
    }
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    if (!line.starts_with("--")) {
      break;
    }
    constexpr std::string_view k_key = "-- ifnbackup-";
    if (const auto colon = line.find(": "); line.starts_with(k_key) && colon != std::string_view::npos) {
      header[std::string(line.substr(k_key.size(), colon - k_key.size()))] = std::string(line.substr(colon + 2));
    }
  }
  return header;
}

// "2026-11-30T14:52:38Z" as UTC seconds.
std::optional<std::int64_t> parse_started(const std::string& text) {
  std::tm tm{};
  if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(::timegm(&tm));
}

// "binlog=binlog.000001:595112531 gtid=0-1-35356" -> binlog.000001, 595112531.
std::optional<binlog::LogPosition> parse_snapshot(const std::string& text) {
  static const std::regex k_binlog(R"((?:^| )binlog=([^ :]+):([0-9]+))");
  std::smatch match;
  if (!std::regex_search(text, match, k_binlog)) {
    return std::nullopt;
  }
  return binlog::LogPosition{match[1].str(), std::stoull(match[2].str())};
}

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

struct Candidate {
  std::filesystem::path path;
  std::string started;
  binlog::LogPosition position;
};

// Our backups of `database` started before `target`, newest first, not known to be bad.
std::vector<Candidate> candidates(const RestoreOptions& options, std::uint32_t target) {
  const auto state = VerificationState::load(options.backup_dir);
  std::vector<Candidate> found;
  for (const auto& entry : scan_backup_folder(options.backup_dir, options.prefix)) {
    if (entry.kind != BackupKind::backup) {
      continue;
    }
    if (const auto* record = state.find(entry);
        record != nullptr && (!(record->status == VerifyStatus::ok) || record->not_restorable())) {
      continue;
    }
    const auto header = read_header(entry.path);
    const auto database = header.find("database");
    const auto started = header.find("started");
    const auto snapshot = header.find("snapshot");
    if (database == header.end() || database->second != options.connection.database || started == header.end() ||
        snapshot == header.end()) {
      continue;
    }
    const auto when = parse_started(started->second);
    const auto position = parse_snapshot(snapshot->second);
    if (!when || !position || *when > target) {
      continue;
    }
    found.push_back(Candidate{entry.path, started->second, *position});
  }
  return found;
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
  const auto found = candidates(options.restore, span.target_utc);
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
      log_info("{} holds changes committed after {}: taking an older backup", candidate.path.string(), span.target);
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
    log_warn(
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
