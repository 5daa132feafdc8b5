// The archive's note of its newest file (binlog/archive.hpp, k_newest_note): written by the archiver,
// read by status and check instead of decompressing the newest file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "binlog/archive.hpp"

namespace ifnbackup::binlog {

void write_newest_note(const std::filesystem::path& folder, const NewestNote& note) {
  const auto path = folder / k_newest_note;
  const auto temporary = folder / (std::string(k_newest_note) + ".tmp");
  const std::string text = fmt::format("{} {} {} {} {}\n", note.file, note.size, note.end, note.newest,
                                       note.log_newest ? std::to_string(*note.log_newest) : std::string("-"));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  const bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) {
    ::close(fd);
  }
  // No fsync: a note lost or torn by a crash is one that does not match, and the file is read instead.
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    spdlog::debug("{}: {}", path.string(), std::strerror(errno));
    std::error_code error;
    std::filesystem::remove(temporary, error);
  }
}

void remove_newest_note(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::remove(folder / k_newest_note, error);
}

std::optional<NewestNote> read_newest_note(const std::filesystem::path& folder) {
  std::ifstream in(folder / k_newest_note);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return std::nullopt;
  }
  std::istringstream fields(line);
  NewestNote note;
  std::string log_newest;
  if (!(fields >> note.file >> note.size >> note.end >> note.newest >> log_newest)) {
    return std::nullopt;
  }
  if (log_newest != "-") {
    try {
      note.log_newest = static_cast<std::uint32_t>(std::stoul(log_newest));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  std::error_code error;
  const auto size = std::filesystem::file_size(folder / note.file, error);
  if (error || note.file.find('/') != std::string::npos || note.size != size) {
    return std::nullopt;
  }
  return note;
}

}  // namespace ifnbackup::binlog
