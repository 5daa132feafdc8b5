#include "ifnbackup/catalog.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <sys/stat.h>

#include "ifnbackup/error.hpp"

namespace ifnbackup {

namespace {

constexpr std::size_t k_stamp_length = 15;  // YYYYMMDD_HHMMSS

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Digits only, no sign, no spaces: what from_chars or stoi would let through is rejected here.
bool read_number(std::string_view text, unsigned& out) {
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) {
      return false;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  out = value;
  return !text.empty();
}

std::optional<LocalDateTime> parse_stamp(std::string_view stamp) {
  if (stamp.size() != k_stamp_length || stamp[8] != '_') {
    return std::nullopt;
  }
  unsigned year = 0;
  LocalDateTime t;
  if (!read_number(stamp.substr(0, 4), year) || !read_number(stamp.substr(4, 2), t.month) ||
      !read_number(stamp.substr(6, 2), t.day) || !read_number(stamp.substr(9, 2), t.hour) ||
      !read_number(stamp.substr(11, 2), t.minute) || !read_number(stamp.substr(13, 2), t.second)) {
    return std::nullopt;
  }
  t.year = static_cast<int>(year);
  // We never wrote a name before 1970; refusing them keeps mktime away from negative times.
  if (t.year < 1970) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{t.year}, std::chrono::month{t.month},
                                         std::chrono::day{t.day}};
  if (!date.ok() || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return std::nullopt;
  }
  return t;
}

std::chrono::system_clock::time_point local_to_time_point(const LocalDateTime& t) {
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = static_cast<int>(t.month) - 1;
  tm.tm_mday = static_cast<int>(t.day);
  tm.tm_hour = static_cast<int>(t.hour);
  tm.tm_min = static_cast<int>(t.minute);
  tm.tm_sec = static_cast<int>(t.second);
  tm.tm_isdst = -1;  // let the zone rules decide whether daylight saving applies
  const std::time_t seconds = std::mktime(&tm);
  // A name dated after 2262 (a typo, or a forgery) would wrap round to a date long past.
  constexpr auto k_last_second =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::time_point::max()).time_since_epoch();
  if (seconds >= k_last_second.count()) {
    return std::chrono::system_clock::time_point::max();
  }
  return std::chrono::system_clock::from_time_t(seconds);
}

std::chrono::system_clock::time_point from_timespec(const struct timespec& ts) {
  const auto since_epoch = std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
  return std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch)};
}

}  // namespace

const char* backup_kind_name(BackupKind kind) noexcept {
  switch (kind) {
    case BackupKind::backup:
      return "backup";
    case BackupKind::safety_snapshot:
      return "safety_snapshot";
    case BackupKind::partial:
      return "partial";
    case BackupKind::foreign:
      return "foreign";
  }
  return "unknown";
}

std::optional<BackupName> parse_backup_name(std::string_view name, std::string_view prefix) {
  const bool partial = name.ends_with(k_partial_suffix);
  if (partial) {
    name.remove_suffix(k_partial_suffix.size());
  }
  const bool encrypted = name.ends_with(k_encrypted_suffix);
  if (encrypted) {
    name.remove_suffix(k_encrypted_suffix.size());
  }
  if (!name.ends_with(k_backup_suffix)) {
    return std::nullopt;
  }
  name.remove_suffix(k_backup_suffix.size());
  // What is left: <prefix>_YYYYMMDD_HHMMSS
  if (name.size() < k_stamp_length + 1 || name[name.size() - k_stamp_length - 1] != '_') {
    return std::nullopt;
  }
  const std::string_view stem = name.substr(0, name.size() - k_stamp_length - 1);
  const auto local = parse_stamp(name.substr(name.size() - k_stamp_length));
  if (!local) {
    return std::nullopt;
  }

  BackupName result;
  if (stem == k_safety_snapshot_prefix) {
    result.final_kind = BackupKind::safety_snapshot;
  } else if (!prefix.empty() && stem == prefix) {
    result.final_kind = BackupKind::backup;
  } else {
    return std::nullopt;
  }
  result.kind = partial ? BackupKind::partial : result.final_kind;
  result.encrypted = encrypted;
  result.local = *local;
  result.timestamp = local_to_time_point(*local);
  return result;
}

void check_backup_prefix(std::string_view prefix) {
  const std::string given(prefix);
  const Text hint = tx("give a plain name, e.g. --prefix nightly (the folder goes in --backup-dir)");
  if (prefix.empty()) {
    throw Error(ErrorCode::usage, tx("invalid --prefix '': a backup's name starts with its prefix"), hint);
  }
  if (prefix.find('/') != std::string_view::npos) {
    throw Error(ErrorCode::usage, tx("invalid --prefix '{}': a file name prefix may not hold '/'", given), hint);
  }
  if (std::any_of(prefix.begin(), prefix.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    throw Error(ErrorCode::usage, tx("invalid --prefix: it holds a control character"), hint);
  }
  if (prefix.front() == '.' || prefix.front() == '-') {
    throw Error(ErrorCode::usage,
                tx("invalid --prefix '{}': a name starting with '.' is hidden by ls, one starting with '-' is read "
                   "as an option by gunzip and the shell tools",
                   given),
                hint);
  }
  if (prefix.size() > k_max_prefix_bytes) {
    throw Error(ErrorCode::usage,
                tx("invalid --prefix: {} bytes long, {} at most (a file name holds 255 bytes)", prefix.size(),
                   k_max_prefix_bytes),
                hint);
  }
  if (prefix == k_safety_snapshot_prefix) {
    throw Error(ErrorCode::usage,
                tx("invalid --prefix '{}': it names the safety snapshots of restore, whose rotation (by any "
                   "prefix) would remove these backups",
                   given),
                hint);
  }
}

bool dated_in_future(std::chrono::system_clock::time_point timestamp, std::chrono::system_clock::time_point now) {
  return timestamp > now && timestamp - now > k_future_tolerance;
}

std::string format_backup_name(std::string_view prefix, std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(when));
  std::tm tm{};
  if (localtime_r(&seconds, &tm) == nullptr) {
    throw Error(ErrorCode::internal, tx("cannot convert time {} to local time", seconds));
  }
  return fmt::format("{}_{:04}{:02}{:02}_{:02}{:02}{:02}{}", prefix, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, k_backup_suffix);
}

CatalogEntry catalog_entry_from_name(const std::filesystem::path& dir, std::string_view name, std::string_view prefix) {
  CatalogEntry entry;
  entry.name = std::string(name);
  entry.path = dir / entry.name;
  if (const auto parsed = parse_backup_name(name, prefix)) {
    entry.kind = parsed->kind;
    entry.final_kind = parsed->final_kind;
    entry.encrypted = parsed->encrypted;
    entry.local = parsed->local;
    entry.timestamp = parsed->timestamp;
  }
  return entry;
}

bool newest_first(const CatalogEntry& a, const CatalogEntry& b) noexcept {
  const bool a_foreign = a.kind == BackupKind::foreign;
  const bool b_foreign = b.kind == BackupKind::foreign;
  if (a_foreign != b_foreign) {
    return b_foreign;
  }
  if (!a_foreign && a.timestamp != b.timestamp) {
    return a.timestamp > b.timestamp;
  }
  return a.name < b.name;
}

std::vector<CatalogEntry> scan_backup_folder(const std::filesystem::path& dir, std::string_view prefix) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    throw Error(ErrorCode::io, tx("cannot read backup folder {}: {}", dir.string(), errno_text(ec.value())),
                tx("check that the folder exists and that this user may read it"));
  }

  std::vector<CatalogEntry> entries;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    const std::filesystem::path path = it->path();
    struct stat st {};
    // lstat, not stat: a symlink is described, never followed.
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        continue;  // removed while we listed (another run rotating)
      }
      throw Error(ErrorCode::io, tx("cannot stat {}: {}", path.string(), errno_text(errno)),
                  tx("check that the folder exists and that this user may read it"));
    }
    const std::string name = path.filename().string();
    CatalogEntry entry;
    if (S_ISREG(st.st_mode)) {
      entry = catalog_entry_from_name(dir, name, prefix);
    } else {
      entry.name = name;
      entry.path = dir / name;
    }
    entry.size = static_cast<std::uintmax_t>(st.st_size);
    entry.mtime = from_timespec(st.st_mtim);
    entries.push_back(std::move(entry));
  }
  if (ec) {
    throw Error(ErrorCode::io, tx("cannot read backup folder {}: {}", dir.string(), errno_text(ec.value())),
                tx("check that the folder exists and that this user may read it"));
  }
  std::sort(entries.begin(), entries.end(), newest_first);
  return entries;
}

}  // namespace ifnbackup
