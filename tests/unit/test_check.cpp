// check as a pure function (situation -> status), the day-by-day history and the metrics text.
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ifnbackup/status.hpp"

namespace ifnbackup {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

// All times in UTC so local days are predictable.
class UtcZone : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    ::unsetenv("TZ");
    ::tzset();
  }
};

const Clock::time_point k_now = Clock::time_point(std::chrono::seconds(1764036000));  // 2025-11-25 02:00:00 UTC

BackupSummary backup(std::chrono::hours age, Health health, std::uint64_t size = 1000) {
  BackupSummary b;
  b.taken = k_now - age;
  const std::time_t t = Clock::to_time_t(b.taken);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  b.local = {tm.tm_year + 1900,
             static_cast<unsigned>(tm.tm_mon + 1),
             static_cast<unsigned>(tm.tm_mday),
             static_cast<unsigned>(tm.tm_hour),
             0,
             0};
  b.name = "ifn_connect_backup_" + std::to_string(age.count()) + "h.sql.gz";
  b.size = size;
  b.health = health;
  b.reason = health == Health::bad ? "gzip CRC mismatch" : "";
  return b;
}

RunRecord backup_run(std::chrono::hours age, int exit_code, const char* result, const char* command = "backup") {
  RunRecord r;
  r.command = command;
  r.start = k_now - age;
  r.end = r.start + 2s;
  r.duration_ms = 2000;
  r.exit_code = exit_code;
  r.result = result;
  r.message = exit_code == 0 ? "" : "Access denied";
  r.bytes = 1000;
  r.rows = 42;
  return r;
}

// A drill that ended `age` ago: 25 of 26 tables proven, the restore took 90 s.
RunRecord drill_run(std::chrono::hours age, int exit_code, const char* result) {
  RunRecord r;
  r.command = "drill";
  r.end = k_now - age;
  r.start = r.end - 95s;
  r.duration_ms = 95000;
  r.exit_code = exit_code;
  r.result = result;
  r.message = exit_code == 0 ? "" : "drill failed: content differs from the backup's digest: `merchants`";
  r.file = "ifn_connect_backup_48h.sql.gz";
  r.database = "ifn_connect_drill";
  r.tables = exit_code == 0 ? 26 : 0;
  r.tables_proven = exit_code == 0 ? 25 : 0;
  r.restore_ms = exit_code == 0 ? 90000 : 0;
  return r;
}

DiskSpace space(double free_percent, std::uint64_t total = 1000000) {
  return {static_cast<std::uint64_t>(free_percent / 100.0 * static_cast<double>(total)), total};
}

struct CheckCase {
  const char* what;
  MonitoringSituation situation;
  CheckStatus expected;
  const char* text;  // in the line
};

MonitoringSituation healthy() {
  MonitoringSituation s;
  s.backup_dir = "/var/backups/ifn";
  s.backups = {backup(2h, Health::good), backup(26h, Health::good)};
  s.space = space(50);
  s.runs = {backup_run(26h, 0, "ok"), drill_run(24h * 2, 0, "ok"), backup_run(2h, 0, "ok")};
  return s;
}

std::vector<CheckCase> check_cases() {
  std::vector<CheckCase> cases;
  cases.push_back({"fresh good backup, space, last run ok", healthy(), CheckStatus::ok, "2.0 h old"});
  {
    auto s = healthy();
    s.backups = {backup(26h, Health::good)};
    cases.push_back({"newest good backup 26 h old", s, CheckStatus::critical, "26.0 h old (max 25.0 h)"});
  }
  {
    auto s = healthy();
    s.backups = {backup(2h, Health::unknown), backup(26h, Health::good)};
    cases.push_back({"newest never verified: the good one is 26 h old", s, CheckStatus::critical, "26.0 h old"});
  }
  {
    auto s = healthy();
    s.backups = {backup(24h, Health::good)};
    cases.push_back({"24 h old is within 25 h", s, CheckStatus::ok, "24.0 h old"});
  }
  {
    auto s = healthy();
    s.backups.clear();
    cases.push_back({"no backup at all", s, CheckStatus::critical, "no backup in the folder"});
  }
  {
    auto s = healthy();
    s.backups = {backup(2h, Health::bad), backup(26h, Health::good)};
    cases.push_back({"newest backup failed verification", s, CheckStatus::critical,
                     "newest backup ifn_connect_backup_2h.sql.gz failed verification: gzip CRC mismatch"});
  }
  {
    auto s = healthy();
    s.backups.push_back(backup(50h, Health::bad));
    cases.push_back(
        {"an older backup failed verification", s, CheckStatus::warning, "1 older backup(s) failed verification"});
  }
  {
    auto s = healthy();
    s.runs.push_back(backup_run(1h, 4, "connection"));
    cases.push_back({"last backup run failed", s, CheckStatus::critical,
                     "last backup run failed (2025-11-25 01:00, connection, exit 4): Access denied"});
  }
  {
    auto s = healthy();
    s.runs.push_back(backup_run(1h, 4, "connection"));
    s.runs.push_back(backup_run(0h, 0, "ok"));
    cases.push_back({"a failed run followed by a good one", s, CheckStatus::ok, "backup(s)"});
  }
  {
    auto s = healthy();
    s.runs.push_back(backup_run(1h, 0, "ok"));
    s.runs.push_back(backup_run(0h, 10, "corrupt", "verify"));
    cases.push_back({"only backup runs count as the cron job", s, CheckStatus::ok, "50.0 % free"});
  }
  {
    auto s = healthy();
    s.space = space(9.5);
    cases.push_back({"free space under 10 %", s, CheckStatus::warning, "free space 9.5 % is under 10 %"});
  }
  {
    auto s = healthy();
    s.space = space(10);
    cases.push_back({"exactly 10 % free is fine", s, CheckStatus::ok, "10.0 % free"});
  }
  {
    auto s = healthy();
    s.space = DiskSpace{500, 1000000};
    cases.push_back({"the next backup cannot fit", s, CheckStatus::critical, "less than one backup"});
  }
  {
    auto s = healthy();
    s.space.reset();
    cases.push_back({"free space unknown: no space alert", s, CheckStatus::ok, "2 backup(s)"});
  }
  {
    auto s = healthy();
    s.space = space(5);
    s.runs.push_back(backup_run(1h, 5, "lock_held"));
    cases.push_back({"warning and critical together: critical", s, CheckStatus::critical, "lock_held"});
  }
  // The weekly restore drill.
  cases.push_back({"a drill 2 days ago is fine and said so", healthy(), CheckStatus::ok,
                   "restore drill 2.0 days old (25 of 26 tables proven)"});
  {
    auto s = healthy();
    s.runs.push_back(drill_run(1h, 18, "content_mismatch"));
    cases.push_back({"the last drill failed", s, CheckStatus::critical,
                     "last restore drill failed (2025-11-25 00:58, content_mismatch, exit 18): drill failed: content "
                     "differs"});
  }
  {
    auto s = healthy();
    s.runs.push_back(drill_run(3h, 13, "restore_rolled_back"));
    s.runs.push_back(drill_run(1h, 0, "ok"));
    cases.push_back({"a failed drill followed by a good one", s, CheckStatus::ok, "restore drill 1.0 h old"});
  }
  {
    auto s = healthy();
    s.runs = {backup_run(26h, 0, "ok"), backup_run(2h, 0, "ok")};
    cases.push_back({"no drill in the journal", s, CheckStatus::warning,
                     "no restore drill in the journal: run ifnbackup drill weekly"});
  }
  {
    auto s = healthy();
    s.runs = {drill_run(24h * 9, 0, "ok"), backup_run(2h, 0, "ok")};
    cases.push_back({"the last good drill is 9 days old", s, CheckStatus::warning,
                     "last restore drill is 9.0 days old (max 8.0 days)"});
  }
  {
    auto s = healthy();
    s.runs = {drill_run(24h * 8, 0, "ok"), backup_run(2h, 0, "ok")};
    cases.push_back({"a drill exactly 8 days old is within 8 days", s, CheckStatus::ok, "restore drill 8.0 days old"});
  }
  {
    auto s = healthy();
    s.runs = {drill_run(24h * 20, 0, "ok"), drill_run(1h, 5, "lock_held"), backup_run(2h, 0, "ok")};
    cases.push_back({"an old good drill and a failed last one: the failure is what counts", s, CheckStatus::critical,
                     "last restore drill failed"});
  }
  {
    MonitoringSituation s;
    s.backup_dir = "/nope";
    s.folder_readable = false;
    s.folder_problem = "backup folder /nope does not exist";
    cases.push_back({"folder missing", s, CheckStatus::unknown, "IFNBACKUP UNKNOWN - backup folder /nope"});
  }
  return cases;
}

class CheckTable : public UtcZone {};

TEST_F(CheckTable, SituationToStatus) {
  for (const auto& c : check_cases()) {
    const auto report = evaluate_check(c.situation, CheckThresholds{}, k_now);
    const std::string line = format_check_line(report);
    EXPECT_EQ(report.status, c.expected) << c.what << ": " << line;
    EXPECT_NE(line.find(c.text), std::string::npos) << c.what << ": " << line;
    EXPECT_EQ(line.rfind(std::string("IFNBACKUP ") + check_status_name(c.expected) + " - ", 0), 0u) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << c.what;
  }
}

TEST_F(CheckTable, ThresholdsAreTheOperators) {
  auto s = healthy();
  CheckThresholds strict;
  strict.max_age = 1h;
  strict.min_free_percent = 60;
  const auto report = evaluate_check(s, strict, k_now);
  EXPECT_EQ(report.status, CheckStatus::critical);
  ASSERT_EQ(report.alerts.size(), 2u);
  EXPECT_EQ(report.alerts[0].status, CheckStatus::critical) << "worst first";
  EXPECT_EQ(report.alerts[1].status, CheckStatus::warning);
}

TEST_F(CheckTable, DrillMaxAgeZeroTurnsTheDrillAlertOff) {
  auto s = healthy();
  s.runs = {backup_run(2h, 0, "ok"), drill_run(1h, 18, "content_mismatch")};
  CheckThresholds no_drill;
  no_drill.drill_max_age = 0s;
  const auto report = evaluate_check(s, no_drill, k_now);
  EXPECT_EQ(report.status, CheckStatus::ok) << format_check_line(report);
  EXPECT_EQ(report.perfdata.find("drill_age"), std::string::npos) << report.perfdata;
  s.runs = {backup_run(2h, 0, "ok")};
  EXPECT_EQ(evaluate_check(s, no_drill, k_now).status, CheckStatus::ok) << "no drill at all";

  CheckThresholds weekly;
  weekly.drill_max_age = 24h;
  s = healthy();
  const auto strict = evaluate_check(s, weekly, k_now);
  EXPECT_EQ(strict.status, CheckStatus::warning);
  EXPECT_NE(format_check_line(strict).find("last restore drill is 2.0 days old (max 24.0 h)"), std::string::npos)
      << format_check_line(strict);
}

TEST_F(CheckTable, PerfdataAfterOneBar) {
  const auto line = format_check_line(evaluate_check(healthy(), CheckThresholds{}, k_now));
  const auto bar = line.find(" | ");
  ASSERT_NE(bar, std::string::npos) << line;
  EXPECT_EQ(line.find('|', bar + 2), std::string::npos) << "a single '|'";
  const std::string perf = line.substr(bar + 3);
  EXPECT_EQ(perf,
            "age=7200s;;90000;0 free=50.00%;10;;0;100 free_bytes=500000B;;;0;1000000 backups=2;;;0 "
            "verify_failures=0;;1;0 size=1000B;;;0 drill_age=172800s;691200;;0");
  // Nagios perfdata: 'label'=value[UOM];[warn];[crit];[min];[max], space separated.
  const std::regex item(R"([a-z_]+=-?[0-9.]+(s|%|B)?(;[0-9.]*){0,4})");
  std::istringstream items(perf);
  for (std::string one; items >> one;) {
    EXPECT_TRUE(std::regex_match(one, item)) << one;
  }
}

TEST_F(CheckTable, BarInAMessageDoesNotBreakPerfdata) {
  auto s = healthy();
  auto failed = backup_run(1h, 7, "server");
  failed.message = "query failed | retry";
  s.runs.push_back(failed);
  const auto line = format_check_line(evaluate_check(s, CheckThresholds{}, k_now));
  EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 1) << line;
}

class History : public UtcZone {};

TEST_F(History, OneStatePerDayOldestFirst) {
  MonitoringSituation s;
  s.backups = {backup(1h, Health::good, 300), backup(2h, Health::bad, 999),  // today: a good one wins
               backup(26h, Health::unknown, 200),                            // yesterday: unverified
               backup(74h, Health::bad, 100)};                               // 3 days ago: failed
  s.runs = {backup_run(50h, 4, "connection")};                               // 2 days ago: failed run
  const auto history = backup_history(s, k_now, 30);
  ASSERT_EQ(history.size(), 30u);
  EXPECT_EQ(history.back().year, 2025);
  EXPECT_EQ(history.back().month, 11u);
  EXPECT_EQ(history.back().day, 25u);
  EXPECT_EQ(history.front().month, 10u);
  EXPECT_EQ(history.front().day, 27u);
  EXPECT_EQ(history[29].state, DayState::ok);
  EXPECT_EQ(history[29].backups, 2u);
  EXPECT_EQ(history[29].bytes, 300u) << "the good backup's size";
  EXPECT_EQ(history[28].state, DayState::unverified);
  EXPECT_EQ(history[27].state, DayState::failed);
  EXPECT_EQ(history[26].state, DayState::failed);
  EXPECT_EQ(history[26].bytes, 100u);
  EXPECT_EQ(history[0].state, DayState::missing);
}

TEST_F(History, BackupsOlderThanTheWindowAreLeftOut) {
  MonitoringSituation s;
  s.backups = {backup(24h * 40, Health::good)};
  for (const auto& day : backup_history(s, k_now, 30)) {
    EXPECT_EQ(day.state, DayState::missing);
  }
}

// A strict reading of the text format: HELP and TYPE once per metric, before its samples; sample
// lines `name{labels} value`; a trailing newline.
TEST_F(UtcZone, MetricsTextIsValidExposition) {
  auto s = healthy();
  s.backup_dir = "/var/backups/\"ifn\"\\x";
  s.backups.push_back(backup(50h, Health::bad));
  const std::string text = format_metrics(s, CheckStatus::warning);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::regex help(R"(# HELP (ifnbackup_[a-z_]+) \S.*)");
  const std::regex type(R"(# TYPE (ifnbackup_[a-z_]+) gauge)");
  const std::regex sample(R"re((ifnbackup_[a-z_]+)\{backup_dir="((?:[^"\\]|\\.)*)"\} (-?[0-9]+(\.[0-9]+)?))re");
  std::map<std::string, std::string> values;
  std::set<std::string> helped, typed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
    } else if (std::regex_match(line, m, type)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP: " << line;
      EXPECT_TRUE(typed.insert(m[1]).second) << line;
    } else if (std::regex_match(line, m, sample)) {
      EXPECT_TRUE(typed.count(m[1])) << "sample before TYPE: " << line;
      EXPECT_EQ(m[2].str(), "/var/backups/\\\"ifn\\\"\\\\x");
      values[m[1]] = m[3];
    } else {
      ADD_FAILURE() << "not exposition format: " << line;
    }
  }
  EXPECT_EQ(values["ifnbackup_last_success_timestamp_seconds"],
            "1764028802");  // end of the 2 h old run: 02:00 - 2 h + 2 s
  EXPECT_EQ(values["ifnbackup_last_backup_duration_seconds"], "2");
  EXPECT_EQ(values["ifnbackup_last_backup_size_bytes"], "1000");
  EXPECT_EQ(values["ifnbackup_last_backup_rows"], "42");
  EXPECT_EQ(values["ifnbackup_last_backup_success"], "1");
  EXPECT_EQ(values["ifnbackup_verify_failures"], "1");
  EXPECT_EQ(values["ifnbackup_backups"], "3");
  EXPECT_EQ(values["ifnbackup_free_bytes"], "500000");
  EXPECT_EQ(values["ifnbackup_check_status"], "1");
  EXPECT_EQ(values["ifnbackup_last_drill_success"], "1");
  EXPECT_EQ(values["ifnbackup_last_drill_exit_code"], "0");
  EXPECT_EQ(values["ifnbackup_last_drill_success_timestamp_seconds"], "1763863200");  // 2 days before 02:00
  EXPECT_EQ(values["ifnbackup_last_drill_duration_seconds"], "90") << "the restore's time, not the whole run's";
  EXPECT_EQ(values["ifnbackup_last_drill_tables_proven"], "25");
}

TEST_F(UtcZone, MetricsOfAFailedLastDrill) {
  auto s = healthy();
  s.runs.push_back(drill_run(1h, 18, "content_mismatch"));
  const std::string text = format_metrics(s);
  EXPECT_NE(text.find("ifnbackup_last_drill_success{backup_dir=\"/var/backups/ifn\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ifnbackup_last_drill_exit_code{backup_dir=\"/var/backups/ifn\"} 18\n"), std::string::npos);
  EXPECT_NE(text.find("ifnbackup_last_drill_success_timestamp_seconds{backup_dir=\"/var/backups/ifn\"} 1763863200\n"),
            std::string::npos)
      << "the age is that of the last successful drill";
}

TEST_F(UtcZone, MetricsWithoutAnyRun) {
  MonitoringSituation s;
  s.backup_dir = "/b";
  const std::string text = format_metrics(s);
  EXPECT_NE(text.find("ifnbackup_last_success_timestamp_seconds{backup_dir=\"/b\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ifnbackup_last_backup_success{backup_dir=\"/b\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ifnbackup_last_backup_exit_code{backup_dir=\"/b\"} -1\n"), std::string::npos);
  EXPECT_EQ(text.find("ifnbackup_check_status"), std::string::npos);
  EXPECT_NE(text.find("ifnbackup_last_drill_exit_code{backup_dir=\"/b\"} -1\n"), std::string::npos);
  EXPECT_NE(text.find("ifnbackup_last_drill_success_timestamp_seconds{backup_dir=\"/b\"} 0\n"), std::string::npos);
  EXPECT_EQ(text.find("ifnbackup_free_bytes"), std::string::npos) << "unknown space is not exported as 0";
}

}  // namespace
}  // namespace ifnbackup

// --- the offsite copy (issue 15): from the journal's offsite_file and offsite fields, no network call

namespace ifnbackup {
namespace {

std::string name_at(Clock::time_point when) {
  return format_backup_name(k_default_backup_prefix, when);
}

RunRecord offsite_run(std::chrono::hours age, const char* command, const char* offsite, const std::string& file) {
  RunRecord r = backup_run(age, 0, "ok", command);
  r.offsite = offsite;
  r.offsite_message = std::string(offsite) == "ok" ? "uploaded" : "SignatureDoesNotMatch";
  r.offsite_file = file;
  return r;
}

CheckThresholds offsite_thresholds() {
  CheckThresholds t;
  t.offsite = true;
  return t;
}

TEST_F(UtcZone, OffsiteFreshCopyIsOk) {
  auto s = healthy();
  s.runs.push_back(offsite_run(2h, "backup", "ok", name_at(k_now - 2h)));
  const auto report = evaluate_check(s, offsite_thresholds(), k_now);
  EXPECT_EQ(report.status, CheckStatus::ok) << format_check_line(report);
  EXPECT_NE(format_check_line(report).find("offsite copy 2.0 h old"), std::string::npos);
  EXPECT_NE(report.perfdata.find("offsite_age=7200s;93600;;0"), std::string::npos) << report.perfdata;
}

TEST_F(UtcZone, OffsiteStaleCopyWarns) {
  auto s = healthy();
  // The newest copy any run saw counts, whichever command saw it; an encrypted object counts as its backup.
  s.runs.push_back(offsite_run(40h, "backup", "ok", name_at(k_now - 40h)));
  s.runs.push_back(offsite_run(3h, "rotate", "ok", name_at(k_now - 30h) + ".age"));
  const auto report = evaluate_check(s, offsite_thresholds(), k_now);
  EXPECT_EQ(report.status, CheckStatus::warning);
  EXPECT_NE(
      format_check_line(report).find("newest offsite copy " + name_at(k_now - 30h) + ".age is 30.0 h old (max 26.0 h)"),
      std::string::npos)
      << format_check_line(report);
}

TEST_F(UtcZone, OffsiteFailedUploadWarnsEvenWithAFreshCopy) {
  auto s = healthy();
  s.runs.push_back(offsite_run(5h, "backup", "ok", name_at(k_now - 5h)));
  s.runs.push_back(offsite_run(1h, "push", "failed", ""));
  const auto report = evaluate_check(s, offsite_thresholds(), k_now);
  EXPECT_EQ(report.status, CheckStatus::warning);
  EXPECT_NE(format_check_line(report).find("last offsite upload failed (push"), std::string::npos);
}

TEST_F(UtcZone, OffsiteNoneKnownWarnsOnlyWhenConfigured) {
  const auto s = healthy();
  EXPECT_EQ(evaluate_check(s, offsite_thresholds(), k_now).status, CheckStatus::warning);
  EXPECT_NE(format_check_line(evaluate_check(s, offsite_thresholds(), k_now)).find("no offsite copy in the journal"),
            std::string::npos);
  EXPECT_EQ(evaluate_check(s, CheckThresholds{}, k_now).status, CheckStatus::ok);
}

TEST_F(UtcZone, OffsiteCopyDatedInTheFutureIsNotTheNewest) {
  auto s = healthy();
  s.runs.push_back(offsite_run(30h, "backup", "ok", name_at(k_now - 30h)));
  s.runs.push_back(offsite_run(1h, "push", "ok", name_at(k_now + 240h)));  // a forged or mis-clocked name
  const auto newest = s.newest_offsite(k_now);
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->name, name_at(k_now - 30h));
}

TEST_F(UtcZone, OffsiteMetrics) {
  auto s = healthy();
  EXPECT_EQ(format_metrics(s).find("offsite"), std::string::npos) << "no offsite metric without an offsite run";
  s.runs.push_back(offsite_run(2h, "backup", "ok", name_at(k_now - 2h)));
  s.runs.push_back(offsite_run(1h, "push", "failed", ""));
  const auto text = format_metrics(s);
  EXPECT_NE(text.find("ifnbackup_last_offsite_upload_success{backup_dir=\"/var/backups/ifn\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(
      text.find(fmt::format("ifnbackup_offsite_newest_timestamp_seconds{{backup_dir=\"/var/backups/ifn\"}} {}\n",
                            std::chrono::duration_cast<std::chrono::seconds>((k_now - 2h).time_since_epoch()).count())),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace ifnbackup
