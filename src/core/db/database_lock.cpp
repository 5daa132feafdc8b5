#include "db/database_lock.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "sql/text.hpp"
#include "util/sha256.hpp"

namespace ifnbackup::db {

namespace {

constexpr std::string_view k_lock_prefix = "ifnbackup:";

}  // namespace

std::string database_lock_name(const std::string& database) {
  if (k_lock_prefix.size() + sql::identifier_length(database) <= sql::k_max_identifier_length) {
    return std::string(k_lock_prefix) + database;
  }
  const std::string hex = util::Sha256::hex_of(database);
  return std::string(k_lock_prefix) + "#" + hex.substr(0, 40);
}

DatabaseLock::DatabaseLock(const ConnectionOptions& options, const std::string& database)
    : m_name(database_lock_name(database)) {
  m_connection = Connection::open(options, false);
  const auto got = m_connection->query_value(fmt::format("SELECT GET_LOCK({}, 0)", sql::quote_string(m_name)));
  if (!got || *got != "1") {
    const auto holder =
        m_connection->query_value(fmt::format("SELECT IS_USED_LOCK({})", sql::quote_string(m_name))).value_or("?");
    throw Error(ErrorCode::lock_held,
                tx("another ifnbackup run holds database '{}' on {} (server lock '{}', connection {})",
                   printable(database), printable(m_connection->description()), printable(m_name), printable(holder)),
                tx("wait for it to finish (a backup, restore or drill of that database, maybe from another folder); "
                   "SHOW PROCESSLIST shows it"));
  }
}

DatabaseLock::~DatabaseLock() {
  try {
    m_connection->execute(fmt::format("DO RELEASE_LOCK({})", sql::quote_string(m_name)));
  } catch (const std::exception& error) {
    // Closing the connection releases it anyway.
    spdlog::debug("RELEASE_LOCK failed: {}", error.what());
  }
}

}  // namespace ifnbackup::db
