#pragma once
// Human formatting shared by the commands' outputs.
#include <chrono>
#include <cstdint>
#include <string>

#include "ifnbackup/catalog.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::cli {

std::string human_size(std::uint64_t bytes);                      // "1.4 MiB"
std::string human_age(std::chrono::seconds age);                  // "3 d 4 h", "25 h", "12 min"
std::string local_date(const LocalDateTime& t);                   // "2026-11-25 02:00:00"
std::string local_time(std::chrono::system_clock::time_point t);  // same, from an instant
// Who signed a verified file, for verify and the restore plan: "ours (key 3f9a1c0b7e24d655)",
// "trusted key ...", "UNKNOWN key ... (neither this machine's nor trusted)", "unsigned (mysqldump)",
// "unsigned (format 3, before backups were signed)", "BAD signature".
std::string describe_signer(const VerifyResult& result);

}  // namespace ifnbackup::cli
