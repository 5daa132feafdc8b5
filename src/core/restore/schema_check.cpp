// The schema check of a new backup: the file's schema through the restore's own loader (same
// splitter, same statement policy), rows and events left out, into a scratch database.
#include "ifnbackup/schema_check.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <span>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/connection.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "ifnbackup/verify.hpp"
#include "io/gzip_reader.hpp"
#include "restore/script_loader.hpp"
#include "restore/table_sections.hpp"
#include "restore/target_database.hpp"
#include "sql/text.hpp"

namespace ifnbackup {
namespace {

// Errors that say this account may not do something (create the database, give an object another
// DEFINER), not that the statement is wrong: root's restore would not meet them.
constexpr std::array<unsigned, 7> k_privilege_errors = {
    1044,  // ER_DBACCESS_DENIED_ERROR
    1142,  // ER_TABLEACCESS_DENIED_ERROR
    1143,  // ER_COLUMNACCESS_DENIED_ERROR
    1227,  // ER_SPECIFIC_ACCESS_DENIED_ERROR (SUPER / SET USER for another DEFINER)
    1370,  // ER_PROCACCESS_DENIED_ERROR
    1419,  // ER_BINLOG_CREATE_ROUTINE_NEED_SUPER
    1449,  // ER_NO_SUCH_USER: the DEFINER does not exist here (warning for root, error for others)
};

bool is_privilege_error(unsigned error_number) {
  return std::find(k_privilege_errors.begin(), k_privilege_errors.end(), error_number) != k_privilege_errors.end();
}

// Drops the scratch database however the check ends.
class ScratchGuard {
 public:
  ScratchGuard(db::Connection& connection, std::string name) : m_connection(connection), m_name(std::move(name)) {}
  ~ScratchGuard() {
    try {
      m_connection.execute("DROP DATABASE IF EXISTS " + sql::quote_identifier(m_name));
    } catch (const std::exception& error) {
      log_warn("schema check: could not drop the scratch database '{}': {} (drop it by hand)", m_name, error.what());
    }
  }
  ScratchGuard(const ScratchGuard&) = delete;
  ScratchGuard& operator=(const ScratchGuard&) = delete;

 private:
  db::Connection& m_connection;
  std::string m_name;
};

// The "-- ifnbackup-database-collation:" line of the header, in the file's first 4 KiB.
std::string collation_from_header(const std::filesystem::path& file) {
  io::GzipReader reader(file);
  std::string head(4096, '\0');
  head.resize(reader.read(std::span<char>(head.data(), head.size())));
  constexpr std::string_view k_key = "\n-- ifnbackup-database-collation: ";
  const auto at = head.find(k_key);
  if (at == std::string::npos) {
    return {};
  }
  const auto start = at + k_key.size();
  const std::string name = head.substr(start, head.find('\n', start) - start);
  return sql::is_plain_name(name) ? name : std::string();
}

}  // namespace

const char* schema_check_outcome_name(SchemaCheckOutcome outcome) noexcept {
  switch (outcome) {
    case SchemaCheckOutcome::passed:
      return "passed";
    case SchemaCheckOutcome::failed:
      return "FAILED";
    case SchemaCheckOutcome::not_run:
      return "not run";
  }
  return "not run";
}

std::string schema_check_database() {
  std::random_device random;
  const std::uint64_t value = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  return fmt::format("ifnbackup_schemacheck_{:016x}", value);
}

namespace {

using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// One pass of the check into a fresh scratch database, dropped after: `ranges` of the file, or the
// whole file when empty. Fills the outcome, its detail and the counts of `result`.
void check_once(const ConnectionOptions& connection, const std::filesystem::path& file, const Ranges& ranges,
                SchemaCheckResult& result) {
  auto server = db::Connection::open(connection, false);
  // The scratch database's DDL stays out of the binary log when the account may say so.
  if (!server->run_statement("SET SESSION sql_log_bin = 0").ok) {
    spdlog::debug("schema check: binary logging stays on for the scratch database (no privilege to turn it off)");
  }
  // A database of the drawn name that exists already is someone's: never ours to drop (draw again).
  const std::string collation = collation_from_header(file);
  db::Connection::StatementResult created;
  for (int attempt = 0; attempt < 5; ++attempt) {
    result.scratch_database = schema_check_database();
    created = restore::try_create_database(*server, result.scratch_database, collation, false);
    if (created.ok || created.error_number != restore::k_database_exists) {
      break;
    }
  }
  if (!created.ok) {
    result.outcome = SchemaCheckOutcome::not_run;
    result.detail = fmt::format("the account may not create the scratch database '{}' (error {}: {})",
                                result.scratch_database, created.error_number, created.error);
    return;
  }
  const ScratchGuard guard(*server, result.scratch_database);
  server->execute("USE " + sql::quote_identifier(result.scratch_database));

  restore::LoadSettings settings;
  settings.step = RestoreStep::checking_schema;
  settings.schema_only = true;
  settings.shared_definitions = true;
  settings.keep_going = true;  // every refused statement is worth knowing
  settings.ours = true;
  settings.load_data = false;
  settings.ranges = ranges;
  const restore::LoadStats stats = restore::load_script(*server, file, settings);
  result.statements = stats.statements;
  result.refused = stats.failed;
  result.tables_shared = stats.tables_held_back;
  const auto real =
      std::find_if(stats.failures.begin(), stats.failures.end(),
                   [](const restore::LoadStats::Failure& f) { return !is_privilege_error(f.error_number); });
  result.outcome = SchemaCheckOutcome::not_run;
  result.detail.clear();
  if (real != stats.failures.end()) {
    result.outcome = SchemaCheckOutcome::failed;
    result.detail = real->message;
  } else if (!stats.failures.empty()) {
    result.detail = fmt::format(
        "the account lacks a privilege the restore of this schema needs (root's would "
        "not): {}",
        stats.failures.front().message);
  } else if (stats.failed > 0) {
    result.outcome = SchemaCheckOutcome::failed;
    result.detail = fmt::format("{} statements refused", stats.failed);
  } else {
    result.outcome = SchemaCheckOutcome::passed;
  }
}

}  // namespace

SchemaCheckResult check_schema(const ConnectionOptions& connection, const std::filesystem::path& file) {
  const auto started = std::chrono::steady_clock::now();
  SchemaCheckResult result;
  // A file with a section index (just verified whole: its index is read, not its sections again):
  // only the ranges that hold more than rows, when the parts of big tables leave some out.
  Ranges ranges;
  if (const auto index = read_section_index(file)) {
    std::uint64_t all = 0;
    std::uint64_t read = 0;
    for (const Section& section : *index) {
      all += section.with_previous ? 0 : section.bytes;
    }
    for (const SectionRead& chosen : restore::choose_schema_sections(*index)) {
      const Section& section = (*index)[chosen.index];
      ranges.emplace_back(section.at, section.size);
      read += section.bytes;
    }
    if (read < all) {
      result.bytes_read = read;
      result.file_bytes = all;
    } else {
      ranges.clear();  // nothing to leave out: the file as one stream
    }
  }
  check_once(connection, file, ranges, result);
  if (result.outcome == SchemaCheckOutcome::failed && !ranges.empty()) {
    // Lines are counted in what is read: the refused statement's line in the whole file is worth a
    // second pass, in a failure only (the message is kept with the file and read in an emergency).
    log_info("schema check: the server refused a statement; checking the whole file for its exact line");
    result.bytes_read = 0;
    result.file_bytes = 0;
    check_once(connection, file, {}, result);
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace ifnbackup
