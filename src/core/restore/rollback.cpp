// After a load or a check that failed: the target put back as it was before the restore, and the
// error the operator sees, saying what state the target is in.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/printable.hpp"
#include "restore/phases.hpp"
#include "sql/text.hpp"
#include "util/shell_word.hpp"

namespace ifnbackup::restore {

namespace {

bool not_as_dumped(const Error& error) {
  return error.code() == ErrorCode::check_mismatch || error.code() == ErrorCode::content_mismatch;
}

bool replaced(const SafetySnapshot& snapshot, const std::string& table) {
  return std::find(snapshot.replaced_tables.begin(), snapshot.replaced_tables.end(), table) !=
         snapshot.replaced_tables.end();
}

// --tables: what going back by hand needs beside the snapshot (it holds only tables that existed).
Text created_hint(const RestorePlan& plan, const SafetySnapshot& snapshot) {
  std::string names;
  for (const auto& table : plan.tables) {
    if (!replaced(snapshot, table)) {
      names += (names.empty() ? "" : ", ") + sql::quote_identifier(table);
    }
  }
  return names.empty() ? Text() : tx(", then drop the tables this restore created: {}", names);
}

// The target as it was: dropped if the restore created it, else the safety snapshot loaded and
// the chosen tables the load created dropped.
void undo_load(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
               const SafetySnapshot& snapshot) {
  LoadSettings rollback;
  rollback.step = RestoreStep::rolling_back;
  rollback.interruptible = false;
  rollback.progress = callbacks.progress;
  rollback.ours = true;  // our own snapshot
  if (!plan.target_exists) {
    auto server = open_writer(options.connection, false, options.no_binlog);
    server->execute(fmt::format("DROP DATABASE IF EXISTS {}", sql::quote_identifier(plan.target_database)));
    return;
  }
  if (!plan.tables.empty()) {
    rollback.only_tables = std::set<std::string>(snapshot.replaced_tables.begin(), snapshot.replaced_tables.end());
  }
  if (!snapshot.file.empty()) {
    log_info("rolling back: loading {}", snapshot.file.string());
    load_into(options.connection, plan.target_database, snapshot.file, rollback, options.no_binlog, 0,
              plan.target_collation);
  }
  // --tables: the chosen tables that did not exist before the load go again.
  auto server = open_writer(options.connection, false, options.no_binlog);
  server->execute(fmt::format("USE {}", sql::quote_identifier(plan.target_database)));
  server->execute("SET SESSION foreign_key_checks = 0");  // another table may reference it
  for (const auto& table : plan.tables) {
    if (!replaced(snapshot, table)) {
      server->execute(fmt::format("DROP TABLE IF EXISTS {}", sql::quote_identifier(table)));
    }
  }
}

}  // namespace

// The command that loads the safety snapshot back into the target, with this run's connection
// settings written out (an environment variable or a config file of this run may be gone by then).
// Its own restore asks for OUI, and takes a snapshot of what it replaces, as any restore.
std::string snapshot_restore_command(const RestorePlan& plan, const RestoreOptions& options,
                                     const SafetySnapshot& snapshot) {
  std::string command = util::shell_word(options.program);
  const auto add = [&command](std::string_view option, const std::string& value) {
    if (!value.empty()) {
      command += fmt::format(" {} {}", option, util::shell_word(value));
    }
  };
  // A path as given is relative to where this run was started: absolute, it works from anywhere.
  const auto add_path = [&add](std::string_view option, const std::string& path) {
    std::error_code ec;
    const auto absolute = path.empty() ? std::filesystem::path() : std::filesystem::absolute(path, ec);
    add(option, ec ? path : absolute.string());
  };
  const auto& c = options.connection;
  add_path("--defaults-file", c.defaults_file);
  add("--host", c.host);
  add("--port", c.port == 0 ? std::string() : std::to_string(c.port));
  add_path("--socket", c.socket);
  add("--user", c.user);
  add_path("--password-file", c.password_file);
  add("--ssl-mode", c.ssl_mode);
  add_path("--ssl-ca", c.ssl_ca);
  add_path("--ssl-cert", c.ssl_cert);
  add_path("--ssl-key", c.ssl_key);
  add("--ssl-fingerprint", c.ssl_fingerprint);
  add("--database", plan.target_database);
  add("--backup-dir", std::filesystem::absolute(options.backup_dir).string());
  add_path("--signing-key", options.signing.key_file.string());
  command += " restore " + util::shell_word(std::filesystem::absolute(snapshot.file).string());
  if (options.no_binlog) {
    command += " --no-binlog";
  }
  return command;
}

void roll_back(const RestorePlan& plan, const RestoreOptions& options, const RestoreCallbacks& callbacks,
               const SafetySnapshot& snapshot, const Error& error) {
  log_error("restore failed: {}", error.message());
  // A content that differs, or a stop asked by SIGINT/SIGTERM, keeps its own exit code once rolled
  // back; any other failure says "rolled back" (13) or "not rolled back" (14).
  const bool own_code = not_as_dumped(error) || error.code() == ErrorCode::interrupted;
  if (options.no_rollback) {
    throw Error(own_code ? error.code() : ErrorCode::restore_failed,
                tx("restore failed and was NOT rolled back (--no-rollback): {}", error.message()),
                snapshot.file.empty()
                    ? tx("the database is partly loaded")
                    : tx("the database is partly loaded; to go back to the safety snapshot {}: {}{}",
                         snapshot.file.filename().string(), snapshot_restore_command(plan, options, snapshot),
                         created_hint(plan, snapshot)));
  }
  try {
    undo_load(plan, options, callbacks, snapshot);
  } catch (const Error& rollback_error) {
    throw Error(ErrorCode::restore_failed,
                tx("restore failed ({}) and the roll-back failed too ({})", error.message(), rollback_error.message()),
                !plan.target_exists || snapshot.file.empty()
                    ? tx("'{}' was partly loaded and nothing was there to snapshot: drop what was "
                         "loaded or restore again",
                         plan.target_database)
                    : tx("'{}' is partly loaded; the safety snapshot {} holds it as it was before this restore: "
                         "once the server answers again, put it back with: {}{}",
                         plan.target_database, snapshot.file.string(),
                         snapshot_restore_command(plan, options, snapshot), created_hint(plan, snapshot)));
  }
  throw Error(own_code ? error.code() : ErrorCode::restore_rolled_back,
              plan.tables.empty()
                  ? (plan.target_exists
                         ? tx("restore failed: {}. It was rolled back: database '{}' is as it was before",
                              error.message(), plan.target_database)
                         : tx("restore failed: {}. It was rolled back: database '{}' is as it was before (absent)",
                              error.message(), plan.target_database))
                  : tx("restore failed: {}. It was rolled back: the chosen tables of '{}' are as they were before",
                       error.message(), plan.target_database),
              not_as_dumped(error) ? error.hint_text() : tx("see restore.log for the failing statement"));
}

}  // namespace ifnbackup::restore
