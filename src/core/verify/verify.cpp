#include "ifnbackup/verify.hpp"

#include <vector>

#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"
#include "verify/content_scan.hpp"

namespace ifnbackup {
namespace {

constexpr std::size_t k_chunk_size = 1024 * 1024;

}  // namespace

const char* verify_status_name(VerifyStatus status) noexcept {
  switch (status) {
    case VerifyStatus::ok: return "ok";
    case VerifyStatus::ok_legacy: return "ok_legacy";
    case VerifyStatus::corrupt: return "corrupt";
    case VerifyStatus::incomplete: return "incomplete";
  }
  return "unknown";
}

VerifyResult verify_backup_file(const std::filesystem::path& path,
                                const std::function<void(const VerifyProgress&)>& progress) {
  VerifyResult result;
  result.path = path;
  io::GzipReader reader(path);  // a missing or unreadable file throws: it is not a verdict on a backup
  result.compressed_bytes = reader.compressed_total();

  verify_detail::ContentScan scan;
  std::vector<char> buffer(k_chunk_size);
  try {
    for (;;) {
      const std::size_t n = reader.read(buffer);
      if (progress) {
        progress(VerifyProgress{reader.compressed_read(), reader.compressed_total()});
      }
      if (n == 0) {
        break;
      }
      scan.feed(std::string_view(buffer.data(), n));
    }
  } catch (const Error& error) {
    if (error.code() != ErrorCode::corrupt && error.code() != ErrorCode::incomplete) {
      throw;
    }
    result.status = error.code() == ErrorCode::corrupt ? VerifyStatus::corrupt : VerifyStatus::incomplete;
    result.reason = error.what();
    result.uncompressed_bytes = reader.uncompressed_read();
    return result;
  }
  result.compressed_bytes = reader.compressed_total();
  scan.conclude(result);
  return result;
}

}  // namespace ifnbackup
