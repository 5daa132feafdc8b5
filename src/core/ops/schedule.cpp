// The cron line and the crontab edits: pure text functions.
#include "ifnbackup/schedule.hpp"

#include <cctype>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "util/shell_word.hpp"

namespace ifnbackup {

namespace {

bool parse_int(std::string_view text, int& value) {
  if (text.empty() || text.size() > 2) {
    return false;
  }
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

// A word for /bin/sh in a crontab line.
std::string shell_word(std::string_view word) {
  const std::string out = util::shell_word(word);
  // cron turns an unescaped % into a newline, even between quotes.
  std::string escaped;
  for (char c : out) {
    if (c == '%') {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string join_lines(const std::vector<std::string_view>& lines) {
  std::string out;
  for (auto line : lines) {
    out.append(line);
    out += '\n';  // cron ignores a last line without its newline
  }
  return out;
}

}  // namespace

ScheduleTime parse_schedule_time(std::string_view text) {
  const auto colon = text.find(':');
  ScheduleTime time;
  if (colon == std::string_view::npos || !parse_int(text.substr(0, colon), time.hour) || text.size() - colon - 1 != 2 ||
      !parse_int(text.substr(colon + 1), time.minute) || time.hour < 0 || time.hour > 23 || time.minute < 0 ||
      time.minute > 59) {
    throw Error(ErrorCode::usage, tx("invalid time '{}'", text), tx("give --time as HH:MM, 00:00 to 23:59"));
  }
  return time;
}

int parse_schedule_weekday(std::string_view text) {
  static constexpr std::string_view k_days[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                "thursday", "friday", "saturday"};
  std::string lower;
  for (const char c : text) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (int day = 0; day < 7; ++day) {
    if (lower.size() >= 3 && k_days[day].starts_with(lower)) {
      return day;
    }
  }
  throw Error(ErrorCode::usage, tx("invalid day '{}'", text),
              tx("give --drill-day as a day of the week: sun, mon, tue, wed, thu, fri or sat"));
}

std::string cron_line(const ScheduleEntry& entry) {
  return fmt::format("{} {} * * * {} --config {} -q backup {}", entry.time.minute, entry.time.hour,
                     shell_word(entry.binary), shell_word(entry.config_file), k_schedule_marker);
}

std::string drill_cron_line(const ScheduleEntry& entry, int weekday) {
  // Every file verified again first (bit rot keeps name, size and mtime); the drill runs either way.
  const std::string command = fmt::format("{} --config {} -q", shell_word(entry.binary), shell_word(entry.config_file));
  return fmt::format("{} {} * * {} {} verify --all; {} drill latest {}", entry.time.minute, entry.time.hour, weekday,
                     command, command, k_drill_schedule_marker);
}

bool is_schedule_line(std::string_view line, std::string_view marker) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  return line.size() >= marker.size() && line.substr(line.size() - marker.size()) == marker;
}

CrontabEdit crontab_with_line(std::string_view crontab, std::string_view line, std::string_view marker) {
  std::vector<std::string_view> lines;
  bool placed = false;
  for (auto current : split_lines(crontab)) {
    if (!is_schedule_line(current, marker)) {
      lines.push_back(current);
    } else if (!placed) {
      lines.push_back(line);
      placed = true;
    }
  }
  if (!placed) {
    lines.push_back(line);
  }
  CrontabEdit edit;
  edit.text = join_lines(lines);
  edit.changed = edit.text != crontab;
  return edit;
}

CrontabEdit crontab_without_lines(std::string_view crontab, std::string_view marker) {
  std::vector<std::string_view> lines;
  for (auto current : split_lines(crontab)) {
    if (!is_schedule_line(current, marker)) {
      lines.push_back(current);
    }
  }
  CrontabEdit edit;
  edit.text = join_lines(lines);
  // An empty crontab stays empty; a missing final newline alone is no reason to rewrite it.
  edit.changed = lines.size() != split_lines(crontab).size();
  return edit;
}

}  // namespace ifnbackup
