#pragma once
// The free room on the filesystem of the backup folder, for list, status and check.
#include <cstdint>
#include <filesystem>
#include <optional>

namespace ifnbackup {

// Free and total bytes of the filesystem holding path (statvfs); nullopt if unknown.
struct DiskSpace {
  std::uint64_t free_bytes = 0;
  std::uint64_t total_bytes = 0;
  double free_percent() const {
    return total_bytes == 0 ? 0.0 : 100.0 * static_cast<double>(free_bytes) / static_cast<double>(total_bytes);
  }
};
std::optional<DiskSpace> disk_space(const std::filesystem::path& path);

}  // namespace ifnbackup
