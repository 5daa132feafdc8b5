#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/schedule.hpp"

namespace ifnbackup::cli {

namespace {

struct ScheduleSettings {
  bool cron = false;
  bool install = false;
  bool uninstall = false;
  std::string time = "02:00";
  bool drill = false;
  std::string drill_day = "sun";
  // Two hours after the nightly backup: the drill restores the backup just made, and the two never
  // compete for the folder's lock.
  std::string drill_time = "04:00";
};

constexpr const char* k_default_config = "/etc/ifnbackup.conf";

ScheduleEntry make_entry(const GlobalSettings& settings, const ScheduleSettings& schedule) {
  ScheduleEntry entry;
  std::error_code ec;
  entry.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    throw Error(ErrorCode::internal, tx("cannot read /proc/self/exe: {}", errno_text(ec.value())));
  }
  const std::string config = settings.config_file.empty() ? k_default_config : settings.config_file;
  entry.config_file = std::filesystem::absolute(config).lexically_normal().string();
  entry.time = parse_schedule_time(schedule.time);
  if (!std::filesystem::exists(entry.config_file, ec)) {
    log_warn("{} does not exist: the scheduled backup fails until it does", entry.config_file);
  }
  return entry;
}

int schedule(const GlobalSettings& settings, const ScheduleSettings& options) {
  const auto entry = make_entry(settings, options);
  const auto line = cron_line(entry);
  std::string drill_line;
  if (options.drill) {
    auto drill_entry = entry;
    drill_entry.time = parse_schedule_time(options.drill_time);
    drill_line = drill_cron_line(drill_entry, parse_schedule_weekday(options.drill_day));
  }
  if (!options.install && !options.uninstall) {
    std::cout << line << "\n" << (drill_line.empty() ? "" : drill_line + "\n");
    return 0;
  }
  const std::string current = read_crontab();
  CrontabEdit edit;
  CrontabEdit drill_edit;
  if (options.install) {
    // Without --drill, a drill line installed before is left as it is.
    edit = crontab_with_line(current, line);
    drill_edit = drill_line.empty() ? CrontabEdit{edit.text, false}
                                    : crontab_with_line(edit.text, drill_line, k_drill_schedule_marker);
  } else {
    // Every line of ours goes, the drill's too: nothing of ifnbackup is left to run.
    edit = crontab_without_lines(current);
    drill_edit = crontab_without_lines(edit.text, k_drill_schedule_marker);
  }
  if (edit.changed || drill_edit.changed) {
    write_crontab(drill_edit.text);
  }
  if (settings.quiet) {
    return 0;
  }
  if (options.install) {
    std::cout << (edit.changed ? trf("installed in the crontab: {}\n", line)
                               : trf("already in the crontab: {}\n", line));
    if (!drill_line.empty()) {
      std::cout << (drill_edit.changed ? trf("installed in the crontab: {}\n", drill_line)
                                       : trf("already in the crontab: {}\n", drill_line));
    }
  } else if (edit.changed || drill_edit.changed) {
    std::cout << (!drill_edit.changed ? tr("removed ifnbackup's line from the crontab\n")
                  : edit.changed      ? tr("removed ifnbackup's lines (backup and drill) from the crontab\n")
                                      : tr("removed ifnbackup's drill line from the crontab\n"));
  } else {
    std::cout << tr("no ifnbackup line in the crontab: nothing to remove\n");
  }
  return 0;
}

}  // namespace

Command add_schedule_command(CLI::App& app, GlobalSettings& settings) {
  auto options = std::make_shared<ScheduleSettings>();
  Command command;
  command.results_on_stdout = true;
  command.app = app.add_subcommand(
      "schedule", "Print, install or remove the nightly cron line of the backup (and the weekly drill's)");
  auto* cron = command.app->add_flag("--cron", options->cron, "Print the crontab line (the default)");
  auto* install = command.app->add_flag(
      "--install", options->install, "Add the line to the current user's crontab, or replace ours; never duplicates");
  auto* uninstall =
      command.app->add_flag("--uninstall", options->uninstall, "Remove our line from the crontab, and only ours");
  cron->excludes(install)->excludes(uninstall);
  install->excludes(uninstall);
  command.app->add_option("--time", options->time, "Time of the nightly backup, HH:MM (local time of cron)")
      ->capture_default_str();
  command.app->add_flag("--drill", options->drill,
                        "Also the weekly restore drill of the newest good backup (ifnbackup drill latest): printed, "
                        "installed or replaced beside the backup's line");
  command.app
      ->add_option("--drill-day", options->drill_day, "Day of the weekly drill: sun, mon, tue, wed, thu, fri, sat")
      ->capture_default_str();
  command.app
      ->add_option("--drill-time", options->drill_time,
                   "Time of the weekly drill, HH:MM (after the nightly backup, which it then restores)")
      ->capture_default_str();
  command.app->footer(
      "The line runs this binary (its absolute path) with --config (default /etc/ifnbackup.conf) and -q,\n"
      "so cron mails only failures. Our line ends with '# ifnbackup-schedule'; other lines are never "
      "touched.\n"
      "Put every setting in the config file: cron does not see this shell's IFNBACKUP_* variables.\n"
      "--uninstall removes the drill's line too. With systemd, the packaged timers do the same:\n"
      "systemctl enable --now ifnbackup.timer (and ifnbackup-drill.timer for the weekly drill)");
  command.action = [&settings, options]() { return schedule(settings, *options); };
  return command;
}

}  // namespace ifnbackup::cli
