#pragma once
// ifnbackup schedule: the nightly cron line, and its idempotent installation in a crontab.
// The crontab edits are pure functions of (current crontab text, our line): unit-tested.
#include <string>
#include <string_view>

namespace ifnbackup {

// Ends every line we write: how we recognise ours among the operator's own lines.
inline constexpr std::string_view k_schedule_marker = "# ifnbackup-schedule";

struct ScheduleTime {
  int hour = 2;
  int minute = 0;
};

// "HH:MM" or "H:MM", 00:00 to 23:59. Throws Error(usage) otherwise.
ScheduleTime parse_schedule_time(std::string_view text);

struct ScheduleEntry {
  std::string binary;       // absolute path of the ifnbackup to run
  std::string config_file;  // absolute path of its config file
  ScheduleTime time;
};

// "0 2 * * * /usr/bin/ifnbackup --config /etc/ifnbackup.conf -q backup # ifnbackup-schedule".
// Paths are quoted for /bin/sh when needed and '%' is escaped (cron turns it into a newline).
std::string cron_line(const ScheduleEntry& entry);

// True when the line is one of ours (ends with the marker comment).
bool is_schedule_line(std::string_view line);

struct CrontabEdit {
  std::string text;      // the new crontab, every line ending with '\n'
  bool changed = false;  // false: the current crontab already is what was asked
};

// Our line replaces the first of ours (in place) and any other of ours is removed; without one,
// it is appended. Every other line is kept as it was.
CrontabEdit crontab_with_line(std::string_view crontab, std::string_view line);
// Every line of ours removed, every other line kept.
CrontabEdit crontab_without_lines(std::string_view crontab);

// The current user's crontab through the `crontab` command found in PATH ("" when the user has
// none). Throws Error(io) with the command's message when it fails or is missing.
std::string read_crontab();
void write_crontab(const std::string& text);

}  // namespace ifnbackup
