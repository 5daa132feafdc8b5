#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/backup.hpp"

namespace ifnbackup::cli {

Command add_backup_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "backup";
  command.app = app.add_subcommand("backup", "Write a consistent, verified backup of the database to the backup folder");
  command.app->footer(
      "Writes <backup-dir>/<prefix>_YYYYMMDD_HHMMSS.sql.gz (a standard gzip of SQL) through a .partial file,\n"
      "so a file under a final name is always complete. Exit codes: docs/exit-codes.md.");
  command.action = [&settings]() {
    const auto options = make_backup_options(settings);
    spdlog::info("backup of database '{}' started", options.connection.database);
    const auto result = run_backup(options);
    spdlog::info("backup complete: {} ({} tables, {} rows, {:.1f} MiB, {:.1f} MiB of SQL, {:.1f} s, snapshot {})",
                 result.file.string(), result.tables.size(), result.rows,
                 static_cast<double>(result.compressed_bytes) / 1048576.0,
                 static_cast<double>(result.uncompressed_bytes) / 1048576.0,
                 static_cast<double>(result.duration.count()) / 1000.0, result.snapshot);
    return 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
