// The procedure's four alerts as one pure function: no good backup for too long, little free space,
// a backup that failed verification, a failed last backup run; and its weekly restore test (the last
// drill failed, or none lately); with --offsite, the copy off the machine (none lately, upload failed). Severities:
// docs/monitoring.md.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "ifnbackup/i18n.hpp"
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
  return trf("{:.1f} days", static_cast<double>(age.count()) / 86400.0);
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
    case CheckStatus::ok:
      return "OK";
    case CheckStatus::warning:
      return "WARNING";
    case CheckStatus::critical:
      return "CRITICAL";
    case CheckStatus::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

namespace {

// What evaluate_check() finds, alert by alert: the alerts, and the figures that are fine for the summary.
struct Findings {
  CheckReport report;
  std::vector<std::string> fine;
  void alert(CheckStatus status, std::string text) { report.alerts.push_back({status, std::move(text)}); }
};

// 1. "Aucun backup depuis plus de 25 heures": dated by the name of the newest good backup. Its age.
std::optional<std::int64_t> check_newest_good(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                                              Clock::time_point now, Findings& findings) {
  const BackupSummary* good = situation.newest_good();
  if (good == nullptr) {
    findings.alert(CheckStatus::critical,
                   situation.backups.empty()
                       ? std::string(tr("no backup in the folder"))
                       : trf("no good backup among {} (none verified good)", situation.backups.size()));
    return std::nullopt;
  }
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - good->taken);
  if (age.count() > thresholds.max_age.count()) {
    findings.alert(CheckStatus::critical, trf("newest good backup {} is {} old (max {})", good->name, hours_text(age),
                                              hours_text(thresholds.max_age)));
  } else {
    findings.fine.push_back(trf("newest good backup {} is {} old", good->name, hours_text(age)));
  }
  return age.count();
}

// 2. "Backup corrompu détecté": the newest backup bad is critical (the last night is lost);
// an older one is a warning (a newer good one exists, but a restore point is gone).
// 2b. The newest backup verifies but its schema check failed: no restore of it succeeds as it is.
void check_verifications(const MonitoringSituation& situation, Findings& findings) {
  const bool newest_bad = !situation.backups.empty() && situation.backups.front().health == Health::bad;
  if (newest_bad) {
    const auto& newest = situation.backups.front();
    findings.alert(CheckStatus::critical, trf("newest backup {} failed verification: {}", newest.name, newest.reason));
  }
  const std::size_t older_failures = situation.verify_failures() - (newest_bad ? 1 : 0);
  if (older_failures > 0) {
    findings.alert(CheckStatus::warning, trf("{} older backup(s) failed verification", older_failures));
  }
  if (!situation.backups.empty() && situation.backups.front().health == Health::unrestorable) {
    const auto& newest = situation.backups.front();
    findings.alert(CheckStatus::critical,
                   trf("newest backup {} is not restorable as is: {}", newest.name, newest.reason));
  }
}

// 3. "Échec du cron job": the last backup run, from the journal.
void check_last_backup_run(const MonitoringSituation& situation, Findings& findings) {
  if (const RunRecord* last = situation.last_run("backup"); last != nullptr && !last->ok()) {
    findings.alert(CheckStatus::critical, trf("last backup run failed ({}, {}, exit {}): {}", run_time(last->start),
                                              last->result, last->exit_code, last->message));
  }
}

// 4. "Espace disque < 10%": a warning; critical once the next backup cannot fit.
void check_space(const MonitoringSituation& situation, const CheckThresholds& thresholds, Findings& findings) {
  if (!situation.space) {
    return;
  }
  const BackupSummary* good = situation.newest_good();
  const double percent = situation.space->free_percent();
  const std::uint64_t next_size = good != nullptr             ? good->size
                                  : situation.backups.empty() ? 0
                                                              : situation.backups.front().size;
  if (situation.space->free_bytes < next_size) {
    findings.alert(CheckStatus::critical, trf("free space {:.1f} % ({} bytes) is less than one backup ({} bytes)",
                                              percent, situation.space->free_bytes, next_size));
  } else if (percent < thresholds.min_free_percent) {
    findings.alert(CheckStatus::warning,
                   trf("free space {:.1f} % is under {:.0f} %", percent, thresholds.min_free_percent));
  } else {
    // xgettext:no-c-format
    findings.fine.push_back(trf("{:.1f} % free", percent));
  }
}

// 5. The weekly "test de restauration" (ifnbackup drill): a failed last drill is critical — the
// backup did not restore as dumped, or the drill could not run —; none successful lately, a warning.
// The age of the last good drill.
std::optional<std::int64_t> check_drill(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                                        Clock::time_point now, Findings& findings) {
  if (thresholds.drill_max_age.count() <= 0) {
    return std::nullopt;
  }
  std::optional<std::int64_t> drill_age_seconds;
  const RunRecord* last_drill = situation.last_run("drill");
  const RunRecord* good_drill = situation.last_successful_run("drill");
  std::chrono::seconds drill_age{0};
  if (good_drill != nullptr) {
    drill_age = std::chrono::duration_cast<std::chrono::seconds>(now - good_drill->end);
    drill_age_seconds = drill_age.count();
  }
  if (last_drill != nullptr && !last_drill->ok()) {
    findings.alert(CheckStatus::critical,
                   trf("last restore drill failed ({}, {}, exit {}): {}", run_time(last_drill->start),
                       last_drill->result, last_drill->exit_code, last_drill->message));
  } else if (good_drill == nullptr) {
    findings.alert(CheckStatus::warning,
                   tr("no restore drill in the journal: run ifnbackup drill weekly (schedule --drill)"));
  } else if (drill_age > thresholds.drill_max_age) {
    findings.alert(CheckStatus::warning, trf("last restore drill is {} old (max {})", age_text(drill_age),
                                             age_text(thresholds.drill_max_age)));
  } else {
    findings.fine.push_back(trf("restore drill {} old ({} of {} tables proven)", age_text(drill_age),
                                good_drill->tables_proven, good_drill->tables));
  }
  return drill_age_seconds;
}

// 6. The offsite copy (--offsite): from the journal, no network call. None, too old, or the last upload
// failed: a warning (the local backups are there; the copy off the machine is what is missing). Its age.
std::optional<std::int64_t> check_offsite(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                                          Clock::time_point now, Findings& findings) {
  if (!thresholds.offsite) {
    return std::nullopt;
  }
  std::optional<std::int64_t> age_seconds;
  const auto newest = situation.newest_offsite(now);
  if (!newest) {
    findings.alert(CheckStatus::warning,
                   "no offsite copy in the journal: run ifnbackup push (backup --offsite copies each new backup)");
  } else {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - newest->taken);
    age_seconds = age.count();
    if (age > thresholds.offsite_max_age) {
      findings.alert(CheckStatus::warning, fmt::format("newest offsite copy {} is {} old (max {})", newest->name,
                                                       age_text(age), age_text(thresholds.offsite_max_age)));
    } else {
      findings.fine.push_back(fmt::format("offsite copy {} old", age_text(age)));
    }
  }
  if (const RunRecord* upload = situation.last_offsite_upload(); upload != nullptr && upload->offsite != "ok") {
    findings.alert(CheckStatus::warning, fmt::format("last offsite upload failed ({} {}): {}", upload->command,
                                                     run_time(upload->start), upload->offsite_message));
  }
  // The binary log archive's whole logs: one that has waited longer than the copies may be old is a warning.
  if (const auto archive = situation.offsite_archive(); archive && archive->behind > 0) {
    const auto waiting = std::chrono::seconds(
        std::max<std::int64_t>(0, Clock::to_time_t(now) - static_cast<std::int64_t>(archive->waiting_since)));
    if (waiting > thresholds.offsite_max_age) {
      findings.alert(
          CheckStatus::warning,
          trf("binary log archive offsite is {} complete log(s) behind the folder's ({} complete for {}, "
              "max {}): run ifnbackup push",
              archive->behind, archive->first_behind, age_text(waiting), age_text(thresholds.offsite_max_age)));
    } else {
      findings.fine.push_back(trf("binary log offsite {} log(s) behind", archive->behind));
    }
  } else if (archive) {
    findings.fine.push_back(trf("binary log offsite to {}", archive->newest.empty() ? "-" : archive->newest));
  }
  return age_seconds;
}

// 7. The binary log archive (docs/pitr.md), when the folder holds one: a gap or an archive that cannot
// be read is critical (a restore across it is refused); a recovery point older than the maximum lag is a
// warning, "stopped" when no archiver holds the archive's lock. The lag.
std::optional<std::int64_t> check_binlog(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                                         Clock::time_point now, Findings& findings) {
  const auto& archive = situation.binlog;
  if (!archive.exists) {
    return std::nullopt;
  }
  if (!archive.problem.empty()) {
    findings.alert(CheckStatus::critical, trf("binary log archive cannot be read: {}", archive.problem));
    return std::nullopt;
  }
  if (!archive.gaps.empty()) {
    findings.alert(CheckStatus::critical,
                   trf("binary log archive has {} gap(s) ({}): no restore --until across it; take a full backup",
                       archive.gaps.size(), archive.gaps.back()));
  }
  if (archive.recovery_point() == 0) {
    findings.alert(CheckStatus::warning, tr("binary log archive holds no event yet: run ifnbackup binlog archive"));
    return std::nullopt;
  }
  const auto lag =
      std::max<std::int64_t>(0, Clock::to_time_t(now) - static_cast<std::int64_t>(archive.recovery_point()));
  if (lag > thresholds.binlog_max_lag.count()) {
    const auto age = std::chrono::seconds(lag);
    findings.alert(CheckStatus::warning,
                   archive.archiver_running
                       ? trf("binary log archive lags {} behind (max {}): the archiver runs but is behind the server",
                             age_text(age), age_text(thresholds.binlog_max_lag))
                       : trf("binary log archiver stopped: the archive is {} behind (max {}); run ifnbackup binlog "
                             "archive --follow as a service",
                             age_text(age), age_text(thresholds.binlog_max_lag)));
  } else {
    findings.fine.push_back(trf("binary log archived to {} s ago", lag));
  }
  return lag;
}

// Nagios performance data: the ages, the free space, the counts.
std::string perfdata(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                     std::optional<std::int64_t> age_seconds, std::optional<std::int64_t> drill_age_seconds,
                     std::optional<std::int64_t> offsite_age_seconds, std::optional<std::int64_t> binlog_lag) {
  std::string perf;
  if (age_seconds) {
    perf += fmt::format("age={}s;;{};0 ", *age_seconds, thresholds.max_age.count());
  }
  if (situation.space) {
    perf += fmt::format("free={:.2f}%;{:.0f};;0;100 free_bytes={}B;;;0;{} ", situation.space->free_percent(),
                        thresholds.min_free_percent, situation.space->free_bytes, situation.space->total_bytes);
  }
  perf += fmt::format("backups={};;;0 verify_failures={};;1;0", situation.backups.size(), situation.verify_failures());
  if (const BackupSummary* good = situation.newest_good(); good != nullptr) {
    perf += fmt::format(" size={}B;;;0", good->size);
  }
  if (drill_age_seconds) {
    perf += fmt::format(" drill_age={}s;{};;0", *drill_age_seconds, thresholds.drill_max_age.count());
  }
  if (offsite_age_seconds) {
    perf += fmt::format(" offsite_age={}s;{};;0", *offsite_age_seconds, thresholds.offsite_max_age.count());
  }
  if (binlog_lag) {
    perf += fmt::format(" binlog_lag={}s;{};;0", *binlog_lag, thresholds.binlog_max_lag.count());
  }
  return perf;
}

}  // namespace

CheckReport evaluate_check(const MonitoringSituation& situation, const CheckThresholds& thresholds,
                           Clock::time_point now) {
  if (!situation.folder_readable) {
    CheckReport report;
    report.status = CheckStatus::unknown;
    report.alerts.push_back({CheckStatus::unknown, situation.folder_problem.local});
    return report;
  }
  Findings findings;
  const auto age_seconds = check_newest_good(situation, thresholds, now, findings);
  check_verifications(situation, findings);
  check_last_backup_run(situation, findings);
  check_space(situation, thresholds, findings);
  const auto drill_age_seconds = check_drill(situation, thresholds, now, findings);
  const auto offsite_age_seconds = check_offsite(situation, thresholds, now, findings);
  const auto binlog_lag = check_binlog(situation, thresholds, now, findings);

  CheckReport& report = findings.report;
  std::stable_sort(report.alerts.begin(), report.alerts.end(),
                   [](const CheckAlert& a, const CheckAlert& b) { return a.status > b.status; });
  report.status = report.alerts.empty() ? CheckStatus::ok : report.alerts.front().status;
  findings.fine.push_back(trf("{} backup(s)", situation.backups.size()));
  std::string summary;
  for (const auto& part : findings.fine) {
    summary += (summary.empty() ? "" : ", ") + part;
  }
  report.summary = summary;
  report.perfdata = perfdata(situation, thresholds, age_seconds, drill_age_seconds, offsite_age_seconds, binlog_lag);
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
