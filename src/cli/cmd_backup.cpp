#include "cli.hpp"
#include "ifnbackup/backup_job.hpp"

namespace ifnbackup::cli {

Command add_backup_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.log_name = "backup";
  command.app =
      app.add_subcommand("backup", "Write a consistent, verified backup of the database to the backup folder");
  command.app->add_flag("--no-rotate", settings.no_rotate, "Do not apply the retention policy after the backup");
  command.app->add_flag("--no-schema-check", settings.no_schema_check,
                        "Do not load the new backup's schema (no rows) into a scratch database to prove the "
                        "server takes it");
  command.app
      ->add_option("--retries", settings.retries,
                   "Times a dump starts again with a fresh snapshot when the schema changes under it (a table "
                   "rebuilt or dropped by a migration: errors 1412, 1146)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  command.app->add_option("--metrics-file", settings.metrics_file,
                          "After the run, success or not, write Prometheus metrics there (docs/monitoring.md)");
  command.app->footer(
      "Writes <backup-dir>/<prefix>_YYYYMMDD_HHMMSS.sql.gz (a standard gzip of SQL) through a .partial file,\n"
      "so a file under a final name is always complete; reads it back to verify it; loads its schema without\n"
      "rows into a scratch database ifnbackup_schemacheck_<16 random hex digits> and drops it (unless "
      "--no-schema-check; skipped\n"
      "with a warning when the account may not create it; tables whose statements differ only by their name\n"
      "are checked through one of them, unless something else names them); then rotates (unless --no-rotate).\n"
      "A failed backup never rotates. A backup whose schema the server refuses is kept, marked NOT RESTORABLE,\n"
      "and the run exits 21 after the rotation. With --offsite, the verified file is then uploaded and checked\n"
      "by a HEAD (size and SHA-256); a failed upload keeps the local file and the run exits 22 after the\n"
      "rotation (docs/offsite.md). With --encrypt-to, the offsite copy is NAME.sql.gz.age, encrypted as it is\n"
      "sent; with --encrypt-local, the local copy too. Exit codes: docs/exit-codes.md.");
  command.action = [&settings]() {
    BackupJobOptions job;
    job.encryption = make_encryption(settings);  // a bad recipient is refused before the dump
    job.backup = make_backup_options(settings);
    job.backup.retries = settings.retries;
    job.backup.restarted = [&settings](unsigned restarts) { settings.run.retries = restarts; };
    job.schema_check = !settings.no_schema_check;
    job.rotate = !settings.no_rotate;
    job.retention = settings.retention;
    job.written = [&settings](const BackupResult& written) {
      settings.run.file = written.file.filename().string();
      settings.run.bytes = written.compressed_bytes;
      settings.run.rows = written.rows;
      settings.run.retries = written.retries;
    };
    if (settings.offsite.enabled()) {
      job.offsite = make_offsite_options(settings);
      job.offsite_done = [&settings](const OffsiteCopy& copy) {
        settings.run.offsite = copy.outcome == OffsiteCopy::Outcome::sent ? "ok" : "failed";
        settings.run.offsite_message = copy.message.english;
        if (copy.outcome == OffsiteCopy::Outcome::sent) {
          settings.run.offsite_file = copy.name;
        }
      };
    }
    run_backup_job(job);
    return 0;
  };
  return command;
}

}  // namespace ifnbackup::cli
