// The safety snapshot: what a restore replaces, written as a backup of ours before anything is
// dropped. For --tables, of the chosen tables that exist: a file marked `scope: tables`, which
// restores as --tables of its own tables.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/backup.hpp"
#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "restore/phases.hpp"
#include "restore/target_database.hpp"

namespace ifnbackup::restore {

namespace {

ConnectionOptions for_database(ConnectionOptions connection, const std::string& database) {
  connection.database = database;
  return connection;
}

}  // namespace

SafetySnapshot take_safety_snapshot(const RestorePlan& plan, const RestoreOptions& options,
                                    const std::function<void(const LoadProgress&)>& progress) {
  SafetySnapshot taken;
  // The tables the load replaces that exist now (--tables): the snapshot holds those only, and a
  // roll-back drops the others, which the load created.
  if (plan.target_exists && !plan.tables.empty()) {
    auto server = db::Connection::open(for_database(options.connection, plan.target_database), false);
    taken.replaced_tables = existing_tables(*server, plan.target_database, plan.tables);
  }
  const std::vector<std::string>& replaced_tables = taken.replaced_tables;
  if (plan.target_exists && (plan.tables.empty() || !replaced_tables.empty())) {
    BackupOptions snapshot;
    snapshot.connection = for_database(options.connection, plan.target_database);
    snapshot.backup_dir = options.backup_dir;
    snapshot.prefix = std::string(k_safety_snapshot_prefix);
    snapshot.compress_level = options.compress_level;
    snapshot.threads = options.threads;
    snapshot.only_tables = replaced_tables;
    snapshot.signing = options.signing;
    if (progress) {
      snapshot.progress = [&progress](std::uint64_t sql_bytes, std::uint64_t rows) {
        LoadProgress written;
        written.step = RestoreStep::safety_snapshot;
        written.done = sql_bytes;
        written.rows = rows;
        progress(written);
      };
    }
    if (replaced_tables.empty()) {
      log_info("writing the safety snapshot of '{}'", plan.target_database);
    } else {
      log_info("writing the safety snapshot of the {} table{} of '{}' the restore replaces", replaced_tables.size(),
               replaced_tables.size() == 1 ? "" : "s", plan.target_database);
    }
    try {
      taken.file = write_backup(snapshot).file;
    } catch (const Error& error) {
      throw Error(error.code(), tx("safety snapshot failed, nothing was restored: {}", error.message()),
                  error.hint_text());
    }
    log_info("safety snapshot: {}", taken.file.string());
  } else if (plan.target_exists) {
    log_info("none of the tables to restore exists in '{}': there is nothing to snapshot", plan.target_database);
  } else {
    log_warn("database '{}' does not exist: it will be created, there is nothing to snapshot", plan.target_database);
  }
  return taken;
}

}  // namespace ifnbackup::restore
