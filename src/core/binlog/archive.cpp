#include "binlog/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <span>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"

namespace ifnbackup::binlog {

namespace {

constexpr unsigned k_offset_digits = 10;

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> to_number(std::string_view digits) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

std::string end_of(const ArchivedLog& log) {
  if (log.whole) {
    return log.name.str() + ":end";
  }
  return fmt::format("{}:after {}", log.name.str(), log.chunks.back().start);
}

std::string start_of(const ArchivedLog& log) {
  return fmt::format("{}:{}", log.name.str(), log.whole ? 0 : log.chunks.front().start);
}

}  // namespace

std::string LogName::str() const {
  return fmt::format("{}.{:0{}}", base, number, width);
}

LogName LogName::next() const {
  LogName next = *this;
  ++next.number;
  return next;
}

std::optional<LogName> parse_log_name(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || !all_digits(name.substr(dot + 1))) {
    return std::nullopt;
  }
  const auto number = to_number(name.substr(dot + 1));
  if (!number || name.size() - dot - 1 > 20) {
    return std::nullopt;
  }
  return LogName{std::string(name.substr(0, dot)), *number, static_cast<unsigned>(name.size() - dot - 1)};
}

bool log_order(const LogName& a, const LogName& b) noexcept {
  return a.base != b.base ? a.base < b.base : a.number < b.number;
}

std::string LogPosition::str() const {
  return fmt::format("{}:{}", file, offset);
}

std::filesystem::path archive_folder(const std::filesystem::path& backup_dir) {
  return backup_dir / std::string(k_archive_folder);
}

std::string chunk_file_name(const LogName& log, std::uint64_t start) {
  return fmt::format("{}{}{:0{}}{}", log.str(), k_chunk_marker, start, k_offset_digits, k_archive_suffix);
}

std::string whole_file_name(const LogName& log) {
  return log.str() + std::string(k_archive_suffix);
}

std::optional<ArchiveName> parse_archive_name(std::string_view name) {
  if (!name.ends_with(k_archive_suffix)) {
    return std::nullopt;
  }
  std::string_view stem(name);
  stem.remove_suffix(k_archive_suffix.size());
  std::optional<std::uint64_t> start;
  if (const auto marker = stem.rfind(k_chunk_marker); marker != std::string_view::npos) {
    const auto digits = stem.substr(marker + k_chunk_marker.size());
    if (digits.size() != k_offset_digits || !all_digits(digits)) {
      return std::nullopt;
    }
    start = to_number(digits);
    stem = stem.substr(0, marker);
  }
  const auto log_name = parse_log_name(stem);
  if (!log_name) {
    return std::nullopt;
  }
  return ArchiveName{*log_name, start};
}

ArchiveScan scan_archive(const std::filesystem::path& backup_dir) {
  ArchiveScan scan;
  scan.folder = archive_folder(backup_dir);
  std::error_code error;
  if (!std::filesystem::is_directory(scan.folder, error)) {
    return scan;
  }
  std::map<std::string, ArchivedLog> logs;  // by log name
  for (const auto& entry : std::filesystem::directory_iterator(scan.folder)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".partial")) {
      scan.partials.push_back(entry.path());
      continue;
    }
    if (!entry.is_regular_file(error) || entry.is_symlink(error)) {
      continue;
    }
    const auto parsed = parse_archive_name(name);
    if (!parsed) {
      continue;
    }
    auto& log = logs[parsed->log.str()];
    log.name = parsed->log;
    if (parsed->chunk_start) {
      log.chunks.push_back(ArchiveChunk{entry.path(), *parsed->chunk_start});
    } else {
      log.whole = entry.path();
    }
  }
  for (auto& [name, log] : logs) {
    // A whole file beside chunks: a run stopped between writing it and removing them; the whole
    // file holds them all.
    if (log.whole) {
      log.chunks.clear();
    }
    std::sort(log.chunks.begin(), log.chunks.end(),
              [](const ArchiveChunk& a, const ArchiveChunk& b) { return a.start < b.start; });
    scan.logs.push_back(std::move(log));
  }
  std::sort(scan.logs.begin(), scan.logs.end(),
            [](const ArchivedLog& a, const ArchivedLog& b) { return log_order(a.name, b.name); });
  for (std::size_t i = 0; i < scan.logs.size(); ++i) {
    const ArchivedLog& log = scan.logs[i];
    if (!log.whole && log.chunks.front().start != 0) {
      const std::string before = i == 0 ? std::string() : end_of(scan.logs[i - 1]);
      if (i > 0) {
        scan.gaps.push_back(ArchiveGap{before, start_of(log)});
        scan.tail_start = i;
      }
    }
    if (i + 1 < scan.logs.size()) {
      const ArchivedLog& next = scan.logs[i + 1];
      if (!log.whole || next.name.base != log.name.base || next.name.number != log.name.number + 1) {
        scan.gaps.push_back(ArchiveGap{end_of(log), start_of(next)});
        scan.tail_start = i + 1;
      }
    }
  }
  return scan;
}

std::uint64_t archived_size(const std::filesystem::path& path) {
  io::GzipReader reader(path);
  std::uint64_t size = 0;
  reader.read_all([&size](std::string_view chunk) { size += chunk.size(); });
  return size;
}

std::optional<std::string> archived_header_event(const ArchivedLog& log) {
  std::optional<std::filesystem::path> first = log.whole;
  if (!first && !log.chunks.empty() && log.chunks.front().start == 0) {
    first = log.chunks.front().path;
  }
  if (!first) {
    return std::nullopt;
  }
  io::GzipReader reader(*first);
  std::string bytes;
  std::size_t want = 4 + 13;  // the magic number and the event's header up to its length
  std::vector<char> buffer(4096);
  while (bytes.size() < want) {
    const std::size_t n = reader.read(std::span<char>(buffer.data(), std::min(buffer.size(), want - bytes.size())));
    if (n == 0) {
      return std::nullopt;  // shorter than one event: nothing to compare with
    }
    bytes.append(buffer.data(), n);
    if (want == 4 + 13 && bytes.size() == want) {
      const auto length = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[4 + 9])) |
                          static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[4 + 10])) << 8 |
                          static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[4 + 11])) << 16 |
                          static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[4 + 12])) << 24;
      if (length < 19 || length > (1U << 20)) {
        return std::nullopt;
      }
      want = 4 + length;
    }
  }
  return bytes.substr(4);
}

std::optional<LogPosition> resume_position(const ArchiveScan& scan) {
  if (scan.logs.empty()) {
    return std::nullopt;
  }
  const ArchivedLog& last = scan.logs.back();
  if (last.whole) {
    return LogPosition{last.name.next().str(), 4};
  }
  const ArchiveChunk& chunk = last.chunks.back();
  return LogPosition{last.name.str(), chunk.start + archived_size(chunk.path)};
}

void mark_in_step(const std::filesystem::path& folder) {
  const auto path = folder / k_in_step_mark;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || ::futimens(fd, nullptr) != 0) {
    spdlog::debug("{}: {}", path.string(), std::strerror(errno));
  }
  if (fd >= 0) {
    ::close(fd);
  }
}

std::optional<std::chrono::system_clock::time_point> in_step_time(const std::filesystem::path& folder) {
  std::error_code error;
  const auto mark = std::filesystem::last_write_time(folder / k_in_step_mark, error);
  if (error) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(mark));
}

bool holds_from(const ArchiveScan& scan, const LogPosition& position) {
  const auto log = parse_log_name(position.file);
  if (!log || scan.logs.empty()) {
    return false;
  }
  const ArchivedLog& tail = scan.logs[scan.tail_start];
  const ArchivedLog& last = scan.logs.back();
  if (log->base != tail.name.base || log_order(*log, tail.name) || log_order(last.name, *log)) {
    return false;
  }
  return *log != tail.name || tail.whole || position.offset >= tail.chunks.front().start;
}

std::optional<ArchiveGap> check_chunk_ends(const ArchivedLog& log) {
  for (std::size_t i = 0; i + 1 < log.chunks.size(); ++i) {
    const std::uint64_t end = log.chunks[i].start + archived_size(log.chunks[i].path);
    if (end != log.chunks[i + 1].start) {
      return ArchiveGap{fmt::format("{}:{}", log.name.str(), end),
                        fmt::format("{}:{}", log.name.str(), log.chunks[i + 1].start)};
    }
  }
  return std::nullopt;
}

}  // namespace ifnbackup::binlog
