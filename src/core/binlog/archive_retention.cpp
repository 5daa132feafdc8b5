#include "binlog/archive_retention.hpp"

#include <algorithm>
#include <array>
#include <span>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/event.hpp"
#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"

namespace ifnbackup::binlog {

bool holds_archived_log(const std::filesystem::path& path, std::optional<std::uint64_t> chunk_start) {
  std::array<char, k_header_bytes + 4> head{};
  std::size_t got = 0;
  try {
    io::GzipReader gzip(path);
    while (got < head.size()) {
      const auto n = gzip.read(std::span<char>(head.data() + got, head.size() - got));
      if (n == 0) {
        break;
      }
      got += n;
    }
  } catch (const Error& error) {
    spdlog::debug("{}: {}", path.string(), error.what());
    return false;
  }
  const std::string_view bytes(head.data(), got);
  const std::uint64_t start = chunk_start.value_or(0);
  if (start == 0) {
    return bytes.starts_with(k_magic) && bytes.size() >= k_magic.size() + k_header_bytes;
  }
  const auto header = parse_header(bytes);
  return header && header->length >= k_header_bytes && header->next_pos == start + header->length;
}

bool older_position(const LogPosition& position, const std::optional<LogPosition>& oldest) {
  const auto log = parse_log_name(position.file);
  const auto oldest_log = oldest ? parse_log_name(oldest->file) : std::nullopt;
  if (!log) {
    return false;
  }
  return !oldest_log || log_order(*log, *oldest_log) || (*log == *oldest_log && position.offset < oldest->offset);
}

std::vector<ArchivedFileDecision> decide_archive_retention(
    std::vector<ArchivedFile> files, const std::optional<LogPosition>& needed, const std::string& needed_by,
    const Text& keep_all_reason, const std::function<bool(const ArchivedFile&)>& written_by_us, const Text& not_ours) {
  std::sort(files.begin(), files.end(), [](const ArchivedFile& a, const ArchivedFile& b) {
    if (a.name.log == b.name.log) {
      return a.name.chunk_start.value_or(0) < b.name.chunk_start.value_or(0);
    }
    return log_order(a.name.log, b.name.log);
  });
  const auto needed_log = needed ? parse_log_name(needed->file) : std::nullopt;
  std::vector<ArchivedFileDecision> decisions;
  for (const auto& file : files) {
    ArchivedFileDecision decision;
    decision.path = file.path;
    decision.bytes = file.bytes;
    const LogName& log = file.name.log;
    if (!needed_log) {
      decision.reason = keep_all_reason;
    } else if (log.base != needed_log->base) {
      decision.reason = tx("another log name than the kept backups' ({})", needed_log->base);
    } else if (log == files.back().name.log) {
      decision.reason = tx("the archive's newest log (the archiver may be writing it)");
    } else if (!log_order(log, *needed_log)) {
      decision.reason = tx("needed: {} restores from {}", needed_by, needed->str());
    } else if (!written_by_us(file)) {
      decision.reason = not_ours;
    } else {
      decision.remove = true;
      decision.reason = tx("before {}, the oldest position a kept backup needs ({})", needed->str(), needed_by);
    }
    decisions.push_back(std::move(decision));
  }
  return decisions;
}

std::vector<ArchivedFileDecision> plan_archive_retention(const std::filesystem::path& backup_dir,
                                                         const std::optional<LogPosition>& needed,
                                                         const std::string& needed_by) {
  const auto folder = archive_folder(backup_dir);
  std::vector<ArchivedFile> files;
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return {};
  }
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file(error) || entry.is_symlink(error)) {
      continue;
    }
    if (auto name = parse_archive_name(entry.path().filename().string())) {
      files.push_back(ArchivedFile{std::move(*name), entry.path(), std::filesystem::file_size(entry.path(), error)});
    }
  }
  return decide_archive_retention(
      std::move(files), needed, needed_by, tx("no kept backup records a binlog position: the archive is kept whole"),
      [](const ArchivedFile& file) { return holds_archived_log(file.path, file.name.chunk_start); },
      tx("named like the archive's files but not a binary log archived by ifnbackup: never removed"));
}

}  // namespace ifnbackup::binlog
