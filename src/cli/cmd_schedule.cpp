#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/schedule.hpp"

namespace ifnbackup::cli {

namespace {

struct ScheduleSettings {
  bool cron = false;
  bool install = false;
  bool uninstall = false;
  std::string time = "02:00";
};

constexpr const char* k_default_config = "/etc/ifnbackup.conf";

ScheduleEntry make_entry(const GlobalSettings& settings, const ScheduleSettings& schedule) {
  ScheduleEntry entry;
  std::error_code ec;
  entry.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    throw Error(ErrorCode::internal, fmt::format("cannot read /proc/self/exe: {}", ec.message()));
  }
  const std::string config = settings.config_file.empty() ? k_default_config : settings.config_file;
  entry.config_file = std::filesystem::absolute(config).lexically_normal().string();
  entry.time = parse_schedule_time(schedule.time);
  if (!std::filesystem::exists(entry.config_file, ec)) {
    spdlog::warn("{} does not exist: the scheduled backup fails until it does", entry.config_file);
  }
  return entry;
}

int schedule(const GlobalSettings& settings, const ScheduleSettings& options) {
  const auto line = cron_line(make_entry(settings, options));
  if (!options.install && !options.uninstall) {
    std::cout << line << "\n";
    return 0;
  }
  const std::string current = read_crontab();
  const auto edit = options.install ? crontab_with_line(current, line) : crontab_without_lines(current);
  if (edit.changed) {
    write_crontab(edit.text);
  }
  if (settings.quiet) {
    return 0;
  }
  if (options.install) {
    std::cout << (edit.changed ? "installed in the crontab: " : "already in the crontab: ") << line << "\n";
  } else {
    std::cout << (edit.changed ? "removed ifnbackup's line from the crontab\n"
                               : "no ifnbackup line in the crontab: nothing to remove\n");
  }
  return 0;
}

}  // namespace

Command add_schedule_command(CLI::App& app, GlobalSettings& settings) {
  auto options = std::make_shared<ScheduleSettings>();
  Command command;
  command.results_on_stdout = true;
  command.app =
      app.add_subcommand("schedule", "Print, install or remove the nightly cron line of the backup");
  auto* cron = command.app->add_flag("--cron", options->cron, "Print the crontab line (the default)");
  auto* install =
      command.app->add_flag("--install", options->install,
                            "Add the line to the current user's crontab, or replace ours; never duplicates");
  auto* uninstall = command.app->add_flag("--uninstall", options->uninstall,
                                          "Remove our line from the crontab, and only ours");
  cron->excludes(install)->excludes(uninstall);
  install->excludes(uninstall);
  command.app->add_option("--time", options->time, "Time of the nightly backup, HH:MM (local time of cron)")
      ->capture_default_str();
  command.app->footer(
      "The line runs this binary (its absolute path) with --config (default /etc/ifnbackup.conf) and -q,\n"
      "so cron mails only failures. Our line ends with '# ifnbackup-schedule'; other lines are never "
      "touched.\n"
      "Put every setting in the config file: cron does not see this shell's IFNBACKUP_* variables.\n"
      "With systemd, the packaged ifnbackup.timer does the same: systemctl enable --now ifnbackup.timer");
  command.action = [&settings, options]() { return schedule(settings, *options); };
  return command;
}

}  // namespace ifnbackup::cli
