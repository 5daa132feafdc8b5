#include "ifnbackup/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <variant>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/json.hpp"
#include "io/file_io.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

namespace {

std::string one_line(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return text;
}

// A flat JSON object of strings and integers: all a journal line holds. Anything else, or a line
// cut short, is rejected as a whole.
using FlatValue = std::variant<std::string, std::int64_t>;

class FlatObjectParser {
 public:
  explicit FlatObjectParser(std::string_view text) : m_text(text) {}

  std::optional<std::map<std::string, FlatValue>> parse() {
    std::map<std::string, FlatValue> fields;
    skip_space();
    if (!eat('{')) {
      return std::nullopt;
    }
    skip_space();
    if (eat('}')) {
      return at_end() ? std::optional(fields) : std::nullopt;
    }
    while (true) {
      skip_space();
      auto key = parse_string();
      skip_space();
      if (!key || !eat(':')) {
        return std::nullopt;
      }
      skip_space();
      std::optional<FlatValue> value;
      if (peek() == '"') {
        if (auto text = parse_string()) {
          value = std::move(*text);
        }
      } else {
        value = parse_integer();
      }
      if (!value) {
        return std::nullopt;
      }
      fields[*key] = std::move(*value);
      skip_space();
      if (eat(',')) {
        continue;
      }
      if (eat('}')) {
        return at_end() ? std::optional(fields) : std::nullopt;
      }
      return std::nullopt;
    }
  }

 private:
  char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
  bool eat(char c) {
    if (peek() == c && m_pos < m_text.size()) {
      ++m_pos;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r')) {
      ++m_pos;
    }
  }
  bool at_end() {
    skip_space();
    return m_pos == m_text.size();
  }

  std::optional<std::int64_t> parse_integer() {
    const std::size_t begin = m_pos;
    eat('-');
    while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
      ++m_pos;
    }
    const std::string digits(m_text.substr(begin, m_pos - begin));
    if (digits.empty() || digits == "-") {
      return std::nullopt;
    }
    try {
      return std::stoll(digits);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  std::optional<std::string> parse_string() {
    if (!eat('"')) {
      return std::nullopt;
    }
    std::string out;
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos++];
      if (c == '"') {
        return out;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (m_pos >= m_text.size()) {
        return std::nullopt;
      }
      const char escape = m_text[m_pos++];
      switch (escape) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          if (m_pos + 4 > m_text.size()) {
            return std::nullopt;
          }
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = m_text[m_pos++];
            code <<= 4;
            if (h >= '0' && h <= '9') {
              code |= static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              code |= static_cast<unsigned>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
              code |= static_cast<unsigned>(h - 'A' + 10);
            } else {
              return std::nullopt;
            }
          }
          append_utf8(out, code);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;  // cut short
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

const std::string* string_field(const std::map<std::string, FlatValue>& fields, const char* name) {
  const auto it = fields.find(name);
  return it == fields.end() ? nullptr : std::get_if<std::string>(&it->second);
}

const std::int64_t* integer_field(const std::map<std::string, FlatValue>& fields, const char* name) {
  const auto it = fields.find(name);
  return it == fields.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
}

// The optional fields of a record: left as they are when absent, or negative where a count is due.
void take(const std::map<std::string, FlatValue>& fields, const char* name, std::string& out) {
  if (const auto* text = string_field(fields, name)) {
    out = *text;
  }
}

void take(const std::map<std::string, FlatValue>& fields, const char* name, std::int64_t& out) {
  if (const auto* number = integer_field(fields, name)) {
    out = *number;
  }
}

void take(const std::map<std::string, FlatValue>& fields, const char* name, std::uint64_t& out) {
  if (const auto* number = integer_field(fields, name); number != nullptr && *number >= 0) {
    out = static_cast<std::uint64_t>(*number);
  }
}

bool parse_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_iso8601(Clock::time_point when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when - seconds).count();
  const std::time_t t = Clock::to_time_t(seconds);
  std::tm local{};
  ::localtime_r(&t, &local);
  char base[32];
  std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &local);
  const long offset = local.tm_gmtoff;
  const long magnitude = offset < 0 ? -offset : offset;
  return fmt::format("{}.{:03d}{}{:02d}:{:02d}", base, millis, offset < 0 ? '-' : '+', magnitude / 3600,
                     (magnitude % 3600) / 60);
}

std::optional<Clock::time_point> parse_iso8601(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !parse_digits(text, 0, 4, year) || text[4] != '-' || !parse_digits(text, 5, 2, month) ||
      text[7] != '-' || !parse_digits(text, 8, 2, day) || text[10] != 'T' || !parse_digits(text, 11, 2, hour) ||
      text[13] != ':' || !parse_digits(text, 14, 2, minute) || text[16] != ':' || !parse_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (text[pos] == '.') {
    if (!parse_digits(text, pos + 1, 3, millis)) {
      return std::nullopt;
    }
    pos += 4;
  }
  int offset_seconds = 0;
  if (pos < text.size() && text[pos] == 'Z' && pos + 1 == text.size()) {
    offset_seconds = 0;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!parse_digits(text, pos + 1, 2, oh) || !parse_digits(text, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const auto utc = std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                   std::chrono::seconds(second) + std::chrono::milliseconds(millis) -
                   std::chrono::seconds(offset_seconds);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(utc.time_since_epoch()));
}

std::string format_journal_line(const RunRecord& record) {
  util::JsonWriter json;
  json.begin_object()
      .field("start", format_iso8601(record.start))
      .field("end", format_iso8601(record.end))
      .field("command", record.command)
      .field("result", record.result)
      .field("exit_code", record.exit_code)
      .field("file", record.file)
      .field("bytes", record.bytes)
      .field("rows", record.rows)
      .field("duration_ms", record.duration_ms)
      .field("message", one_line(record.message));
  if (record.command == "drill") {
    json.field("database", record.database)
        .field("tables", record.tables)
        .field("tables_proven", record.tables_proven)
        .field("restore_ms", record.restore_ms);
  }
  if (record.command == "backup") {
    json.field("retries", record.retries);
  }
  if (!record.offsite.empty()) {
    json.field("offsite", record.offsite).field("offsite_message", one_line(record.offsite_message));
  }
  if (!record.offsite_file.empty()) {
    json.field("offsite_file", record.offsite_file);
  }
  if (!record.binlog_offsite.empty()) {
    json.field("binlog_offsite", record.binlog_offsite);
  }
  json.end_object();
  return json.str() + "\n";
}

std::optional<RunRecord> parse_journal_line(std::string_view line) {
  auto fields = FlatObjectParser(line).parse();
  if (!fields) {
    return std::nullopt;
  }
  const auto* start = string_field(*fields, "start");
  const auto* end = string_field(*fields, "end");
  const auto* command = string_field(*fields, "command");
  const auto* result = string_field(*fields, "result");
  const auto* exit_code = integer_field(*fields, "exit_code");
  if (start == nullptr || end == nullptr || command == nullptr || result == nullptr || exit_code == nullptr) {
    return std::nullopt;
  }
  const auto start_time = parse_iso8601(*start);
  const auto end_time = parse_iso8601(*end);
  if (!start_time || !end_time) {
    return std::nullopt;
  }
  RunRecord record;
  record.start = *start_time;
  record.end = *end_time;
  record.command = *command;
  record.result = *result;
  record.exit_code = static_cast<int>(*exit_code);
  take(*fields, "file", record.file);
  take(*fields, "message", record.message);
  take(*fields, "bytes", record.bytes);
  take(*fields, "rows", record.rows);
  take(*fields, "duration_ms", record.duration_ms);
  take(*fields, "database", record.database);
  take(*fields, "tables", record.tables);
  take(*fields, "tables_proven", record.tables_proven);
  take(*fields, "restore_ms", record.restore_ms);
  take(*fields, "retries", record.retries);
  take(*fields, "offsite", record.offsite);
  take(*fields, "offsite_message", record.offsite_message);
  take(*fields, "offsite_file", record.offsite_file);
  take(*fields, "binlog_offsite", record.binlog_offsite);
  return record;
}

void append_journal(const fs::path& dir, const RunRecord& record) {
  const fs::path path = dir / k_journal_file_name;
  std::string line = format_journal_line(record);
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    io::throw_io_error(errno, tx("opening {}", path.string()));
  }
  // After a crash mid-write the file ends inside a line: start on a fresh one so this record
  // is not glued to the torn one.
  struct stat info {};
  char last = '\n';
  if (::fstat(fd, &info) == 0 && info.st_size > 0 && ::pread(fd, &last, 1, info.st_size - 1) == 1 && last != '\n') {
    line.insert(line.begin(), '\n');
  }
  // One write() of the whole line: concurrent runs never interleave inside a line, and a crash
  // leaves at worst a torn last line, which readers skip.
  ssize_t written = -1;
  do {
    written = ::write(fd, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  const int write_errno = errno;
  if (written != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    io::throw_io_error(written < 0 ? write_errno : ENOSPC, tx("writing {}", path.string()));
  }
  if (::fsync(fd) != 0) {
    const int sync_errno = errno;
    ::close(fd);
    io::throw_io_error(sync_errno, tx("syncing {}", path.string()));
  }
  ::close(fd);
}

Journal read_journal(const fs::path& dir) {
  Journal journal;
  const fs::path path = dir / k_journal_file_name;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return journal;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::io, tx("cannot read {}", path.string()), tx("check the log folder's permissions"));
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    if (auto record = parse_journal_line(line)) {
      journal.records.push_back(std::move(*record));
    } else {
      ++journal.skipped_lines;
    }
  }
  return journal;
}

const RunRecord* last_run(const Journal& journal, std::string_view command) {
  for (auto it = journal.records.rbegin(); it != journal.records.rend(); ++it) {
    if (it->command == command) {
      return &*it;
    }
  }
  return nullptr;
}

}  // namespace ifnbackup
