#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "format.hpp"
#include "ifnbackup/json.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/rotate.hpp"

namespace ifnbackup::cli {

namespace {

int rotate_folder(const GlobalSettings& settings, bool dry_run) {
  RotateOptions options;
  options.backup_dir = settings.backup_dir;
  options.prefix = settings.prefix;
  options.database = settings.connection.database;
  options.policy = settings.retention;
  options.dry_run = dry_run;
  const auto result = run_rotate(options);

  if (settings.json) {
    util::JsonWriter json;
    json.begin_object().field("dry_run", dry_run).key("decisions").begin_array();
    for (const auto& decision : result.decisions) {
      json.begin_object()
          .field("name", decision.entry.name)
          .field("kind", backup_kind_name(decision.entry.kind))
          .field("remove", decision.remove)
          .field("reason", decision.reason)
          .end_object();
    }
    json.end_array()
        .field("removed", static_cast<std::uint64_t>(result.removed))
        .field("bytes_freed", result.bytes_freed)
        .end_object();
    std::cout << json.str() << "\n";
    return 0;
  }
  if (settings.quiet) {
    return 0;
  }
  std::size_t to_remove = 0;
  for (const auto& decision : result.decisions) {
    if (decision.entry.kind == BackupKind::foreign) {
      continue;
    }
    to_remove += decision.remove ? 1 : 0;
    // A reason may name another database: its name comes from a file, control bytes and all.
    std::cout << printable(fmt::format("{:<13} {:<46} {}\n",
                                       decision.remove ? (dry_run ? tr("would remove") : tr("removed")) : tr("keep"),
                                       decision.entry.name, decision.reason));
  }
  if (dry_run) {
    std::cout << trf("dry run: {} file(s) would be removed, nothing was deleted\n", to_remove);
  } else {
    std::cout << trf("{} file(s) removed, {} freed\n", result.removed, human_size(result.bytes_freed));
  }
  return 0;
}

}  // namespace

void add_retention_options(CLI::App& app, GlobalSettings& settings) {
  auto& p = settings.retention;
  const char* group = "Retention (rotate, and backup's rotation after success)";
  const std::string for_ever = fmt::format("{} keeps for ever", k_max_retention_days);
  const auto days = whole_number_in(0, k_max_retention_days, "days", for_ever);
  const auto count = whole_number_in(0, k_max_keep_count, "backups", "0 turns the rule off");
  app.add_option("--retention-days", p.retention_days,
                 fmt::format("Keep every backup younger than this, 0 to {} days ({})", k_max_retention_days, for_ever))
      ->capture_default_str()
      ->check(days)
      ->group(group);
  app.add_option("--min-keep", p.min_keep,
                 fmt::format("Always keep the newest N backups that verify as good and hold a table, whatever their "
                             "age, 1 to {}",
                             k_max_keep_count))
      ->capture_default_str()
      ->check(
          whole_number_in(1, k_max_keep_count, "backups", "at least 1: rotation must never remove every good backup"))
      ->group(group);
  app.add_option("--keep-daily", p.keep_daily,
                 fmt::format("Also keep the newest backup of each of the last N days, 0 (off) to {}", k_max_keep_count))
      ->capture_default_str()
      ->check(count)
      ->group(group);
  app.add_option("--keep-weekly", p.keep_weekly, "... of each of the last N ISO weeks")
      ->capture_default_str()
      ->check(count)
      ->group(group);
  app.add_option("--keep-monthly", p.keep_monthly, "... of each of the last N months")
      ->capture_default_str()
      ->check(count)
      ->group(group);
  app.add_option("--safety-retention-days", p.safety_retention_days,
                 fmt::format("Keep safety snapshots younger than this, 0 to {} days (the newest is always kept)",
                             k_max_retention_days))
      ->capture_default_str()
      ->check(days)
      ->group(group);
}

Command add_rotate_command(CLI::App& app, GlobalSettings& settings) {
  auto dry_run = std::make_shared<bool>(false);
  Command command;
  command.log_name = "backup";
  command.results_on_stdout = true;
  command.app = app.add_subcommand("rotate", "Remove old backups by the retention policy, never the last good ones");
  command.app->add_flag("--dry-run", *dry_run, "Print what would be removed, and why; delete nothing");
  command.app->add_flag("--json", settings.json, "Machine-readable output (fields: docs/json-output.md)");
  command.app->footer(
      "Only files named like our backups are candidates. Ages come from the name, not the mtime.\n"
      "Backups never verified are verified first: a corrupt file, one that holds no table and one dated\n"
      "in the future never count toward --min-keep.");
  command.action = [&settings, dry_run]() { return rotate_folder(settings, *dry_run); };
  return command;
}

}  // namespace ifnbackup::cli
