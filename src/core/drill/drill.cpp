// The drill: run_restore into a scratch database that does not exist when the restore starts, so
// the restore asks nothing, snapshots nothing and, if it fails, rolls back by dropping it.
#include "ifnbackup/drill.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/connection.hpp"
#include "drill/scratch_record.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "io/atomic_file.hpp"
#include "io/folder_lock.hpp"
#include "restore/target_database.hpp"
#include "sql/text.hpp"

namespace ifnbackup {

namespace {

using restore::database_exists;

// One drill at a time per backup folder: the scratch record and the scratch database are its own.
// Not the folder's main lock: backups and rotations, which take it, run beside a drill.
constexpr const char* k_drill_lock_name = ".ifnbackup-drill.lock";

constexpr std::size_t k_max_database_name = 64;

constexpr std::array<std::string_view, 4> k_system_schemas = {"information_schema", "performance_schema", "mysql",
                                                              "sys"};

// The server as it names itself: the same whichever way it is reached (socket, 127.0.0.1, a name).
std::string server_identity(db::Connection& server) {
  const auto row = server.query("SELECT @@hostname, @@port");
  if (row.rows.empty() || row.rows[0].size() < 2 || !row.rows[0][0] || !row.rows[0][1]) {
    throw Error(ErrorCode::server, tx("{} did not say its host name and port", server.description()),
                tx("the drill needs @@hostname and @@port to tell servers apart: check that the server answers "
                   "'SELECT @@hostname, @@port'"));
  }
  return *row.rows[0][0] + ":" + *row.rows[0][1];
}

// A connection for the drill's own drops. With --no-binlog they stay out of the binary log like the
// load: a replica that never got the scratch database would stop on a DROP of it.
std::unique_ptr<db::Connection> open_server(const DrillOptions& options) {
  auto server = db::Connection::open(options.connection, false);
  if (options.no_binlog) {
    try {
      server->execute("SET SESSION sql_log_bin = 0");
    } catch (const Error& error) {
      throw Error(ErrorCode::server,
                  tx("--no-binlog: this account may not turn binary logging off ({})", error.message()),
                  tx("leave out --no-binlog, or grant the account BINLOG ADMIN (MariaDB) or SUPER"));
    }
  }
  return server;
}

void drop_database(const DrillOptions& options, const std::string& database) {
  open_server(options)->execute(fmt::format("DROP DATABASE IF EXISTS {}", sql::quote_identifier(database)));
}

// After a failed drill: the record keeps the scratch database while it exists (the next drill may
// drop it), and forgets it once the restore's roll-back dropped it.
void forget_if_dropped(drill::ScratchRecord& record, const std::string& server_id, const DrillOptions& options,
                       const std::string& scratch) {
  try {
    auto server = db::Connection::open(options.connection, false);
    if (!database_exists(*server, scratch)) {
      record.remove(server_id, scratch);
      record.save();
    }
  } catch (const Error& error) {
    log_warn(
        "could not tell whether the scratch database '{}' is still there ({}): it stays recorded as the "
        "drill's",
        scratch, error.message());
  }
}

Text failure_hint(const Error& error, const DrillOptions& options, const std::string& scratch) {
  switch (error.code()) {
    case ErrorCode::check_mismatch:
    case ErrorCode::content_mismatch:
      return tx(
          "this backup does not restore as it was dumped: do not count on it. {}, and report it "
          "with drill.log",
          options.keep ? tx("'{}' is kept as the load left it", scratch)
                       : tx("ifnbackup drill FILE --keep keeps the scratch database to "
                            "compare"));
    case ErrorCode::restore_rolled_back:
      return tx("the scratch database '{}' was dropped; drill.log names the failing statement", scratch);
    case ErrorCode::restore_failed:
      if (options.keep) {
        return tx(
            "--keep: '{}' is left as the failed load left it, to look at; the next drill drops it "
            "(drill.log names the failing statement)",
            scratch);
      }
      return error.hint_text();
    default:
      return error.hint_text();
  }
}

// The scratch database made free for this drill on the server, whose identity is returned: absent,
// or a previous drill's (in the record), dropped. Anyone else's database is refused.
std::string claim_scratch(const DrillOptions& options, const std::string& scratch, const drill::ScratchRecord& record,
                          DrillResult& result) {
  auto server = open_server(options);
  std::string server_id = server_identity(*server);
  if (database_exists(*server, scratch)) {
    if (!record.contains(server_id, scratch)) {
      throw Error(ErrorCode::usage,
                  tx("database '{}' exists on {} and is not a drill's scratch database: the drill never "
                     "touches it; nothing was changed",
                     scratch, server->description()),
                  tx("name another scratch database with --into; if this one is a leftover nobody needs, drop it "
                     "yourself first"));
    }
    log_info("dropping '{}', the scratch database a previous drill left", scratch);
    server->execute(fmt::format("DROP DATABASE {}", sql::quote_identifier(scratch)));
    result.replaced_previous = true;
  }
  return server_id;
}

RestoreOptions restore_options(const DrillOptions& options, const std::string& scratch) {
  RestoreOptions restore;
  restore.connection = options.connection;
  restore.backup_dir = options.backup_dir;
  restore.signing = options.signing;
  restore.file = options.file;
  restore.prefix = options.prefix;
  restore.into = scratch;
  restore.no_rollback = options.keep;  // --keep: a failed load stays, to be looked at
  restore.no_binlog = options.no_binlog;
  restore.threads = options.threads;
  restore.lock_backup_folder = false;  // backups and rotations go on beside the drill
  return restore;
}

// After a drill that passed, without --keep.
void drop_scratch(const DrillOptions& options, const DrillResult& result, std::chrono::milliseconds took) {
  try {
    drop_database(options, result.scratch_database);
  } catch (const Error& error) {
    throw Error(error.code(),
                tx("the drill proved {} of {} tables in {:.1f} s, but its scratch database '{}' could not "
                   "be dropped: {}",
                   result.tables_proven, result.checks.size(), static_cast<double>(took.count()) / 1000.0,
                   result.scratch_database, error.message()),
                tx("drop it yourself (it holds a copy of the data), or grant DROP on it; the next drill drops it too"));
  }
}

}  // namespace

std::string drill_scratch_database(const DrillOptions& options) {
  const std::string& source = options.connection.database;
  std::string scratch = options.into;
  if (scratch.empty()) {
    if (source.empty()) {
      throw Error(ErrorCode::usage, tx("no database to name the drill's scratch database after"),
                  tx("give --database (the drill restores into <database>_drill), or --into NAME"));
    }
    scratch = source + std::string(k_drill_suffix);
  }
  if (scratch == source) {
    throw Error(ErrorCode::usage,
                tx("--into '{}' is the configured database: a drill never touches it; nothing was changed", scratch),
                tx("leave --into out (the drill uses <database>_drill) or name a scratch database"));
  }
  std::string lower = scratch;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(k_system_schemas.begin(), k_system_schemas.end(), lower) != k_system_schemas.end()) {
    throw Error(ErrorCode::usage, tx("'{}' is a system schema: a drill never restores into it", scratch),
                tx("name a scratch database with --into"));
  }
  if (scratch.size() > k_max_database_name) {
    throw Error(ErrorCode::usage,
                tx("the scratch database name '{}' is {} characters: a database name holds at most {}", scratch,
                   scratch.size(), k_max_database_name),
                tx("name a shorter one with --into"));
  }
  if (std::any_of(scratch.begin(), scratch.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    throw Error(ErrorCode::usage, tx("the scratch database name holds a control character"),
                tx("name it with printable characters (--into)"));
  }
  return scratch;
}

DrillResult run_drill(const DrillOptions& options, const DrillCallbacks& callbacks) {
  const auto started = std::chrono::steady_clock::now();
  if (options.backup_dir.empty()) {
    throw Error(ErrorCode::usage, tx("no backup folder: the drill restores a backup of it"),
                tx("give --backup-dir or 'backup-dir' in the config file"));
  }
  const std::string scratch = drill_scratch_database(options);
  io::ensure_private_folder(options.backup_dir);
  io::FolderLock drill_lock(options.backup_dir, k_drill_lock_name);
  auto record = drill::ScratchRecord::load(options.backup_dir);

  DrillResult result;
  result.scratch_database = scratch;
  const std::string server_id = claim_scratch(options, scratch, record, result);
  record.add(server_id, scratch);
  record.save();

  const RestoreOptions restore = restore_options(options, scratch);
  RestoreCallbacks restore_callbacks;
  bool appeared = false;
  restore_callbacks.confirm = [&](const RestorePlan& plan) {
    // Never a safety snapshot, never someone's database: the scratch database must still be absent.
    if (plan.target_exists) {
      appeared = true;
      throw Error(ErrorCode::usage,
                  tx("database '{}' was created by someone else while the drill started; nothing was "
                     "changed",
                     scratch),
                  tx("run the drill again with another --into"));
    }
    result.server = plan.server;
    result.compressed_bytes = plan.verification.compressed_bytes;
    for (const auto& table : plan.verification.tables) {
      result.rows += table.rows;
    }
    if (callbacks.plan) {
      callbacks.plan(plan);
    }
    log_info("drill: restoring {} into the scratch database '{}' on {}", plan.file.string(), scratch, plan.server);
    return true;
  };
  restore_callbacks.progress = callbacks.progress;
  restore_callbacks.before_checks = callbacks.before_checks;
  restore_callbacks.after_checks = callbacks.after_checks;

  RestoreResult restored;
  try {
    restored = run_restore(restore, restore_callbacks);
  } catch (const Error& error) {
    if (appeared) {
      record.remove(server_id, scratch);
      record.save();
    } else {
      forget_if_dropped(record, server_id, options, scratch);
    }
    throw Error(error.code(), tx("drill failed: {}", error.message()), failure_hint(error, options, scratch));
  }
  result.file = restored.file;
  result.checks = std::move(restored.checks);
  result.tables_proven =
      static_cast<std::size_t>(std::count_if(result.checks.begin(), result.checks.end(), [](const TableCheck& check) {
        return check.proof == ProofVerdict::identical;
      }));
  result.restore_duration = restored.duration;

  result.kept = options.keep;
  if (!options.keep) {
    drop_scratch(options, result, restored.duration);
    record.remove(server_id, scratch);
    record.save();
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace ifnbackup
