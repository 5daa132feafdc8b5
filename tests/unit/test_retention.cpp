#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/retention.hpp"

namespace ifnbackup {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr Health k_good = Health::good;
constexpr Health k_bad = Health::bad;
constexpr Health k_unknown = Health::unknown;

sys_days civil(int y, unsigned m, unsigned d) {
  return year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string stamp(sys_days day, unsigned hour, unsigned minute) {
  const year_month_day ymd{day};
  return fmt::format("{:04}{:02}{:02}_{:02}{:02}00", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hour, minute);
}

std::string backup(sys_days day, unsigned hour = 2, unsigned minute = 0) {
  return "ifn_connect_backup_" + stamp(day, hour, minute) + ".sql.gz";
}

std::string safety(sys_days day, unsigned hour = 10, unsigned minute = 0) {
  return "pre_restore_safety_" + stamp(day, hour, minute) + ".sql.gz";
}

// The instant of a local wall-clock time, the way the catalog computes it for a name.
Clock::time_point at(sys_days day, unsigned hour, unsigned minute = 0) {
  return parse_backup_name(backup(day, hour, minute), k_default_backup_prefix)->timestamp;
}

RetentionCandidate file(const std::string& name, Health health = k_good, Clock::time_point mtime = {}) {
  CatalogEntry entry = catalog_entry_from_name("/backups", name, k_default_backup_prefix);
  entry.mtime = mtime;
  return {entry, health};
}

// What the catalog reports for a symlink or folder that happens to carry one of our names.
RetentionCandidate foreign(const std::string& name) {
  CatalogEntry entry;
  entry.name = name;
  entry.path = "/backups/" + name;
  return {entry, k_unknown};
}

// One backup a day at 02:00, `newest` to `oldest` days before `today`.
std::vector<RetentionCandidate> daily(sys_days today, int newest, int oldest, Health health = k_good) {
  std::vector<RetentionCandidate> out;
  for (int age = newest; age <= oldest; ++age) {
    out.push_back(file(backup(today - days{age}), health));
  }
  return out;
}

std::set<std::string> daily_names(sys_days today, int newest, int oldest) {
  std::set<std::string> out;
  for (int age = newest; age <= oldest; ++age) {
    out.insert(backup(today - days{age}));
  }
  return out;
}

template <typename T>
std::vector<T> concat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::set<std::string> unite(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

RetentionPolicy policy(int retention_days, int min_keep, int keep_daily = 0, int keep_weekly = 0,
                       int keep_monthly = 0) {
  RetentionPolicy p;
  p.retention_days = retention_days;
  p.min_keep = min_keep;
  p.keep_daily = keep_daily;
  p.keep_weekly = keep_weekly;
  p.keep_monthly = keep_monthly;
  return p;
}

struct RetentionCase {
  std::string label;
  std::vector<RetentionCandidate> files;
  RetentionPolicy policy;
  Clock::time_point now;
  std::set<std::string> removed;  // every other file is kept
  std::map<std::string, std::string> reason_contains;
};

// gtest prints a parameter that fails; the label says which row.
void PrintTo(const RetentionCase& c, std::ostream* os) {
  *os << c.label;
}

const sys_days k_today = civil(2025, 12, 24);  // a Wednesday
const Clock::time_point k_now = at(k_today, 8);

std::vector<RetentionCase> cases() {
  std::vector<RetentionCase> all;
  const RetentionPolicy defaults;

  all.push_back(
      {"forty_consecutive_daily_backups",
       daily(k_today, 0, 39),
       defaults,
       k_now,
       daily_names(k_today, 30, 39),
       {{backup(k_today), "within 30 days; floor: one of the 7 newest good backups"},
        {backup(k_today - days{29}), "within 30 days"},
        {backup(k_today - days{30}), "30 days old, past the 30-day retention; older than the 7 newest good backups"}}});

  all.push_back({"ten_day_gap_default_policy",
                 concat(daily(k_today, 0, 4), daily(k_today, 15, 39)),
                 defaults,
                 k_now,
                 daily_names(k_today, 30, 39),
                 {{backup(k_today - days{15}), "within 30 days"}}});

  all.push_back({"ten_day_gap_floor_reaches_across_it",
                 concat(daily(k_today, 0, 1), daily(k_today, 12, 39)),
                 policy(7, 7),
                 k_now,
                 daily_names(k_today, 17, 39),
                 {{backup(k_today - days{12}), "floor: one of the 7 newest good backups"},
                  {backup(k_today - days{16}), "floor: one of the 7 newest good backups"},
                  {backup(k_today - days{17}), "17 days old, past the 7-day retention"}}});

  all.push_back({"all_older_than_retention_floor_keeps_newest_seven",
                 daily(k_today, 40, 59),
                 defaults,
                 k_now,
                 daily_names(k_today, 47, 59),
                 {{backup(k_today - days{40}), "floor: one of the 7 newest good backups"},
                  {backup(k_today - days{46}), "floor: one of the 7 newest good backups"}}});

  all.push_back({"recent_corrupt_floor_reaches_back_to_good_ones",
                 concat(daily(k_today, 0, 9, k_bad), daily(k_today, 10, 39)),
                 policy(5, 7),
                 k_now,
                 unite(daily_names(k_today, 5, 9), daily_names(k_today, 17, 39)),
                 {{backup(k_today), "within 5 days; verify failed (corrupt or incomplete): kept for inspection"},
                  {backup(k_today - days{5}),
                   "verify failed (corrupt or incomplete) and 5 days old, past the 5-day retention: useless"},
                  {backup(k_today - days{10}), "floor: one of the 7 newest good backups"},
                  {backup(k_today - days{16}), "floor: one of the 7 newest good backups"}}});

  all.push_back({"everything_within_retention_corrupt",
                 concat(daily(k_today, 0, 29, k_bad), daily(k_today, 30, 39)),
                 defaults,
                 k_now,
                 daily_names(k_today, 37, 39),
                 {{backup(k_today - days{29}), "kept for inspection"},
                  {backup(k_today - days{36}), "floor: one of the 7 newest good backups"}}});

  all.push_back({"unverified_backups_do_not_count_toward_the_floor",
                 concat(daily(k_today, 40, 49, k_unknown), daily(k_today, 50, 52)),
                 defaults,
                 k_now,
                 daily_names(k_today, 40, 49),
                 {{backup(k_today - days{40}), "never verified, so not counted in the floor of 7 good backups"},
                  {backup(k_today - days{52}), "floor"}}});

  all.push_back(
      {"dated_in_the_future_is_within_retention",
       {file(backup(k_today + days{1})), file(backup(k_today - days{31}))},
       defaults,
       k_now,
       {},
       {{backup(k_today + days{1}), "within 30 days (dated in the future)"}, {backup(k_today - days{31}), "floor"}}});

  // GFS: daily skips days without a backup; two backups on one day keep only the newer.
  const sys_days dec25 = civil(2025, 12, 25);
  all.push_back(
      {"daily_counts_only_days_with_a_backup",
       {file(backup(civil(2025, 12, 24), 14)), file(backup(civil(2025, 12, 24), 2)), file(backup(civil(2025, 12, 23))),
        file(backup(civil(2025, 12, 21))), file(backup(civil(2025, 12, 20)))},
       policy(0, 1, 3),
       at(dec25, 10),
       {backup(civil(2025, 12, 24), 2), backup(civil(2025, 12, 20))},
       {{backup(civil(2025, 12, 21)), "daily: newest backup of 2025-12-21"},
        {backup(civil(2025, 12, 24), 2),
         "1 day old, past the 0-day retention; older than the newest good backup; not the newest of "
         "a kept day, week or month"}}});

  all.push_back({"gfs_skips_bad_backups_and_counts_unverified_ones",
                 {file(backup(civil(2025, 12, 24), 14), k_bad), file(backup(civil(2025, 12, 24), 2), k_unknown),
                  file(backup(civil(2025, 12, 23))), file(backup(civil(2025, 12, 22)))},
                 policy(0, 1, 2),
                 at(dec25, 10),
                 {backup(civil(2025, 12, 24), 14), backup(civil(2025, 12, 22))},
                 {{backup(civil(2025, 12, 24), 14), "verify failed"},
                  {backup(civil(2025, 12, 24), 2), "daily: newest backup of 2025-12-24"},
                  {backup(civil(2025, 12, 23)), "floor: the newest good backup; daily: newest backup of"}}});

  // ISO weeks across a year boundary: 2024-12-30 and 2024-12-31 belong to 2025-W01.
  {
    std::vector<RetentionCandidate> files;
    std::set<std::string> removed;
    const std::set<std::string> kept{backup(civil(2025, 1, 12)), backup(civil(2025, 1, 5)), backup(civil(2024, 12, 29)),
                                     backup(civil(2024, 12, 22))};
    for (sys_days d = civil(2024, 12, 16); d <= civil(2025, 1, 12); d += days{1}) {
      files.push_back(file(backup(d)));
      if (!kept.contains(backup(d))) {
        removed.insert(backup(d));
      }
    }
    all.push_back({"weekly_across_new_year_uses_iso_weeks",
                   files,
                   policy(1, 1, 0, 4),
                   at(civil(2025, 1, 12), 20),
                   removed,
                   {{backup(civil(2025, 1, 5)), "weekly: newest backup of week 2025-W01"},
                    {backup(civil(2024, 12, 29)), "weekly: newest backup of week 2024-W52"},
                    {backup(civil(2024, 12, 22)), "weekly: newest backup of week 2024-W51"}}});
  }

  all.push_back(
      {"weekly_skips_weeks_without_a_backup",
       {file(backup(civil(2025, 1, 10))), file(backup(civil(2024, 12, 24))), file(backup(civil(2024, 12, 20))),
        file(backup(civil(2024, 12, 10))), file(backup(civil(2024, 12, 3)))},
       policy(1, 1, 0, 3),
       at(civil(2025, 1, 10), 12),
       {backup(civil(2024, 12, 10)), backup(civil(2024, 12, 3))},
       {{backup(civil(2024, 12, 20)), "week 2024-W51"}}});

  all.push_back({"iso_week_53_spans_the_new_year",
                 {file(backup(civil(2027, 1, 4))), file(backup(civil(2027, 1, 3))), file(backup(civil(2026, 12, 28)))},
                 policy(0, 1, 0, 2),
                 at(civil(2027, 1, 4), 12),
                 {backup(civil(2026, 12, 28))},
                 {{backup(civil(2027, 1, 4)), "week 2027-W01"}, {backup(civil(2027, 1, 3)), "week 2026-W53"}}});

  all.push_back(
      {"monthly_across_new_year_by_local_date",
       {file(backup(civil(2025, 1, 20))), file(backup(civil(2025, 1, 1), 0, 30)), file(backup(civil(2024, 12, 31), 23)),
        file(backup(civil(2024, 12, 5))), file(backup(civil(2024, 11, 28))), file(backup(civil(2024, 11, 3))),
        file(backup(civil(2024, 10, 15)))},
       policy(1, 1, 0, 0, 3),
       at(civil(2025, 1, 21), 12),
       {backup(civil(2025, 1, 1), 0, 30), backup(civil(2024, 12, 5)), backup(civil(2024, 11, 3)),
        backup(civil(2024, 10, 15))},
       {{backup(civil(2025, 1, 20)), "monthly: newest backup of 2025-01"},
        {backup(civil(2024, 12, 31), 23), "monthly: newest backup of 2024-12"},
        {backup(civil(2024, 11, 28)), "monthly: newest backup of 2024-11"}}});

  {
    // 120 daily backups, 2025-08-27 to 2025-12-24 (a Wednesday); only GFS and a floor of 1.
    const std::set<std::string> kept{
        backup(civil(2025, 12, 24)), backup(civil(2025, 12, 23)), backup(civil(2025, 12, 22)),
        backup(civil(2025, 12, 21)), backup(civil(2025, 12, 20)), backup(civil(2025, 12, 19)),
        backup(civil(2025, 12, 18)),                               // daily 7
        backup(civil(2025, 12, 14)), backup(civil(2025, 12, 7)),   // weekly W50, W49 (+ W52, W51 above)
        backup(civil(2025, 11, 30)), backup(civil(2025, 10, 31)),  // monthly
        backup(civil(2025, 9, 30)),  backup(civil(2025, 8, 31))};  // only 5 months have a backup
    std::set<std::string> removed = daily_names(k_today, 0, 119);
    for (const auto& name : kept) {
      removed.erase(name);
    }
    all.push_back({"daily_weekly_monthly_together",
                   daily(k_today, 0, 119),
                   policy(0, 1, 7, 4, 6),
                   k_now,
                   removed,
                   {{backup(k_today),
                     "floor: the newest good backup; daily: newest backup of 2025-12-24; "
                     "weekly: newest backup of week 2025-W52; monthly: newest backup of 2025-12"},
                    {backup(civil(2025, 12, 21)), "weekly: newest backup of week 2025-W51"},
                    {backup(civil(2025, 8, 31)), "monthly: newest backup of 2025-08"}}});
  }

  all.push_back({"foreign_files_and_safety_snapshots_mixed_in",
                 concat(daily(k_today, 0, 2),
                        {file(safety(k_today - days{1})), file(safety(k_today - days{40})),
                         file(safety(k_today - days{50}), k_bad), file("notes.txt"),
                         file("ifn_connect_backup_20251224_020000.sql.gz.bak"), foreign(backup(k_today - days{90}))}),
                 defaults,
                 k_now,
                 {safety(k_today - days{40}), safety(k_today - days{50})},
                 {{safety(k_today - days{1}), "newest safety snapshot; safety snapshot within 30 days"},
                  {safety(k_today - days{40}),
                   "safety snapshot 39 days old, past the 30-day safety retention, and a newer one exists"},
                  {"notes.txt", "not ours"},
                  {"ifn_connect_backup_20251224_020000.sql.gz.bak", "not ours"},
                  {backup(k_today - days{90}), "not ours"}}});

  {
    RetentionPolicy p;
    p.safety_retention_days = 7;
    all.push_back({"newest_safety_snapshot_kept_whatever_its_age",
                   {file(safety(k_today - days{40}), k_bad), file(safety(k_today - days{50}))},
                   p,
                   k_now,
                   {safety(k_today - days{50})},
                   {{safety(k_today - days{40}), "newest safety snapshot"}}});
    all.push_back({"safety_snapshots_have_their_own_retention",
                   concat(daily(k_today, 0, 10), {file(safety(k_today - days{3})), file(safety(k_today - days{10}))}),
                   p,
                   k_now,
                   {safety(k_today - days{10})},
                   {{safety(k_today - days{3}), "newest safety snapshot; safety snapshot within 7 days"},
                    {backup(k_today - days{10}), "within 30 days"}}});
  }

  {
    const std::string writing_now = backup(k_today, 6) + ".partial";           // name 2 h old
    const std::string long_dump = backup(k_today - days{1}, 2) + ".partial";   // name 30 h old, mtime 1 h
    const std::string crashed = backup(k_today - days{2}, 2) + ".partial";     // name and mtime ~2 days
    const std::string copied = safety(k_today, 6) + ".partial";                // mtime 3 days old
    const std::string limit = safety(k_today - days{1}, 8) + ".partial";       // exactly 24 h
    const std::string old_safety = safety(k_today - days{5}, 8) + ".partial";  // 5 days
    all.push_back({"partials_young_and_old",
                   {file(writing_now, k_unknown), file(long_dump, k_unknown, k_now - 1h),
                    file(crashed, k_unknown, at(k_today - days{2}, 3)), file(copied, k_unknown, k_now - days{3}),
                    file(limit, k_unknown), file(old_safety, k_unknown)},
                   defaults,
                   k_now,
                   {crashed, old_safety},
                   {{writing_now, "partial file younger than 24 h: in progress?"},
                    {long_dump, "in progress?"},
                    {copied, "in progress?"},
                    {limit, "in progress?"},
                    {crashed,
                     "partial file 53 h old (newer of name time and mtime), past 24 h: left by an "
                     "interrupted run"},
                    {old_safety, "partial file 120 h old"}}});
  }

  // Issue 18: a 51-byte file named for 2099 that verifies "OK" made rotate remove both real backups.
  const std::string forged = "ifn_connect_backup_20991231_000000.sql.gz";
  all.push_back({"forged_future_backup_does_not_count_toward_the_floor",
                 {file(forged), file(backup(k_today - days{40})), file(backup(k_today - days{41}))},
                 policy(30, 1),
                 k_now,
                 {backup(k_today - days{41})},
                 {{forged, "dated more than 2 h in the future: not counted in the floor"},
                  {backup(k_today - days{40}), "floor: the newest good backup"}}});
  all.push_back({"future_within_the_tolerance_counts",
                 {file(backup(k_today, 9)), file(backup(k_today - days{40}))},
                 policy(0, 1),
                 k_now,
                 {backup(k_today - days{40})},
                 {{backup(k_today, 9), "floor: the newest good backup"}}});
  all.push_back({"empty_backups_do_not_count_toward_the_floor",
                 {file(backup(k_today - days{35}), Health::empty), file(backup(k_today - days{36}), Health::empty),
                  file(backup(k_today - days{40}))},
                 policy(30, 1),
                 k_now,
                 {backup(k_today - days{35}), backup(k_today - days{36})},
                 {{backup(k_today - days{35}), "holds no table, so not counted in the floor of 1 good backup"},
                  {backup(k_today - days{40}), "floor: the newest good backup"}}});
  all.push_back({"empty_within_retention_is_kept_and_says_why",
                 {file(backup(k_today), Health::empty), file(backup(k_today - days{40}))},
                 policy(30, 1),
                 k_now,
                 {},
                 {{backup(k_today), "within 30 days; holds no table: not counted in the floor"},
                  {backup(k_today - days{40}), "floor: the newest good backup"}}});
  all.push_back({"empty_and_future_backups_are_not_the_newest_of_a_day",
                 {file(forged), file(backup(k_today - days{40}, 3), Health::empty),
                  file(backup(k_today - days{40}, 2), k_unknown)},
                 policy(0, 1, 1),
                 k_now,
                 {backup(k_today - days{40}, 3)},
                 {{backup(k_today - days{40}, 2), "daily: newest backup of"}}});

  all.push_back({"empty_folder", {}, defaults, k_now, {}, {}});
  return all;
}

class ApplyRetention : public ::testing::TestWithParam<RetentionCase> {};

TEST_P(ApplyRetention, KeepsAndRemovesWithReasons) {
  const RetentionCase& c = GetParam();
  const auto decisions = apply_retention(c.files, c.policy, c.now);

  ASSERT_EQ(decisions.size(), c.files.size());
  std::set<std::string> seen;
  for (const auto& d : decisions) {
    seen.insert(d.entry.name);
    EXPECT_EQ(d.remove, c.removed.contains(d.entry.name)) << d.entry.name << ": " << d.reason.english;
    EXPECT_FALSE(d.reason.empty()) << d.entry.name;
    if (d.entry.kind == BackupKind::foreign) {
      EXPECT_FALSE(d.remove) << d.entry.name;
    }
  }
  EXPECT_EQ(seen.size(), c.files.size()) << "each file appears once";
  for (const auto& name : c.removed) {
    EXPECT_TRUE(seen.contains(name)) << "the table names a file that is not in it: " << name;
  }
  for (const auto& [name, expected] : c.reason_contains) {
    const auto it = std::find_if(decisions.begin(), decisions.end(),
                                 [&](const RetentionDecision& d) { return d.entry.name == name; });
    ASSERT_NE(it, decisions.end()) << name;
    EXPECT_NE(it->reason.english.find(expected), std::string::npos)
        << name << "\n  reason:   " << it->reason.english << "\n  expected: " << expected;
  }
}

TEST_P(ApplyRetention, NewestFirstWhateverTheInputOrder) {
  const RetentionCase& c = GetParam();
  const auto decisions = apply_retention(c.files, c.policy, c.now);
  EXPECT_TRUE(std::is_sorted(
      decisions.begin(), decisions.end(),
      [](const RetentionDecision& a, const RetentionDecision& b) { return newest_first(a.entry, b.entry); }));

  std::vector<RetentionCandidate> reversed(c.files.rbegin(), c.files.rend());
  const auto again = apply_retention(reversed, c.policy, c.now);
  ASSERT_EQ(again.size(), decisions.size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].entry.name, decisions[i].entry.name);
    EXPECT_EQ(again[i].remove, decisions[i].remove);
    EXPECT_EQ(again[i].reason.english, decisions[i].reason.english);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, ApplyRetention, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<RetentionCase>& info) { return info.param.label; });

TEST(ApplyRetention, ForeignFilesAreListedLast) {
  const auto decisions = apply_retention({file("aaa.txt"), file(backup(k_today - days{100})), file(safety(k_today))},
                                         RetentionPolicy{}, k_now);
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(decisions[0].entry.name, safety(k_today));
  EXPECT_EQ(decisions[1].entry.name, backup(k_today - days{100}));
  EXPECT_EQ(decisions[2].entry.name, "aaa.txt");
  EXPECT_EQ(decisions[2].reason.english, "not ours: never touched");
}

struct BadPolicy {
  std::string label;
  RetentionPolicy policy;
  std::string message;
};

void PrintTo(const BadPolicy& c, std::ostream* os) {
  *os << c.label;
}

class RejectPolicy : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(RejectPolicy, IsAUsageError) {
  const BadPolicy& c = GetParam();
  for (const bool through_apply : {false, true}) {
    try {
      if (through_apply) {
        apply_retention(daily(k_today, 0, 3), c.policy, k_now);
      } else {
        check_retention_policy(c.policy);
      }
      ADD_FAILURE() << c.label << ": accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::usage) << c.label;
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

RetentionPolicy with(void (*change)(RetentionPolicy&)) {
  RetentionPolicy p;
  change(p);
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RejectPolicy,
    ::testing::Values(BadPolicy{"min_keep_zero", with([](RetentionPolicy& p) { p.min_keep = 0; }),
                                "min_keep must be at least 1"},
                      BadPolicy{"min_keep_negative", with([](RetentionPolicy& p) { p.min_keep = -3; }), "min_keep"},
                      BadPolicy{"retention_negative", with([](RetentionPolicy& p) { p.retention_days = -1; }),
                                "retention_days must not be negative"},
                      BadPolicy{"weekly_negative", with([](RetentionPolicy& p) { p.keep_weekly = -1; }), "keep_weekly"},
                      BadPolicy{"safety_negative", with([](RetentionPolicy& p) { p.safety_retention_days = -1; }),
                                "safety_retention_days"},
                      BadPolicy{"partial_age_negative", with([](RetentionPolicy& p) { p.partial_max_age = -1h; }),
                                "partial_max_age"}),
    [](const ::testing::TestParamInfo<BadPolicy>& info) { return info.param.label; });

// Every day and count option at its limits: 0, 1, the command line's maximum, the first value past
// what a clock duration holds in days (106,752), and INT_MAX. Huge values keep for ever, never wrap
// round into "remove" (issue 18: --retention-days 999999 removed every backup but the floor).
struct LimitCase {
  std::string label;
  RetentionPolicy policy;
  std::vector<RetentionCandidate> files;
  std::set<std::string> removed;
  std::string reason;  // in the decision for the first file
};

void PrintTo(const LimitCase& c, std::ostream* os) {
  *os << c.label;
}

constexpr int k_first_overflowing_days = 106752;
constexpr int k_int_max = std::numeric_limits<int>::max();

RetentionPolicy limits(int retention_days, int min_keep, int keep_daily = 0, int keep_weekly = 0, int keep_monthly = 0,
                       int safety_retention_days = 30) {
  RetentionPolicy p = policy(retention_days, min_keep, keep_daily, keep_weekly, keep_monthly);
  p.safety_retention_days = safety_retention_days;
  return p;
}

std::vector<RetentionCandidate> safety_daily(int oldest) {
  std::vector<RetentionCandidate> out;
  for (int age = 0; age <= oldest; ++age) {
    out.push_back(file(safety(k_today - days{age}, 1)));
  }
  return out;
}

std::set<std::string> safety_names(int newest, int oldest) {
  std::set<std::string> out;
  for (int age = newest; age <= oldest; ++age) {
    out.insert(safety(k_today - days{age}, 1));
  }
  return out;
}

// One backup a week (each in its own ISO week), or on the 1st of each month, `count` of them.
std::vector<RetentionCandidate> every(int step_days, int count) {
  std::vector<RetentionCandidate> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(file(backup(k_today - days{i * step_days})));
  }
  return out;
}
std::vector<RetentionCandidate> monthly_files(int count) {
  std::vector<RetentionCandidate> out;
  year_month_day month{std::chrono::year{2025}, std::chrono::December, std::chrono::day{1}};
  for (int i = 0; i < count; ++i) {
    out.push_back(file(backup(sys_days{month})));
    month -= std::chrono::months{1};
  }
  return out;
}
std::set<std::string> names_of(const std::vector<RetentionCandidate>& files, std::size_t from) {
  std::set<std::string> out;
  for (std::size_t i = from; i < files.size(); ++i) {
    out.insert(files[i].entry.name);
  }
  return out;
}

std::vector<LimitCase> limit_cases() {
  // 400 daily backups: more than a year, so days, weeks and months all have several.
  const auto year = daily(k_today, 0, 399);
  const auto weeks = every(7, 60);
  const auto months = monthly_files(30);
  std::vector<LimitCase> all;
  for (const int days_value : {k_max_retention_days, k_first_overflowing_days, 999999, k_int_max}) {
    const std::string n = std::to_string(days_value);
    all.push_back({"retention_days_" + n, limits(days_value, 1), year, {}, "within " + n + " days"});
    all.push_back({"safety_retention_days_" + n,
                   limits(30, 1, 0, 0, 0, days_value),
                   safety_daily(399),
                   {},
                   "newest safety snapshot; safety snapshot within " + n + " days"});
  }
  all.push_back({"retention_days_0", limits(0, 1), year, daily_names(k_today, 1, 399), "floor"});
  all.push_back({"retention_days_1", limits(1, 1), year, daily_names(k_today, 1, 399), "within 1 day"});
  all.push_back({"safety_retention_days_0", limits(30, 1, 0, 0, 0, 0), safety_daily(399), safety_names(1, 399),
                 "newest safety snapshot"});
  all.push_back({"safety_retention_days_1", limits(30, 1, 0, 0, 0, 1), safety_daily(399), safety_names(1, 399),
                 "newest safety snapshot; safety snapshot within 1 day"});
  all.push_back({"min_keep_1", limits(0, 1), year, daily_names(k_today, 1, 399), "floor: the newest good backup"});
  for (const int count : {k_max_keep_count, k_int_max}) {
    const std::string n = std::to_string(count);
    all.push_back({"min_keep_" + n, limits(0, count), year, {}, "floor: one of the " + n + " newest good backups"});
    all.push_back({"keep_daily_" + n, limits(0, 1, count), year, {}, "daily: newest backup of 2025-12-24"});
    all.push_back({"keep_weekly_" + n, limits(0, 1, 0, count), weeks, {}, "weekly: newest backup of week 2025-W52"});
    all.push_back({"keep_monthly_" + n, limits(0, 1, 0, 0, count), months, {}, "monthly: newest backup of 2025-12"});
  }
  all.push_back({"keep_daily_0", limits(0, 1, 0), year, daily_names(k_today, 1, 399), "floor"});
  all.push_back({"keep_daily_1", limits(0, 1, 1), year, daily_names(k_today, 1, 399), "daily: newest backup of"});
  all.push_back({"keep_weekly_1", limits(0, 1, 0, 1), weeks, names_of(weeks, 1), "weekly: newest backup of"});
  all.push_back({"keep_monthly_1", limits(0, 1, 0, 0, 1), months, names_of(months, 1), "monthly: newest backup of"});
  // partial_max_age has no option; it saturates all the same.
  RetentionPolicy partial_forever = limits(30, 1);
  partial_forever.partial_max_age = std::chrono::hours::max();
  const std::string old_partial = backup(k_today - days{100}) + ".partial";
  all.push_back({"partial_max_age_max", partial_forever, {file(old_partial, k_unknown)}, {}, "in progress?"});
  RetentionPolicy partial_zero = limits(30, 1);
  partial_zero.partial_max_age = std::chrono::hours{0};
  all.push_back({"partial_max_age_0", partial_zero, {file(old_partial, k_unknown)}, {old_partial}, "past 0 h"});
  return all;
}

class RetentionLimits : public ::testing::TestWithParam<LimitCase> {};

TEST_P(RetentionLimits, SaturateInsteadOfWrappingRound) {
  const LimitCase& c = GetParam();
  const auto decisions = apply_retention(c.files, c.policy, k_now);
  ASSERT_EQ(decisions.size(), c.files.size());
  std::set<std::string> removed;
  for (const auto& d : decisions) {
    if (d.remove) {
      removed.insert(d.entry.name);
    }
  }
  EXPECT_EQ(removed, c.removed) << "first decision: " << decisions.front().reason.english;
  EXPECT_NE(decisions.front().reason.english.find(c.reason), std::string::npos)
      << "reason: " << decisions.front().reason.english << "\nexpected: " << c.reason;
}

INSTANTIATE_TEST_SUITE_P(Table, RetentionLimits, ::testing::ValuesIn(limit_cases()),
                         [](const ::testing::TestParamInfo<LimitCase>& info) { return info.param.label; });

TEST(CheckRetentionPolicy, HintsCarryNoPrefixOfTheirOwn) {
  // The command line adds "hint: " itself: a hint that starts with it printed "hint: hint:".
  try {
    check_retention_policy(policy(30, 0));
    ADD_FAILURE() << "min_keep 0 accepted";
  } catch (const Error& e) {
    EXPECT_FALSE(e.hint().empty());
    EXPECT_FALSE(e.hint().starts_with("hint")) << e.hint();
  }
  try {
    check_retention_policy(policy(-1, 1));
    ADD_FAILURE() << "retention_days -1 accepted";
  } catch (const Error& e) {
    EXPECT_FALSE(e.hint().starts_with("hint")) << e.hint();
  }
}

TEST(CheckRetentionPolicy, AcceptsDefaultsAndZeroRules) {
  EXPECT_NO_THROW(check_retention_policy(RetentionPolicy{}));
  EXPECT_NO_THROW(check_retention_policy(policy(0, 1)));
}

}  // namespace
}  // namespace ifnbackup
