#include "command/backup_header.hpp"

#include <array>
#include <ctime>
#include <regex>

#include <spdlog/spdlog.h>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verification_state.hpp"
#include "io/gzip_reader.hpp"

namespace ifnbackup {

std::map<std::string, std::string> read_backup_header(const std::filesystem::path& path) {
  std::map<std::string, std::string> header;
  std::string text;
  try {
    io::GzipReader gzip(path);
    std::array<char, 16384> buffer{};
    text.assign(buffer.data(), gzip.read(buffer));
  } catch (const Error& error) {
    spdlog::debug("{}: {}", path.string(), error.what());
    return header;
  }
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    if (end == std::string::npos) {
      break;
    }
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    if (!line.starts_with("--")) {
      break;
    }
    constexpr std::string_view k_key = "-- ifnbackup-";
    if (const auto colon = line.find(": "); line.starts_with(k_key) && colon != std::string_view::npos) {
      header[std::string(line.substr(k_key.size(), colon - k_key.size()))] = std::string(line.substr(colon + 2));
    }
  }
  return header;
}

std::optional<std::int64_t> parse_header_time(const std::string& text) {
  std::tm tm{};
  if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::optional<binlog::LogPosition> parse_snapshot_position(const std::string& text) {
  static const std::regex k_binlog(R"((?:^| )binlog=([^ :]+):([0-9]+))");
  std::smatch match;
  if (!std::regex_search(text, match, k_binlog)) {
    return std::nullopt;
  }
  return binlog::LogPosition{match[1].str(), std::stoull(match[2].str())};
}

std::string parse_snapshot_gtid(const std::string& text) {
  static const std::regex k_gtid(R"((?:^| )gtid=([^ ]+))");
  std::smatch match;
  return std::regex_search(text, match, k_gtid) ? match[1].str() : std::string();
}

std::optional<binlog::LogPosition> backup_binlog_position(const std::filesystem::path& path) {
  const auto header = read_backup_header(path);
  const auto snapshot = header.find("snapshot");
  return snapshot == header.end() ? std::nullopt : parse_snapshot_position(snapshot->second);
}

std::vector<RecoveryBase> recovery_bases(const std::filesystem::path& backup_dir, const std::string& prefix,
                                         const std::string& database) {
  const auto state = VerificationState::load(backup_dir);
  std::vector<RecoveryBase> found;
  for (const auto& entry : scan_backup_folder(backup_dir, prefix)) {
    if (entry.kind != BackupKind::backup) {
      continue;
    }
    if (const auto* record = state.find(entry);
        record != nullptr && (!(record->status == VerifyStatus::ok) || record->not_restorable())) {
      continue;
    }
    const auto header = read_backup_header(entry.path);
    const auto source = header.find("database");
    const auto started = header.find("started");
    const auto snapshot = header.find("snapshot");
    if (source == header.end() || (!database.empty() && source->second != database) || started == header.end() ||
        snapshot == header.end()) {
      continue;
    }
    const auto when = parse_header_time(started->second);
    const auto position = parse_snapshot_position(snapshot->second);
    if (!when || !position) {
      continue;
    }
    found.push_back(RecoveryBase{entry.path, started->second, *when, *position, parse_snapshot_gtid(snapshot->second)});
  }
  return found;
}

}  // namespace ifnbackup
