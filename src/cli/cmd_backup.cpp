#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/inventory.hpp"
#include "ifnbackup/rotate.hpp"

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

}  // namespace

Command add_backup_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "backup";
  command.app = app.add_subcommand("backup", "Write a consistent, verified backup of the database to the backup folder");
  command.app->add_flag("--no-rotate", settings.no_rotate, "Do not apply the retention policy after the backup");
  command.app->add_option("--metrics-file", settings.metrics_file,
                          "After the run, success or not, write Prometheus metrics there (docs/monitoring.md)");
  command.app->footer(
      "Writes <backup-dir>/<prefix>_YYYYMMDD_HHMMSS.sql.gz (a standard gzip of SQL) through a .partial file,\n"
      "so a file under a final name is always complete; reads it back to verify it; then rotates (unless\n"
      "--no-rotate). A failed backup never rotates. Exit codes: docs/exit-codes.md.");
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
    return 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
