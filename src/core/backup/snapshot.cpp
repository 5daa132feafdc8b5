#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "backup/dump.hpp"
#include "ifnbackup/error.hpp"
#include "proof/table_reading.hpp"
#include "sql/text.hpp"

namespace ifnbackup::backup {

std::string SnapshotInfo::describe() const {
  std::string out;
  if (!binlog_file.empty()) {
    out += fmt::format("binlog={}:{}", binlog_file, binlog_position);
  }
  if (!gtid_position.empty()) {
    out += fmt::format("{}gtid={}", out.empty() ? "" : " ", gtid_position);
  }
  if (!tidb_tso.empty()) {
    out += fmt::format("{}tidb_tso={}", out.empty() ? "" : " ", tidb_tso);
  }
  return out.empty() ? "none" : out;
}

namespace {

// Statements that only add information (positions) may be refused by a restricted account.
std::optional<db::ResultTable> try_query(db::Connection& connection, std::string_view sql) {
  try {
    return connection.query(sql);
  } catch (const Error& error) {
    spdlog::debug("{}: {}", sql, error.what());
    return std::nullopt;
  }
}

void set_session(db::Connection& connection) {
  // Empty sql_mode: backslash escapes on, backtick quoting in SHOW CREATE; UTC so TIMESTAMP
  // values are written as stored and the file's header brings them back in any zone. The
  // restore's proof reads with the same session (proof/table_reading).
  proof::set_reading_session(connection);
  // A slow consumer (compression, a busy disk) must not make the server drop the stream.
  try_query(connection, "SET SESSION net_write_timeout = 3600");
}

}  // namespace

SnapshotInfo start_snapshot(db::Connection& connection) {
  set_session(connection);
  SnapshotInfo info;
  if (connection.server().is_tidb) {
    // TiDB: no FLUSH TABLES WITH READ LOCK; read at a fixed TSO instead (DUMP_NOTES).
    auto status = connection.query("SHOW MASTER STATUS");
    if (status.rows.empty() || status.rows[0].size() < 2 || !status.rows[0][1]) {
      throw Error(ErrorCode::server, tx("TiDB did not report a TSO (SHOW MASTER STATUS)"),
                  tx("the account needs the privilege to run SHOW MASTER STATUS"));
    }
    info.tidb_tso = *status.rows[0][1];
    connection.execute(fmt::format("SET SESSION tidb_snapshot = '{}'", info.tidb_tso));
    return info;
  }
  connection.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  connection.execute("START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT */");
  if (connection.server().is_mariadb) {
    // MariaDB reports the binlog position of this very snapshot, without a global lock.
    if (auto status = try_query(connection, "SHOW STATUS LIKE 'binlog_snapshot_%'")) {
      for (const auto& row : status->rows) {
        if (row.size() < 2 || !row[0] || !row[1]) {
          continue;
        }
        if (*row[0] == "Binlog_snapshot_file") {
          info.binlog_file = *row[1];
        } else if (*row[0] == "Binlog_snapshot_position") {
          info.binlog_position = *row[1];
        }
      }
    }
    if (!info.binlog_file.empty()) {
      if (auto gtid = try_query(connection, fmt::format("SELECT BINLOG_GTID_POS({}, {})",
                                                        sql::quote_string(info.binlog_file), info.binlog_position))) {
        if (!gtid->rows.empty() && gtid->rows[0][0]) {
          info.gtid_position = *gtid->rows[0][0];
        }
      }
    }
  } else if (auto status = try_query(connection, "SHOW MASTER STATUS")) {
    // MySQL: without a global lock this position is only close to the snapshot.
    if (!status->rows.empty() && status->rows[0].size() >= 2 && status->rows[0][0]) {
      info.binlog_file = *status->rows[0][0];
      info.binlog_position = status->rows[0][1].value_or("");
      if (status->rows[0].size() >= 5 && status->rows[0][4]) {
        info.gtid_position = *status->rows[0][4];
      }
    }
  }
  return info;
}

}  // namespace ifnbackup::backup
