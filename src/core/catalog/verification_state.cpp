#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/inventory.hpp"
#include "ifnbackup/retention.hpp"
#include "io/file_io.hpp"

namespace ifnbackup {

namespace fs = std::filesystem;

namespace {

std::optional<VerifyStatus> parse_status(const std::string& text) {
  for (auto status : {VerifyStatus::ok, VerifyStatus::ok_legacy, VerifyStatus::corrupt, VerifyStatus::incomplete}) {
    if (text == verify_status_name(status)) {
      return status;
    }
  }
  return std::nullopt;
}

std::string one_line(std::string text) {
  for (auto& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return text;
}

}  // namespace

VerificationState VerificationState::load(const fs::path& backup_dir) {
  VerificationState state;
  state.m_path = backup_dir / k_file_name;
  std::ifstream in(state.m_path);
  std::string line;
  // name, size, mtime ticks, status, verified at (unix seconds), tables, rows, reason, holds tables (0/1)
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, '\t')) {
      fields.push_back(field);
    }
    if (fields.size() < 7) {
      continue;
    }
    try {
      VerificationRecord record;
      record.name = fields[0];
      record.size = std::stoull(fields[1]);
      record.mtime_ticks = std::stoll(fields[2]);
      const auto status = parse_status(fields[3]);
      if (!status) {
        continue;
      }
      record.status = *status;
      record.verified_at = std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(fields[4])));
      record.tables = std::stoull(fields[5]);
      record.rows = std::stoull(fields[6]);
      record.reason = fields.size() > 7 ? fields[7] : "";
      if (fields.size() > 8) {
        record.holds_tables = fields[8] == "1";
      } else if (record.status == VerifyStatus::ok_legacy) {
        continue;  // recorded before legacy files were looked into: verified again when needed
      } else {
        record.holds_tables = record.status == VerifyStatus::ok && record.tables > 0;
      }
      state.m_records[record.name] = std::move(record);
    } catch (const std::exception&) {
      continue;  // a damaged line only loses what it remembered
    }
  }
  return state;
}

const VerificationRecord* VerificationState::find(const CatalogEntry& entry) const {
  const auto it = m_records.find(entry.name);
  if (it == m_records.end() || it->second.size != entry.size ||
      it->second.mtime_ticks != entry.mtime.time_since_epoch().count()) {
    return nullptr;
  }
  return &it->second;
}

void VerificationState::record(const CatalogEntry& entry, const VerifyResult& result,
                               std::chrono::system_clock::time_point now) {
  VerificationRecord record;
  record.name = entry.name;
  record.size = entry.size;
  record.mtime_ticks = entry.mtime.time_since_epoch().count();
  record.status = result.status;
  record.reason = one_line(result.reason);
  record.verified_at = now;
  record.tables = result.tables.size();
  for (const auto& table : result.tables) {
    record.rows += table.rows;
  }
  record.holds_tables = result.holds_tables();
  m_records[entry.name] = std::move(record);
}

void VerificationState::save() const {
  std::string text;
  for (const auto& [name, r] : m_records) {
    text += fmt::format(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", name, r.size, r.mtime_ticks, verify_status_name(r.status),
        std::chrono::duration_cast<std::chrono::seconds>(r.verified_at.time_since_epoch()).count(), r.tables,
        r.rows, r.reason, r.holds_tables ? 1 : 0);
  }
  io::replace_file(m_path, text, 0600);
}

Health health_of(const VerificationRecord* record) {
  if (record == nullptr) {
    return Health::unknown;
  }
  if (record->status != VerifyStatus::ok && record->status != VerifyStatus::ok_legacy) {
    return Health::bad;
  }
  return record->holds_tables ? Health::good : Health::empty;
}

VerifyResult verify_entry(const CatalogEntry& entry, VerificationState& state,
                          const std::function<void(const VerifyProgress&)>& progress) {
  auto result = verify_backup_file(entry.path, progress);
  state.record(entry, result, std::chrono::system_clock::now());
  return result;
}

std::optional<DiskSpace> disk_space(const fs::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return DiskSpace{static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize,
                   static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize};
}

}  // namespace ifnbackup
