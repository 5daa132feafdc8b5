#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/retention.hpp"
#include "ifnbackup/verification_state.hpp"
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

// The source database in the state file: any name on one field, as hexadecimal digits.
std::string hex_of(std::string_view text) {
  std::string out;
  for (const char c : text) {
    out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc{} || end != hex.data() + i + 2) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
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
  // name, size, mtime ticks, status, verified at (unix seconds), tables, rows, reason, holds tables (0/1),
  // database (hex; "-" none recorded; "?" or absent: not known), schema check (absent: never run),
  // check ("full" or absent: a full verification; "written", or anything else: the backup's read-back)
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
      if (fields.size() > 9) {
        // A field that does not decode leaves the database unknown: verified again when it matters.
        record.database_known = fields[9] == "-" || from_hex(fields[9]).has_value();
        if (record.database_known && fields[9] != "-") {
          record.database = from_hex(fields[9]);
        }
      }
      record.schema_check = fields.size() > 10 ? fields[10] : "";
      // Absent: a full one, what every earlier version did. Present, only "full" is one: a field that
      // does not read as either is the lighter check, verified in full where it matters (rotate's floor).
      record.check = fields.size() <= 11 || fields[11] == verify_check_name(VerifyCheck::full) ? VerifyCheck::full
                                                                                               : VerifyCheck::written;
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
  record.database_known = true;
  record.database = header_database(result.header);
  record.check = result.check;
  // The schema check is not redone by a verification: kept while the file is the one it checked.
  if (const VerificationRecord* previous = find(entry); previous != nullptr) {
    record.schema_check = previous->schema_check;
  }
  m_records[entry.name] = std::move(record);
}

void VerificationState::record_copy(const CatalogEntry& entry, const VerificationRecord& record) {
  VerificationRecord copy = record;
  copy.name = entry.name;
  copy.size = entry.size;
  copy.mtime_ticks = entry.mtime.time_since_epoch().count();
  m_records[entry.name] = std::move(copy);
}

void VerificationState::record_schema_check(const CatalogEntry& entry, std::string outcome) {
  const auto it = m_records.find(entry.name);
  if (it != m_records.end()) {
    it->second.schema_check = one_line(std::move(outcome));
  }
}

void VerificationState::save() const {
  std::string text;
  for (const auto& [name, r] : m_records) {
    text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", name, r.size, r.mtime_ticks, verify_status_name(r.status),
                        std::chrono::duration_cast<std::chrono::seconds>(r.verified_at.time_since_epoch()).count(),
                        r.tables, r.rows, r.reason, r.holds_tables ? 1 : 0);
    // The database ("-": none recorded, "?": not known yet), then the schema check.
    text += '\t' + (r.database_known ? (r.database ? hex_of(*r.database) : std::string("-")) : std::string("?"));
    text += '\t' + r.schema_check + '\t' + verify_check_name(r.check) + '\n';
  }
  io::replace_file(m_path, text, 0600);
}

bool record_is_current(const VerificationRecord* record, std::chrono::system_clock::time_point now) {
  return record != nullptr && record->database_known && now - record->verified_at < k_verification_max_age;
}

bool is_backup_of(const VerificationRecord& record, const std::string& database) {
  return record.database_known && record.database == database;
}

Health health_of(const VerificationRecord* record) {
  if (record == nullptr) {
    return Health::unknown;
  }
  if (record->status != VerifyStatus::ok && record->status != VerifyStatus::ok_legacy) {
    return Health::bad;
  }
  if (record->not_restorable()) {
    return Health::unrestorable;
  }
  return record->holds_tables ? Health::good : Health::empty;
}

VerifyResult verify_entry(const CatalogEntry& entry, VerificationState& state,
                          const std::function<void(const VerifyProgress&)>& progress,
                          const EncryptedVerifier& encrypted) {
  if (entry.encrypted && !encrypted) {
    throw Error(ErrorCode::usage, tx("{} is encrypted (age): it cannot be verified without its secret key", entry.name),
                tx("give --identity FILE (the key file age-keygen wrote, 0600)"));
  }
  auto result = entry.encrypted ? encrypted(entry.path) : verify_backup_file(entry.path, progress);
  state.record(entry, result, std::chrono::system_clock::now());
  return result;
}

std::vector<std::string> verify_stale_files(const fs::path& backup_dir, const std::string& prefix,
                                            std::chrono::system_clock::time_point now) {
  auto state = VerificationState::load(backup_dir);
  std::vector<std::string> verified;
  for (const auto& entry : scan_backup_folder(backup_dir, prefix)) {
    if (entry.kind != BackupKind::backup && entry.kind != BackupKind::safety_snapshot) {
      continue;
    }
    const VerificationRecord* record = state.find(entry);
    if (record == nullptr || now - record->verified_at < k_verification_max_age) {
      continue;  // never verified: the journal's account of its run stands until something verifies it
    }
    if (entry.encrypted) {
      log_info("{} is encrypted: verified again only by 'ifnbackup verify --identity FILE'", entry.name);
      continue;
    }
    log_info("verifying {} again: last verified more than 7 days ago", entry.name);
    verify_entry(entry, state);
    verified.push_back(entry.name);
  }
  if (!verified.empty()) {
    try {
      state.save();
    } catch (const Error& error) {
      log_warn("verification results not remembered: {}", error.message());
    }
  }
  return verified;
}

}  // namespace ifnbackup
