#pragma once
// The one door to libmysqlclient (MariaDB Connector/C). Only connection.cpp includes mysql.h;
// every C return code is turned into an ifnbackup::Error here.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/options.hpp"
#include "sql/value_encoding.hpp"

namespace ifnbackup::db {

struct FieldInfo {
  std::string name;
  sql::ValueKind kind = sql::ValueKind::text;  // decided from the field's type and charset
};

// One row of a streamed result. values[i] is nullptr for SQL NULL; lengths[i] is the byte
// count (values are not NUL-terminated as far as we are concerned).
struct RowView {
  char** values = nullptr;
  unsigned long* lengths = nullptr;
  unsigned count = 0;
  bool is_null(unsigned i) const { return values[i] == nullptr; }
  std::string_view at(unsigned i) const { return {values[i], lengths[i]}; }
};

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class Connection;

// A result read row by row from the server (mysql_use_result): memory stays flat.
class ResultStream {
 public:
  ResultStream(ResultStream&&) noexcept;
  ResultStream& operator=(ResultStream&&) = delete;
  ~ResultStream();
  const std::vector<FieldInfo>& fields() const { return m_fields; }
  // Next row, or false at the end. Throws Error(server) if the connection died mid-result.
  bool next(RowView& row);

 private:
  friend class Connection;
  ResultStream(Connection& connection, void* result);
  Connection* m_connection;
  void* m_result;
  std::vector<FieldInfo> m_fields;
  int m_uncaught = 0;  // exceptions in flight when the stream was opened
};

struct ServerInfo {
  std::string version;  // SELECT VERSION()
  bool is_mariadb = false;
  bool is_tidb = false;
};

class Connection {
 public:
  // Connects with auto-reconnect off and utf8mb4. Throws Error(connection) or
  // Error(unknown_database) with a hint; Error(config) for an insecure password file.
  static std::unique_ptr<Connection> open(const ConnectionOptions& options, bool select_database = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement and discards any result sets. Throws Error(server).
  void execute(std::string_view sql);
  // Runs a query and stores its (small) result.
  ResultTable query(std::string_view sql);
  // The first column of the first row, if any.
  std::optional<std::string> query_value(std::string_view sql);
  // Streams a (large) result; no other query may run on this connection until it is destroyed.
  ResultStream stream(std::string_view sql);
  // Several SELECTs sent at once, `;` between them (multi-statements on for this call only): one
  // round trip for many small results. `each` gets each result's index and stream, in order; what
  // it leaves unread is skipped. Throws Error(server) at the first failed statement.
  void stream_several(std::string_view sql, const std::function<void(std::size_t, ResultStream&)>& each);

  // Runs one statement of a script: sends it, drains every result set, returns the server's
  // warning count. On failure returns false and fills error/errno (no throw: restore decides).
  struct StatementResult {
    bool ok = true;
    unsigned error_number = 0;
    std::string error;
    unsigned warnings = 0;
    std::uint64_t affected_rows = 0;
  };
  StatementResult run_statement(std::string_view sql);

  // Runs a LOAD DATA LOCAL INFILE statement whose "file" is `data`: the server's request for the
  // file is answered from memory. Every connection answers any other request for a local file
  // (a hostile server may send one after any query) with an error: no file is ever read.
  StatementResult load_local(std::string_view sql, std::string_view data);
  // What load_local() hands to the server's request; armed only while it runs.
  struct LocalData {
    std::string_view data;
    std::size_t offset = 0;
    bool armed = false;
  };

  // Makes the blocked or next read/write on this connection fail at once (mariadb_cancel):
  // how a signal stops a dump that waits on the server. Safe to call from another thread.
  void cancel() noexcept;

  const ServerInfo& server() const { return m_server; }
  // The session's sql_mode has NO_BACKSLASH_ESCAPES (from the server's status flags, as of the
  // last statement): a backslash in a string literal is then an ordinary character.
  bool no_backslash_escapes() const noexcept;
  // The session's sql_mode has ANSI_QUOTES ("..." is an identifier), from the status flag MariaDB
  // sends (MySQL never sends it).
  bool ansi_quotes() const noexcept;
  // The session has a transaction open (SERVER_STATUS_IN_TRANS, as of the last statement).
  bool in_transaction() const noexcept;
  const std::string& description() const { return m_description; }
  // Throws Error(server) naming the failed statement, with the server's message.
  [[noreturn]] void throw_error(std::string_view what);

 private:
  Connection() = default;
  void* m_mysql = nullptr;
  LocalData m_local;
  ServerInfo m_server;
  std::string m_description;
  friend class ResultStream;
  friend class BinlogStream;  // db/binlog_stream.cpp: the replication API on this connection
};

}  // namespace ifnbackup::db
