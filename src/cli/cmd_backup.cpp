#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/rotate.hpp"
#include "ifnbackup/schema_check.hpp"
#include "ifnbackup/verification_state.hpp"

namespace ifnbackup::cli {

namespace {

// The new file is read back once, as restore would read it, and the result remembered for
// list and rotate: the procedure's daily "Intégrité du backup vérifiée".
void verify_new_backup(const std::filesystem::path& file, const GlobalSettings& settings) {
  auto state = VerificationState::load(settings.backup_dir);
  for (const auto& entry : scan_backup_folder(settings.backup_dir, settings.prefix)) {
    if (entry.name == file.filename().string()) {
      const auto result = verify_entry(entry, state);
      if (!result.ok()) {
        throw Error(result.status == VerifyStatus::corrupt ? ErrorCode::corrupt : ErrorCode::incomplete,
                    fmt::format("the new backup {} does not verify: {}", file.string(), result.reason),
                    "check the disk of the backup folder (dmesg, SMART)");
      }
      state.save();
      spdlog::info("verified {}: sha256 {}", entry.name, result.sha256);
      return;
    }
  }
}

// The new file's schema, without rows, through the restore's loader into a scratch database of
// the same server: a statement the server refuses is found at 02:00, not during an emergency. The
// outcome is remembered beside the verification (list, verify, status, check).
SchemaCheckResult check_new_backup(const std::filesystem::path& file, const GlobalSettings& settings) {
  SchemaCheckResult result;
  try {
    result = check_schema(settings.connection, file);
  } catch (const Error& error) {
    if (error.code() == ErrorCode::interrupted) {
      throw;
    }
    result.detail = error.what();  // the server went away: not a verdict on the file
  }
  auto state = VerificationState::load(settings.backup_dir);
  for (const auto& entry : scan_backup_folder(settings.backup_dir, settings.prefix)) {
    if (entry.name == file.filename().string()) {
      state.record_schema_check(entry, result.detail.empty() ? schema_check_outcome_name(result.outcome)
                                                             : fmt::format("{}: {}",
                                                                           schema_check_outcome_name(result.outcome),
                                                                           result.detail));
      state.save();
    }
  }
  switch (result.outcome) {
    case SchemaCheckOutcome::passed:
      spdlog::info("schema check: {} statements of the schema loaded into scratch database '{}' ({:.1f} s{}), dropped",
                   result.statements, result.scratch_database, static_cast<double>(result.duration.count()) / 1000.0,
                   result.file_bytes == 0 ? std::string()
                                          : fmt::format("; read {:.1f} of the file's {:.1f} MiB: its parts holding "
                                                        "rows alone are skipped",
                                                        static_cast<double>(result.bytes_read) / 1048576.0,
                                                        static_cast<double>(result.file_bytes) / 1048576.0));
      break;
    case SchemaCheckOutcome::not_run:
      spdlog::warn("schema check not run: {}", result.detail);
      break;
    case SchemaCheckOutcome::failed:
      spdlog::error("schema check FAILED in scratch database '{}', dropped: the server refused {} statement{} of the "
                    "new backup's schema; first: {}",
                    result.scratch_database, result.refused, result.refused == 1 ? "" : "s", result.detail);
      break;
  }
  return result;
}

}  // namespace

Command add_backup_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "backup";
  command.app = app.add_subcommand("backup", "Write a consistent, verified backup of the database to the backup folder");
  command.app->add_flag("--no-rotate", settings.no_rotate, "Do not apply the retention policy after the backup");
  command.app->add_flag("--no-schema-check", settings.no_schema_check,
                        "Do not load the new backup's schema (no rows) into a scratch database to prove the "
                        "server takes it");
  command.app->add_option("--metrics-file", settings.metrics_file,
                          "After the run, success or not, write Prometheus metrics there (docs/monitoring.md)");
  command.app->footer(
      "Writes <backup-dir>/<prefix>_YYYYMMDD_HHMMSS.sql.gz (a standard gzip of SQL) through a .partial file,\n"
      "so a file under a final name is always complete; reads it back to verify it; loads its schema without\n"
      "rows into a scratch database ifnbackup_schemacheck_<16 random hex digits> and drops it (unless --no-schema-check; skipped\n"
      "with a warning when the account may not create it); then rotates (unless --no-rotate). A failed backup\n"
      "never rotates. A backup whose schema the server refuses is kept, marked NOT RESTORABLE, and the run\n"
      "exits 21 after the rotation. Exit codes: docs/exit-codes.md.");
  command.action = [&settings]() {
    const auto options = make_backup_options(settings);
    spdlog::info("backup of database '{}' started", options.connection.database);
    const auto result = run_backup(options);
    settings.run.file = result.file.filename().string();
    settings.run.bytes = result.compressed_bytes;
    settings.run.rows = result.rows;
    spdlog::info("backup complete: {} ({} tables, {} rows, {:.1f} MiB, {:.1f} MiB of SQL, {:.1f} s, snapshot {})",
                 result.file.string(), result.tables.size(), result.rows,
                 static_cast<double>(result.compressed_bytes) / 1048576.0,
                 static_cast<double>(result.uncompressed_bytes) / 1048576.0,
                 static_cast<double>(result.duration.count()) / 1000.0, result.snapshot);
    verify_new_backup(result.file, settings);
    SchemaCheckResult schema;
    if (!settings.no_schema_check) {
      schema = check_new_backup(result.file, settings);
    }
    if (!settings.no_rotate) {
      RotateOptions rotate;
      rotate.backup_dir = settings.backup_dir;
      rotate.prefix = settings.prefix;
      rotate.database = settings.connection.database;
      rotate.policy = settings.retention;
      try {
        const auto rotated = run_rotate(rotate);
        spdlog::info("rotation: {} file(s) removed", rotated.removed);
      } catch (const Error& error) {
        // The exit code is rotation's, so cron reports it; the message says the backup is safe.
        throw Error(error.code(),
                    fmt::format("the backup {} is complete and verified, but the rotation failed: {}",
                                result.file.filename().string(), error.what()),
                    error.hint());
      }
    }
    if (schema.outcome == SchemaCheckOutcome::failed) {
      throw Error(ErrorCode::not_restorable,
                  fmt::format("the backup {} is written and verified, but NOT RESTORABLE as is: the server refused "
                              "its schema in a scratch database: {}",
                              result.file.filename().string(), schema.detail),
                  "fix the object named (a view over a dropped table, a definer that no longer exists...) and "
                  "back up again; the file is kept: its rows can still be loaded by hand");
    }
    return 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
