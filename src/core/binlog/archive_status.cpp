#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "binlog/archive.hpp"
#include "binlog/event.hpp"
#include "ifnbackup/binlog.hpp"
#include "io/folder_lock.hpp"
#include "io/gzip_reader.hpp"

namespace ifnbackup {

std::string format_event_time(std::uint32_t seconds) {
  if (seconds == 0) {
    return "-";
  }
  const std::time_t t = seconds;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

BinlogArchiveStatus read_binlog_archive_status(const std::filesystem::path& backup_dir) {
  const auto scan = binlog::scan_archive(backup_dir);
  BinlogArchiveStatus status;
  if (scan.empty()) {
    return status;
  }
  status.exists = true;
  std::error_code error;
  if (const auto mark = binlog::in_step_time(scan.folder)) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(mark->time_since_epoch());
    status.in_step = static_cast<std::uint32_t>(std::max<std::int64_t>(0, seconds.count()));
  }
  status.archiver_running = io::folder_lock_held(scan.folder, binlog::k_archive_lock);
  const auto& first = scan.logs.front();
  status.first = fmt::format("{}:{}", first.name.str(), first.whole ? 0 : first.chunks.front().start);
  for (const auto& log : scan.logs) {
    if (log.whole) {
      ++status.files;
      status.bytes += std::filesystem::file_size(*log.whole, error);
      const auto written = std::filesystem::last_write_time(*log.whole, error);
      const auto seconds = error ? std::chrono::seconds(0)
                                 : std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::file_clock::to_sys(written).time_since_epoch());
      status.whole_logs.push_back(
          ArchivedWholeLog{log.name.str(), static_cast<std::uint32_t>(std::max<std::int64_t>(0, seconds.count()))});
    }
    for (const auto& chunk : log.chunks) {
      ++status.files;
      status.bytes += std::filesystem::file_size(chunk.path, error);
    }
  }
  for (const auto& gap : scan.gaps) {
    status.gaps.push_back(fmt::format("after {}, before {}", gap.after, gap.before));
  }
  // The newest archived event: the archiver's note of the newest file when it names it at its size, else
  // read the newest file (a whole file, or the last chunk).
  const auto& last = scan.logs.back();
  const auto path = last.whole ? *last.whole : last.chunks.back().path;
  const std::uint64_t start = last.whole ? 0 : last.chunks.back().start;
  if (const auto note = binlog::read_newest_note(scan.folder);
      note && note->file == path.filename().string() && (note->end == "end") == last.whole.has_value()) {
    status.newest_event = note->newest;
    status.last = fmt::format("{}:{}", last.name.str(), note->end);
    return status;
  }
  binlog::EventReader reader(path.filename().string(), start);
  io::GzipReader gzip(path);
  gzip.read_all([&](std::string_view bytes) {
    reader.feed(bytes, [&](const binlog::FileEvent& event) {
      status.newest_event = std::max(status.newest_event, event.header.timestamp);
    });
  });
  reader.finish();
  status.last =
      fmt::format("{}:{}", last.name.str(), last.whole ? std::string("end") : std::to_string(reader.offset()));
  return status;
}

}  // namespace ifnbackup
