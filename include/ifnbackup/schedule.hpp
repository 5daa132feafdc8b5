#pragma once
// ifnbackup schedule: the nightly cron line (and, opted in, the weekly restore drill's), and their
// idempotent installation in a crontab.
// The crontab edits are pure functions of (current crontab text, our line): unit-tested.
#include <string>
#include <string_view>

namespace ifnbackup {

// Ends every line we write: how we recognise ours among the operator's own lines. The drill's line
// has its own marker, so each line is installed, replaced and removed on its own.
inline constexpr std::string_view k_schedule_marker = "# ifnbackup-schedule";
inline constexpr std::string_view k_drill_schedule_marker = "# ifnbackup-schedule-drill";

struct ScheduleTime {
  int hour = 2;
  int minute = 0;
};

// "HH:MM" or "H:MM", 00:00 to 23:59. Throws Error(usage) otherwise.
ScheduleTime parse_schedule_time(std::string_view text);

// A day of the week as cron counts it, 0 (Sunday) to 6: "sun", "mon"... or "sunday"..., any case.
// Throws Error(usage) otherwise.
int parse_schedule_weekday(std::string_view text);

struct ScheduleEntry {
  std::string binary;       // absolute path of the ifnbackup to run
  std::string config_file;  // absolute path of its config file
  ScheduleTime time;
};

// "0 2 * * * /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule".
// Paths are quoted for /bin/sh when needed and '%' is escaped (cron turns it into a newline).
std::string cron_line(const ScheduleEntry& entry);

// The weekly drill of the newest good backup, at entry.time on `weekday` (0 Sunday):
// "0 4 * * 0 /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q drill latest # ifnbackup-schedule-drill".
std::string drill_cron_line(const ScheduleEntry& entry, int weekday);

// True when the line is one of ours (ends with the marker comment).
bool is_schedule_line(std::string_view line, std::string_view marker = k_schedule_marker);

struct CrontabEdit {
  std::string text;      // the new crontab, every line ending with '\n'
  bool changed = false;  // false: the current crontab already is what was asked
};

// Our line replaces the first of ours with the same marker (in place) and any other of those is
// removed; without one, it is appended. Every other line is kept as it was.
CrontabEdit crontab_with_line(std::string_view crontab, std::string_view line,
                              std::string_view marker = k_schedule_marker);
// Every line of ours with that marker removed, every other line kept.
CrontabEdit crontab_without_lines(std::string_view crontab, std::string_view marker = k_schedule_marker);

// The current user's crontab through the `crontab` command found in PATH ("" when the user has
// none). Throws Error(io) with the command's message when it fails or is missing.
std::string read_crontab();
void write_crontab(const std::string& text);

}  // namespace ifnbackup
