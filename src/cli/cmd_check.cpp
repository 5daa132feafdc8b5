#include <algorithm>
#include <cmath>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/status.hpp"
#include "ifnbackup/verification_state.hpp"
#include "metrics.hpp"

namespace ifnbackup::cli {

namespace {

struct CheckFlags {
  double max_age_hours = 25;
  double min_free_percent = 10;
  double drill_max_age_days = 8;
  double offsite_max_age_hours = 26;
  double binlog_max_lag_minutes = 5;
};

int run_check(const GlobalSettings& settings, const CheckFlags& flags) {
  CheckThresholds thresholds;
  thresholds.max_age = std::chrono::seconds(static_cast<std::int64_t>(std::llround(flags.max_age_hours * 3600)));
  thresholds.min_free_percent = flags.min_free_percent;
  // Only 0 turns the drill alerts off: a tiny positive value must not round to it.
  thresholds.drill_max_age = std::chrono::seconds(
      flags.drill_max_age_days > 0
          ? std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(flags.drill_max_age_days * 86400)))
          : 0);
  thresholds.offsite = settings.offsite.enabled();
  thresholds.offsite_max_age =
      std::chrono::seconds(static_cast<std::int64_t>(std::llround(flags.offsite_max_age_hours * 3600)));
  thresholds.binlog_max_lag =
      std::chrono::seconds(static_cast<std::int64_t>(std::llround(flags.binlog_max_lag_minutes * 60)));
  std::optional<CheckStatus> status;
  try {
    // A file verified good weeks ago may have rotted since: verified again before it is relied on.
    if (!settings.backup_dir.empty() && std::filesystem::is_directory(settings.backup_dir)) {
      verify_stale_files(settings.backup_dir, settings.prefix, std::chrono::system_clock::now());
    }
    const auto situation = gather_for_monitoring(settings);
    const auto report = evaluate_check(situation, thresholds, std::chrono::system_clock::now());
    status = report.status;
    std::cout << printable(format_check_line(report)) << "\n";  // a reason may quote a file's content
  } catch (const std::exception& error) {
    // Whatever goes wrong, a plugin answers UNKNOWN on one line: never a silent or garbled result.
    std::cout << printable(fmt::format("IFNBACKUP UNKNOWN - {}", error.what())) << "\n";
    status = CheckStatus::unknown;
  }
  write_metrics_file(settings, status);
  return static_cast<int>(*status);
}

}  // namespace

Command add_check_command(CLI::App& app, GlobalSettings& settings) {
  auto flags = std::make_shared<CheckFlags>();
  Command command;
  command.log_name = "";  // read-only, run every few minutes: no log file
  command.results_on_stdout = true;
  command.app = app.add_subcommand("check", "Monitoring plugin: the procedure's alerts, Nagios/Icinga style");
  command.app->add_option("--max-age-hours", flags->max_age_hours, "CRITICAL when the newest good backup is older")
      ->capture_default_str()
      ->check(number_in(0.01, 876000, "hours"));
  command.app->add_option("--min-free-percent", flags->min_free_percent, "WARNING when free space is under this")
      ->capture_default_str()
      ->check(number_in(0, 100, "percent"));
  command.app
      ->add_option("--drill-max-age-days", flags->drill_max_age_days,
                   "WARNING when no restore drill succeeded for longer (CRITICAL when the last one failed); "
                   "0: no drill alert")
      ->capture_default_str()
      ->check(number_in(0, 36500, "days"));
  command.app
      ->add_option("--offsite-max-age-hours", flags->offsite_max_age_hours,
                   "With --offsite: WARNING when the newest offsite copy the journal knows is older, when there is "
                   "none, or when the last upload failed")
      ->capture_default_str()
      ->check(number_in(0.01, 876000, "hours"));
  command.app
      ->add_option("--binlog-max-lag", flags->binlog_max_lag_minutes,
                   "When the folder holds a binary log archive (binlog archive): WARNING when it is more than this "
                   "many minutes behind, or its archiver stopped; CRITICAL when it has a gap")
      ->capture_default_str()
      ->check(number_in(0.02, 525600, "minutes"));
  command.app->add_option("--metrics-file", settings.metrics_file,
                          "Also write the figures for Prometheus (node_exporter textfile collector, *.prom)");
  command.app->footer(
      "Prints one line 'IFNBACKUP OK - ...' with perfdata after '|'. Exit 0 OK, 1 WARNING, 2 CRITICAL,\n"
      "3 UNKNOWN (folder missing or unreadable). Which alert is which: docs/monitoring.md.\n"
      "The offsite alerts read the journal (no network call): 'list --offsite' asks the bucket.");
  command.action = [&settings, flags]() { return run_check(settings, *flags); };
  return command;
}

}  // namespace ifnbackup::cli
