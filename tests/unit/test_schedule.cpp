#include <string>

#include <gtest/gtest.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/schedule.hpp"

namespace ifnbackup {
namespace {

const std::string k_ours = "0 2 * * * /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule";

TEST(ScheduleTime, ParsesHoursAndMinutes) {
  EXPECT_EQ(parse_schedule_time("02:00").hour, 2);
  EXPECT_EQ(parse_schedule_time("2:30").minute, 30);
  EXPECT_EQ(parse_schedule_time("23:59").hour, 23);
  EXPECT_EQ(parse_schedule_time("00:00").minute, 0);
}

TEST(ScheduleTime, RefusesWhatIsNotATime) {
  for (const char* text : {"", "2", "24:00", "12:60", "12:5", "-1:00", "1:2:3", "ab:cd", "123:00", " 2:00"}) {
    try {
      parse_schedule_time(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::usage) << text;
    }
  }
}

TEST(CronLine, IsTheNightlyQuietBackupWithTheMarker) {
  EXPECT_EQ(cron_line({"/usr/bin/ifnbackup", "/etc/ifnbackup.conf", {2, 0}}), k_ours);
  EXPECT_EQ(cron_line({"/usr/bin/ifnbackup", "/etc/ifnbackup.conf", {23, 5}}),
            "5 23 * * * /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule");
}

TEST(CronLine, QuotesPathsForTheShellAndEscapesPercent) {
  EXPECT_EQ(cron_line({"/opt/ifn backup/ifnbackup", "/etc/it's 100%.conf", {2, 0}}),
            "0 2 * * * '/opt/ifn backup/ifnbackup' --config '/etc/it'\\''s 100\\%.conf' -q backup "
            "# ifnbackup-schedule");
}

TEST(CronLine, IsRecognisedAsOurs) {
  EXPECT_TRUE(is_schedule_line(k_ours));
  EXPECT_TRUE(is_schedule_line(k_ours + "  \r"));
  EXPECT_FALSE(is_schedule_line("0 2 * * * /usr/bin/other-backup"));
  EXPECT_FALSE(is_schedule_line("# ifnbackup-schedule is what we look for"));
  EXPECT_FALSE(is_schedule_line(""));
}

TEST(CrontabInstall, AppendsToAnEmptyCrontab) {
  const auto edit = crontab_with_line("", k_ours);
  EXPECT_TRUE(edit.changed);
  EXPECT_EQ(edit.text, k_ours + "\n");
}

TEST(CrontabInstall, KeepsEveryOtherLineAndAppends) {
  const std::string before = "# m h dom mon dow command\nMAILTO=ops@example.org\n\n*/5 * * * * /usr/local/bin/poll\n";
  const auto edit = crontab_with_line(before, k_ours);
  EXPECT_TRUE(edit.changed);
  EXPECT_EQ(edit.text, before + k_ours + "\n");
}

TEST(CrontabInstall, TwiceLeavesOneLine) {
  const auto first = crontab_with_line("30 1 * * * /usr/local/bin/poll\n", k_ours);
  const auto second = crontab_with_line(first.text, k_ours);
  EXPECT_FALSE(second.changed);
  EXPECT_EQ(second.text, first.text);
}

TEST(CrontabInstall, ReplacesOurOldLineInPlaceAndDropsDuplicates) {
  const std::string old_line =
      "0 3 * * * /usr/local/bin/ifnbackup --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule";
  const std::string before = "A=1\n" + old_line + "\nB=2\n" + old_line + "\n";
  const auto edit = crontab_with_line(before, k_ours);
  EXPECT_TRUE(edit.changed);
  EXPECT_EQ(edit.text, "A=1\n" + k_ours + "\nB=2\n");
}

TEST(CrontabInstall, AddsTheMissingFinalNewline) {
  const auto edit = crontab_with_line("MAILTO=root", k_ours);
  EXPECT_TRUE(edit.changed);
  EXPECT_EQ(edit.text, "MAILTO=root\n" + k_ours + "\n");
}

TEST(CrontabUninstall, RemovesOnlyOurs) {
  const std::string before = "MAILTO=root\n" + k_ours + "\n15 4 * * 0 /usr/sbin/logrotate-extra\n";
  const auto edit = crontab_without_lines(before);
  EXPECT_TRUE(edit.changed);
  EXPECT_EQ(edit.text, "MAILTO=root\n15 4 * * 0 /usr/sbin/logrotate-extra\n");
}

TEST(CrontabUninstall, WithoutOursChangesNothing) {
  EXPECT_FALSE(crontab_without_lines("").changed);
  EXPECT_EQ(crontab_without_lines("").text, "");
  const auto edit = crontab_without_lines("MAILTO=root\n@reboot /bin/true");
  EXPECT_FALSE(edit.changed);
}

TEST(CrontabUninstall, InstallThenUninstallGivesBackTheOriginal) {
  const std::string before = "MAILTO=root\n\n# keep me\n";
  const auto installed = crontab_with_line(before, k_ours);
  EXPECT_EQ(crontab_without_lines(installed.text).text, before);
}

const std::string k_drill =
    "0 4 * * 0 /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q verify --all; "
    "/usr/bin/ifnbackup --config /etc/ifnbackup.conf -q drill latest # ifnbackup-schedule-drill";

TEST(ScheduleWeekday, NamesAsCronCountsThem) {
  EXPECT_EQ(parse_schedule_weekday("sun"), 0);
  EXPECT_EQ(parse_schedule_weekday("Sunday"), 0);
  EXPECT_EQ(parse_schedule_weekday("mon"), 1);
  EXPECT_EQ(parse_schedule_weekday("WED"), 3);
  EXPECT_EQ(parse_schedule_weekday("thurs"), 4);
  EXPECT_EQ(parse_schedule_weekday("sat"), 6);
  for (const char* text : {"", "s", "su", "t", "0", "7", "sundays", "dimanche", " sun"}) {
    try {
      parse_schedule_weekday(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::usage) << text;
    }
  }
}

TEST(DrillCronLine, IsTheWeeklyQuietDrillOfLatestWithItsOwnMarker) {
  EXPECT_EQ(drill_cron_line({"/usr/bin/ifnbackup", "/etc/ifnbackup.conf", {4, 0}}, 0), k_drill);
  EXPECT_EQ(drill_cron_line({"/opt/ifn backup/ifnbackup", "/etc/ifn.conf", {23, 30}}, 3),
            "30 23 * * 3 '/opt/ifn backup/ifnbackup' --config /etc/ifn.conf -q verify --all; "
            "'/opt/ifn backup/ifnbackup' --config /etc/ifn.conf -q drill latest # ifnbackup-schedule-drill");
  EXPECT_TRUE(is_schedule_line(k_drill, k_drill_schedule_marker));
  EXPECT_FALSE(is_schedule_line(k_drill)) << "not the backup's line";
  EXPECT_FALSE(is_schedule_line(k_ours, k_drill_schedule_marker)) << "nor is the backup's line the drill's";
}

TEST(CrontabInstall, TheDrillLineSitsBesideTheBackupLineAndEachIsReplacedAlone) {
  const std::string before = "MAILTO=root\n";
  const auto backup = crontab_with_line(before, k_ours);
  const auto both = crontab_with_line(backup.text, k_drill, k_drill_schedule_marker);
  EXPECT_TRUE(both.changed);
  EXPECT_EQ(both.text, before + k_ours + "\n" + k_drill + "\n");
  EXPECT_FALSE(crontab_with_line(both.text, k_drill, k_drill_schedule_marker).changed) << "twice: one drill line";
  EXPECT_FALSE(crontab_with_line(both.text, k_ours).changed) << "the backup's line leaves the drill's alone";

  const std::string moved =
      "30 5 * * 6 /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q drill latest "
      "# ifnbackup-schedule-drill";
  const auto edit = crontab_with_line(both.text, moved, k_drill_schedule_marker);
  EXPECT_EQ(edit.text, before + k_ours + "\n" + moved + "\n") << "replaced in place, the backup's line kept";

  const auto without_backup = crontab_without_lines(both.text);
  EXPECT_EQ(without_backup.text, before + k_drill + "\n") << "removing the backup's line keeps the drill's";
  EXPECT_EQ(crontab_without_lines(without_backup.text, k_drill_schedule_marker).text, before);
}

}  // namespace
}  // namespace ifnbackup
