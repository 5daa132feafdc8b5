#include "format.hpp"

#include "ifnbackup/i18n.hpp"

#include <ctime>

#include <fmt/format.h>

namespace ifnbackup::cli {

std::string human_size(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  if (b < 1024.0 * 1024) {
    return fmt::format("{:.1f} KiB", b / 1024);
  }
  if (b < 1024.0 * 1024 * 1024) {
    return fmt::format("{:.1f} MiB", b / 1048576);
  }
  return fmt::format("{:.2f} GiB", b / 1073741824);
}

std::string human_age(std::chrono::seconds age) {
  const auto s = age.count();
  if (s < 0) {
    return tr("in the future");
  }
  if (s < 3600) {
    return fmt::format("{} min", s / 60);
  }
  if (s < 48 * 3600) {
    return fmt::format("{} h", s / 3600);
  }
  return trf("{} d {} h", s / 86400, (s % 86400) / 3600);
}

std::string local_date(const LocalDateTime& t) {
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

std::string local_time(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", &tm);
  return buffer;
}

std::string describe_signer(const VerifyResult& result) {
  const Signer& signer = result.signer;
  switch (signer.trust) {
    case SignerTrust::ours:
      return trf("ours (key {})", signer.fingerprint);
    case SignerTrust::trusted:
      return trf("trusted key {}", signer.fingerprint);
    case SignerTrust::unknown:
      return trf("UNKNOWN key {} (neither this machine's nor trusted)", signer.fingerprint);
    case SignerTrust::bad:
      return tr("BAD signature");
    case SignerTrust::none:
      break;
  }
  if (result.status == VerifyStatus::ok_legacy) {
    return tr("unsigned (mysqldump)");
  }
  const auto format = result.header.find("format");
  return trf("unsigned (format {}, before backups were signed)",
             format == result.header.end() ? std::string("?") : format->second);
}

}  // namespace ifnbackup::cli
