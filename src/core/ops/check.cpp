// The procedure's four alerts as one pure function: no good backup for too long, little free space,
// a backup that failed verification, a failed last backup run; and its weekly restore test (the last
// drill failed, or none lately). Severities: docs/monitoring.md.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "ifnbackup/status.hpp"

namespace ifnbackup {

using Clock = std::chrono::system_clock;

namespace {

std::string hours_text(std::chrono::seconds age) {
  const auto s = age.count();
  if (s < 3600) {
    return fmt::format("{} min", s / 60);
  }
  return fmt::format("{:.1f} h", static_cast<double>(s) / 3600.0);
}

// Hours up to two days, then days: a drill is weekly.
std::string age_text(std::chrono::seconds age) {
  if (age < std::chrono::hours(48)) {
    return hours_text(age);
  }
  return fmt::format("{:.1f} days", static_cast<double>(age.count()) / 86400.0);
}

std::string run_time(Clock::time_point when) {
  const std::time_t t = Clock::to_time_t(when);
  std::tm local{};
  ::localtime_r(&t, &local);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &local);
  return buffer;
}

}  // namespace

const char* check_status_name(CheckStatus status) noexcept {
  switch (status) {
    case CheckStatus::ok: return "OK";
    case CheckStatus::warning: return "WARNING";
    case CheckStatus::critical: return "CRITICAL";
    case CheckStatus::unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

CheckReport evaluate_check(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                           Clock::time_point now) {
  CheckReport report;
  const auto max_age = thresholds.max_age.count();
  if (!situation.folder_readable) {
    report.status = CheckStatus::unknown;
    report.alerts.push_back({CheckStatus::unknown, situation.folder_problem});
    return report;
  }
  auto alert = [&report](CheckStatus status, std::string text) { report.alerts.push_back({status, std::move(text)}); };
  std::vector<std::string> fine;

  // 1. "Aucun backup depuis plus de 25 heures": dated by the name of the newest good backup.
  const BackupSummary* good = situation.newest_good();
  std::optional<std::int64_t> age_seconds;
  if (good == nullptr) {
    alert(CheckStatus::critical, situation.backups.empty()
                                     ? "no backup in the folder"
                                     : fmt::format("no good backup among {} (none verified good)",
                                                   situation.backups.size()));
  } else {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - good->taken);
    age_seconds = age.count();
    if (age.count() > max_age) {
      alert(CheckStatus::critical,
            fmt::format("newest good backup {} is {} old (max {})", good->name, hours_text(age),
                        hours_text(thresholds.max_age)));
    } else {
      fine.push_back(fmt::format("newest good backup {} is {} old", good->name, hours_text(age)));
    }
  }

  // 2. "Backup corrompu détecté": the newest backup bad is critical (the last night is lost);
  // an older one is a warning (a newer good one exists, but a restore point is gone).
  const std::size_t failures = situation.verify_failures();
  if (!situation.backups.empty() && situation.backups.front().health == Health::bad) {
    const auto& newest = situation.backups.front();
    alert(CheckStatus::critical, fmt::format("newest backup {} failed verification: {}", newest.name, newest.reason));
  }
  const std::size_t older_failures =
      failures - ((!situation.backups.empty() && situation.backups.front().health == Health::bad) ? 1 : 0);
  if (older_failures > 0) {
    alert(CheckStatus::warning, fmt::format("{} older backup(s) failed verification", older_failures));
  }

  // 2b. The newest backup verifies but its schema check failed: no restore of it succeeds as it is.
  if (!situation.backups.empty() && situation.backups.front().health == Health::unrestorable) {
    const auto& newest = situation.backups.front();
    alert(CheckStatus::critical,
          fmt::format("newest backup {} is not restorable as is: {}", newest.name, newest.reason));
  }

  // 3. "Échec du cron job": the last backup run, from the journal.
  if (const RunRecord* last = situation.last_run("backup"); last != nullptr) {
    if (!last->ok()) {
      alert(CheckStatus::critical, fmt::format("last backup run failed ({}, {}, exit {}): {}", run_time(last->start),
                                               last->result, last->exit_code, last->message));
    }
  }

  // 4. "Espace disque < 10%": a warning; critical once the next backup cannot fit.
  if (situation.space) {
    const double percent = situation.space->free_percent();
    const std::uint64_t next_size = good != nullptr ? good->size
                                    : situation.backups.empty() ? 0
                                                                : situation.backups.front().size;
    if (situation.space->free_bytes < next_size) {
      alert(CheckStatus::critical,
            fmt::format("free space {:.1f} % ({} bytes) is less than one backup ({} bytes)", percent,
                        situation.space->free_bytes, next_size));
    } else if (percent < thresholds.min_free_percent) {
      alert(CheckStatus::warning,
            fmt::format("free space {:.1f} % is under {:.0f} %", percent, thresholds.min_free_percent));
    } else {
      fine.push_back(fmt::format("{:.1f} % free", percent));
    }
  }

  // 5. The weekly "test de restauration" (ifnbackup drill): a failed last drill is critical — the
  // backup did not restore as dumped, or the drill could not run —; none successful lately, a warning.
  std::optional<std::int64_t> drill_age_seconds;
  if (thresholds.drill_max_age.count() > 0) {
    const RunRecord* last_drill = situation.last_run("drill");
    const RunRecord* good_drill = situation.last_successful_run("drill");
    std::chrono::seconds drill_age{0};
    if (good_drill != nullptr) {
      drill_age = std::chrono::duration_cast<std::chrono::seconds>(now - good_drill->end);
      drill_age_seconds = drill_age.count();
    }
    if (last_drill != nullptr && !last_drill->ok()) {
      alert(CheckStatus::critical,
            fmt::format("last restore drill failed ({}, {}, exit {}): {}", run_time(last_drill->start),
                        last_drill->result, last_drill->exit_code, last_drill->message));
    } else if (good_drill == nullptr) {
      alert(CheckStatus::warning,
            "no restore drill in the journal: run ifnbackup drill weekly (schedule --drill)");
    } else if (drill_age > thresholds.drill_max_age) {
      alert(CheckStatus::warning, fmt::format("last restore drill is {} old (max {})", age_text(drill_age),
                                              age_text(thresholds.drill_max_age)));
    } else {
      fine.push_back(fmt::format("restore drill {} old ({} of {} tables proven)", age_text(drill_age),
                                 good_drill->tables_proven, good_drill->tables));
    }
  }

  std::stable_sort(report.alerts.begin(), report.alerts.end(),
                   [](const CheckAlert& a, const CheckAlert& b) { return a.status > b.status; });
  report.status = report.alerts.empty() ? CheckStatus::ok : report.alerts.front().status;
  fine.push_back(fmt::format("{} backup(s)", situation.backups.size()));
  std::string summary;
  for (const auto& part : fine) {
    summary += (summary.empty() ? "" : ", ") + part;
  }
  report.summary = summary;

  std::string perf;
  if (age_seconds) {
    perf += fmt::format("age={}s;;{};0 ", *age_seconds, max_age);
  }
  if (situation.space) {
    perf += fmt::format("free={:.2f}%;{:.0f};;0;100 free_bytes={}B;;;0;{} ", situation.space->free_percent(),
                        thresholds.min_free_percent, situation.space->free_bytes, situation.space->total_bytes);
  }
  perf += fmt::format("backups={};;;0 verify_failures={};;1;0", situation.backups.size(), failures);
  if (good != nullptr) {
    perf += fmt::format(" size={}B;;;0", good->size);
  }
  if (drill_age_seconds) {
    perf += fmt::format(" drill_age={}s;{};;0", *drill_age_seconds, thresholds.drill_max_age.count());
  }
  report.perfdata = perf;
  return report;
}

std::string format_check_line(const CheckReport& report) {
  std::string text;
  for (const auto& alert : report.alerts) {
    text += (text.empty() ? "" : "; ") + alert.text;
  }
  if (report.status == CheckStatus::ok) {
    text = report.summary;
  }
  // '|' separates perfdata for Nagios: never inside the text.
  std::replace(text.begin(), text.end(), '|', '/');
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::string line = fmt::format("IFNBACKUP {} - {}", check_status_name(report.status), text);
  if (!report.perfdata.empty()) {
    line += " | " + report.perfdata;
  }
  return line;
}

}  // namespace ifnbackup
