#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli.hpp"
#include "ifnbackup/doctor.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/printable.hpp"
#include "status_line.hpp"

namespace ifnbackup::cli {

namespace {

// The names of doctor's checks (DoctorFinding::check), for the catalog: printed translated.
[[maybe_unused]] const char* const k_check_names[] = {N_("backup folder"),   N_("backup files"), N_("backup owner"),
                                                      N_("backup location"), N_("config file"),  N_("password file"),
                                                      N_("defaults file"),   N_("server"),       N_("tls"),
                                                      N_("database"),        N_("privileges"),   N_("schema changes"),
                                                      N_("schema check"),    N_("signing key"),  N_("disk space")};

const char* status_label(DoctorStatus status) {
  switch (status) {
    case DoctorStatus::ok:
      return tr("ok");
    case DoctorStatus::note:
      return tr("note");
    case DoctorStatus::warning:
      return tr("WARNING");
  }
  return "?";
}

int doctor(const GlobalSettings& settings) {
  DoctorOptions options;
  options.connection = settings.connection;
  options.backup_dir = settings.backup_dir;
  // The config file in use: the one apply_environment_and_config read.
  options.config_file = settings.config_file;
  if (options.config_file.empty()) {
    if (const char* env = std::getenv("IFNBACKUP_CONFIG")) {
      options.config_file = env;
    } else if (std::filesystem::exists("/etc/ifnbackup.conf")) {
      options.config_file = "/etc/ifnbackup.conf";
    }
  }
  auto report = run_doctor(options);
  if (settings.offsite.enabled()) {
    for (auto& finding : check_offsite_access(make_offsite_options(settings))) {
      report.findings.push_back(std::move(finding));
    }
  }
  // The columns as wide as their longest word in the operator's language (ATTENTION, "changements de
  // schéma"), at least the English widths.
  std::size_t status_width = 8;
  std::size_t check_width = 16;
  for (const auto& finding : report.findings) {
    status_width = std::max(status_width, display_columns(status_label(finding.status)));
    check_width = std::max(check_width, display_columns(tr(finding.check.c_str())));
  }
  std::size_t warnings = 0;
  for (const auto& finding : report.findings) {
    warnings += finding.status == DoctorStatus::warning ? 1 : 0;
    if (settings.quiet && finding.status != DoctorStatus::warning) {
      continue;
    }
    // A finding may quote the server's error message: no raw control byte reaches the terminal.
    std::cout << fmt::format("{:<{}} {:<{}} {}\n", status_label(finding.status), status_width,
                             tr(finding.check.c_str()), check_width, printable(finding.message));
    if (!finding.fix.empty()) {
      std::cout << fmt::format("{:<{}} {:<{}} {}\n", "", status_width, "", check_width,
                               trf("fix: {}", printable(finding.fix)));
    }
  }
  if (!settings.quiet) {
    std::cout << (warnings == 0 ? std::string(tr("doctor: everything checked is fine\n"))
                                : trf("doctor: {} warning(s)\n", warnings));
  }
  return report.has_warnings() ? static_cast<int>(ErrorCode::doctor_warnings) : 0;
}

}  // namespace

Command add_doctor_command(CLI::App& app, GlobalSettings& settings) {
  Command command;
  command.results_on_stdout = true;
  command.app = app.add_subcommand("doctor", "Check modes, backup location and the account's privileges; print fixes");
  command.app->footer(
      "Checks: the config, password and defaults files are 0600 (no group/other access); the backup\n"
      "folder is 0700 and its backups and logs 0600; the folder, its backups, logs and verification\n"
      "state belong to the user running doctor (another owner could swap the backups; run doctor as\n"
      "the user that runs the backups); the backup folder is not on the filesystem of a\n"
      "local server's datadir; the account holds SELECT, SHOW VIEW, TRIGGER, EVENT (required) and\n"
      "LOCK TABLES, RELOAD, PROCESS, BINLOG MONITOR or REPLICATION CLIENT (optional: it says why).\n"
      "With --offsite: the S3 credentials are found (and their file private), the endpoint answers, the\n"
      "credentials and the clock are accepted, the bucket exists and the key may list the prefix.\n"
      "Each problem comes with the command that fixes it. -q prints only the warnings.\n"
      "Exit status: 0 when nothing needs fixing (notes allowed), 17 when there is a warning.");
  command.action = [&settings]() { return doctor(settings); };
  return command;
}

}  // namespace ifnbackup::cli
