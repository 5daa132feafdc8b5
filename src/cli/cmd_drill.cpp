#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/binlog.hpp"
#include "ifnbackup/drill.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "pitr_report.hpp"
#include "restore_report.hpp"

namespace ifnbackup::cli {

namespace {

struct DrillFlags {
  std::string file = "latest";
  bool from_offsite = false;
  std::string into;
  bool keep = false;
  bool no_binlog = false;
  std::string until;       // drill --until: the point-in-time restore, into the scratch database
  std::string until_gtid;  // drill --until-gtid: up to and including that GTID's transaction
};

double seconds(std::chrono::milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

int drill(GlobalSettings& settings, const DrillFlags& flags) {
  DrillOptions options;
  options.connection = settings.connection;
  options.backup_dir = settings.backup_dir;
  options.signing.key_file = settings.signing_key;
  const bool point_in_time_asked = !flags.until.empty() || !flags.until_gtid.empty();
  if (!flags.until.empty() && !flags.until_gtid.empty()) {
    throw Error(ErrorCode::usage, tx("drill takes --until or --until-gtid, not both"),
                tx("give the time, or the GTID of the last transaction to replay"));
  }
  if (point_in_time_asked && (flags.file != "latest" || flags.from_offsite)) {
    throw Error(ErrorCode::usage, tx("drill --until chooses the backup itself, from the local folder: give no file"),
                tx("ifnbackup drill --until 'YYYY-MM-DD HH:MM:SS'"));
  }
  // From the bucket or encrypted: a plain file in the folder first, then verified as any file.
  if (!point_in_time_asked) {
    options.file = plain_backup_file(settings, flags.file, flags.from_offsite);
  }
  options.prefix = settings.prefix;
  options.into = flags.into;
  options.keep = flags.keep;
  options.no_binlog = flags.no_binlog;
  if (settings.threads > 0) {
    options.threads = settings.threads;
  }
  // Named before the run, so a failed drill's journal line says what it was drilling into.
  settings.run.database = drill_scratch_database(options);

  ProgressReporter progress;
  DrillCallbacks callbacks;
  bool ours = false;
  callbacks.plan = [&settings, &ours, &progress](const RestorePlan& plan) {
    progress.finish();  // the verification's line is over
    ours = plan.verification.status == VerifyStatus::ok;
    settings.run.file = plan.file.filename().string();
    settings.run.bytes = plan.verification.compressed_bytes;
    for (const auto& table : plan.verification.tables) {
      settings.run.rows += table.rows;
    }
  };
  if (!settings.quiet) {
    callbacks.progress = [&progress](const LoadProgress& p) { progress(p); };
  }
  std::optional<PointInTimeDrillResult> point_in_time;
  if (point_in_time_asked) {
    PointInTimeDrillOptions pit;
    pit.drill = options;
    pit.until = flags.until;
    pit.until_gtid = flags.until_gtid;
    point_in_time = run_point_in_time_drill(pit, callbacks, [&settings](const RecoverySpan& span) {
      log_info("drill --until {}: backup {}, binary log {} to {}, {} transactions of the database", span.target,
               span.backup.string(), span.from, span.to, span.database_transactions);
      if (!settings.quiet) {
        std::cout << format_recovery_span(span);
      }
    });
  }
  const DrillResult result = point_in_time ? point_in_time->drill : run_drill(options, callbacks);
  progress.finish();
  settings.run.tables = result.checks.size();
  settings.run.tables_proven = result.tables_proven;
  settings.run.restore_ms = result.restore_duration.count();

  warn_about_unproven(result.checks, ours);
  if (result.tables_proven < result.checks.size() && !result.checks.empty()) {
    log_text(spdlog::level::warn,
             tx("{} of {} tables could not be proven (see the content column): their row counts match",
                result.checks.size() - result.tables_proven, result.checks.size()));
  }
  // English in drill.log, the operator's language on the terminal.
  const Text summary = tx(result.kept ? N_("drill ok: {} restored into '{}' and proven ({} of {} tables identical) in "
                                           "{:.1f} s; scratch database kept (--keep)")
                                      : N_("drill ok: {} restored into '{}' and proven ({} of {} tables identical) in "
                                           "{:.1f} s; scratch database dropped"),
                          result.file.filename().string(), result.scratch_database, result.tables_proven,
                          result.checks.size(), seconds(result.restore_duration));
  log_info("{} (whole drill {:.1f} s, server {})", summary, seconds(result.duration), result.server);
  if (!settings.quiet) {
    std::cout << format_table_checks(result.checks) << summary.local << "\n";
    if (point_in_time_asked) {
      std::cout << format_replay_end(point_in_time->span, point_in_time->statements, point_in_time->replay_duration);
    }
  }
  return 0;
}

}  // namespace

Command add_drill_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<DrillFlags>();
  Command command;
  command.log_name = "drill";
  command.own_screen = true;
  command.app = app.add_subcommand(
      "drill", "Restore test: restore a backup into a scratch database, prove every table, time it, drop it");
  command.app
      ->add_option("file", flags->file,
                   "Backup file: a path, a name in the backup folder, latest (the newest good backup) or "
                   "s3://BUCKET/PREFIX/NAME (downloaded first); with --from-offsite, a name in the bucket or latest. "
                   "A .age file is decrypted with --identity")
      ->capture_default_str();
  command.app->add_flag("--from-offsite", flags->from_offsite,
                        "The file is NAME (or latest) in the --offsite bucket: downloaded into the backup folder "
                        "through a .partial (decrypted with --identity when it is a .age), checked, then drilled "
                        "(works on an empty folder)");
  command.app
      ->add_option("--into", flags->into,
                   "Scratch database (default: <database>_drill); refused if it exists and is not a previous "
                   "drill's own")
      ->check(database_name_check());
  command.app->add_flag("--keep", flags->keep,
                        "Leave the scratch database after the drill (also after a failure), to look at it; the next "
                        "drill drops it");
  command.app->add_flag("--no-binlog", flags->no_binlog,
                        "Keep the drill's load out of the binary log (needs BINLOG ADMIN or SUPER): on a primary, "
                        "replicas would load the scratch database too");
  command.app->add_option("--until", flags->until,
                          "Point-in-time drill: 'YYYY-MM-DD HH:MM:SS' in the server's time zone. The backup restore "
                          "--until would choose, proven, then the archived binary log replayed into the scratch "
                          "database up to that second (docs/pitr.md)");
  command.app->add_option("--until-gtid", flags->until_gtid,
                          "Point-in-time drill to a MariaDB GTID (domain-server-sequence): the backup restore "
                          "--until-gtid would choose, proven, then the archived binary log replayed into the scratch "
                          "database up to and including that transaction (docs/pitr.md)");
  command.app->add_option("--metrics-file", settings.metrics_file,
                          "Also write the figures for Prometheus (node_exporter textfile collector, *.prom)");
  command.app->footer(
      "The procedure's weekly restore test. Order: verify the file, restore it into the scratch database\n"
      "(no question, no safety snapshot: the configured database is never touched), prove each table's\n"
      "content against the backup's digests, report the time taken (the RTO), drop the scratch database.\n"
      "Journaled (journal.jsonl); 'status' and 'check' report the last drill. Exit codes: "
      "docs/exit-codes.md.");
  command.action = [&settings, flags]() { return drill(settings, *flags); };
  return command;
}

}  // namespace ifnbackup::cli
