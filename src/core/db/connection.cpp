#include "db/connection.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "db/connection_tls.hpp"
#include "ifnbackup/error.hpp"
#include "util/interrupt.hpp"

namespace ifnbackup {

std::string ConnectionOptions::describe() const {
  std::string where;
  if (!host.empty() && host != "localhost") {
    where = port != 0 ? fmt::format("{}:{}", host, port) : host;
  } else if (!socket.empty()) {
    where = fmt::format("localhost via {}", socket);
  } else {
    where = host.empty() ? "the server of the option file" : host;
  }
  return user.empty() ? where : fmt::format("{} as '{}'", where, user);
}

}  // namespace ifnbackup

namespace ifnbackup::db {

// A file that may hold a password is refused unless only its owner can read it: a password
// readable by others is as good as on the command line.
void check_private_file(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(ErrorCode::config, tx("cannot read {} {}: {}", tx(what), path, errno_text(errno)),
                tx("check the path and that the user running ifnbackup may read it"));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::config, tx("{} {} is not a regular file", tx(what), path),
                tx("give the file itself, not a folder or a device"));
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorCode::config, tx("{} {} is readable by others (mode {:04o})", tx(what), path, st.st_mode & 07777),
                tx("run: chmod 600 {}", path));
  }
}

namespace {

MYSQL* handle(void* p) {
  return static_cast<MYSQL*>(p);
}

sql::ValueKind kind_of(const MYSQL_FIELD& field) {
  switch (field.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_YEAR:
      return sql::ValueKind::numeric;
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY:
      return field.charsetnr == 63 ? sql::ValueKind::binary : sql::ValueKind::text;
    default:
      return sql::ValueKind::text;
  }
}

// The password file holds the password alone on its first line. Refused unless only the
// owner can read it: a password readable by others is as good as on the command line.
std::string read_password_file(const std::string& path) {
  check_private_file(path, N_("password file"));
  std::ifstream in(path, std::ios::binary);
  std::string password;
  if (!in || !std::getline(in, password)) {
    throw Error(ErrorCode::config, tx("cannot read password file {}", path),
                tx("put the password on the file's first line"));
  }
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  return password;
}

const char* or_null(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

}  // namespace

// The local-infile handler of every connection: it serves Connection::m_local, never a file.
static int local_init(void** state, const char* /*filename*/, void* userdata) {
  *state = userdata;
  auto* local = static_cast<Connection::LocalData*>(userdata);
  if (!local->armed) {
    return 1;  // a request we did not ask for
  }
  local->offset = 0;
  return 0;
}

static int local_read(void* state, char* buffer, unsigned int length) {
  auto* local = static_cast<Connection::LocalData*>(state);
  const std::size_t n = std::min<std::size_t>(length, local->data.size() - local->offset);
  std::copy_n(local->data.data() + local->offset, n, buffer);
  local->offset += n;
  return static_cast<int>(n);
}

static void local_end(void* /*state*/) {}

static int local_error(void* state, char* message, unsigned int length) {
  const auto* local = static_cast<Connection::LocalData*>(state);
  const std::string_view text = local != nullptr && local->armed
                                    ? std::string_view("ifnbackup: local data failed")
                                    : std::string_view("ifnbackup sends no local file it was not asked to load");
  const std::size_t n = std::min<std::size_t>(text.size(), length > 0 ? length - 1 : 0);
  std::copy_n(text.data(), n, message);
  if (length > 0) {
    message[n] = '\0';
  }
  return CR_UNKNOWN_ERROR;
}

std::unique_ptr<Connection> Connection::open(const ConnectionOptions& options, bool select_database) {
  std::unique_ptr<Connection> connection(new Connection());
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) {
    throw Error(ErrorCode::internal, tx("mysql_init failed: out of memory"));
  }
  connection->m_mysql = mysql;
  connection->m_description = options.describe();

  // The option file is read by the library itself, so the password never passes through us.
  if (!options.defaults_file.empty()) {
    if (options.require_private_option_file) {
      check_private_file(options.defaults_file, N_("option file"));
    }
    mysql_optionsv(mysql, MYSQL_READ_DEFAULT_FILE, options.defaults_file.c_str());
  }
  mysql_optionsv(mysql, MYSQL_READ_DEFAULT_GROUP, "client");
  my_bool off = 0;
  mysql_optionsv(mysql, MYSQL_OPT_RECONNECT, &off);  // a silent reconnect would lose the snapshot
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // LOAD DATA LOCAL for the restore's rows, served from memory by the handler set below.
  my_bool on = 1;
  mysql_optionsv(mysql, MYSQL_OPT_LOCAL_INFILE, &on);
  // Set before connecting: an init-command of the option file already runs under it.
  mysql_set_local_infile_handler(mysql, local_init, local_read, local_end, local_error, &connection->m_local);
  unsigned connect_timeout = 15;
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  set_ssl_options(mysql, options, connect_timeout);

  std::string password;
  if (!options.password_file.empty()) {
    password = read_password_file(options.password_file);
  }
  const std::string database = select_database ? options.database : std::string();
  const MYSQL* ok = mysql_real_connect(mysql, or_null(options.host), or_null(options.user),
                                       options.password_file.empty() ? nullptr : password.c_str(), or_null(database),
                                       options.port, or_null(options.socket), 0);
  std::fill(password.begin(), password.end(), '\0');
  if (ok == nullptr) {
    const unsigned code = mysql_errno(mysql);
    const std::string message = mysql_error(mysql);
    if (code == ER_BAD_DB_ERROR) {
      throw Error(ErrorCode::unknown_database,
                  tx("database '{}' does not exist on {}", options.database, connection->m_description),
                  tx("check --database (or 'database' in the config file)"));
    }
    Text hint = tx("check host, port and socket, and that the server is running");
    if (code == ER_ACCESS_DENIED_ERROR || code == ER_DBACCESS_DENIED_ERROR) {
      hint = options.ssl_cert.empty()
                 ? tx("check the user and the password in the option file (--defaults-file, ~/.my.cnf [client]) "
                      "or --password-file; an account created REQUIRE X509, SUBJECT or ISSUER also needs "
                      "--ssl-cert and --ssl-key")
                 : tx("check the user and the password in the option file (--defaults-file, ~/.my.cnf [client]) "
                      "or --password-file");
    } else if (code == CR_SSL_CONNECTION_ERROR) {
      hint = tls_hint(message, options);
    }
    throw Error(ErrorCode::connection,
                tx("cannot connect to {}: {} (error {})", connection->m_description, message, code), hint);
  }
  // MariaDB Connector/C 3.3 takes MYSQL_OPT_SSL_ENFORCE as a wish: against a server without TLS it
  // connects in plain text (only a certificate check refuses). --ssl-mode REQUIRED and stronger
  // never go on without TLS: not a query, not a row, over a connection anyone on the path can read.
  if (const auto required = tls_requirement(options); !required.empty() && mysql_get_ssl_cipher(mysql) == nullptr) {
    throw Error(
        ErrorCode::connection,
        tx("cannot connect to {}: TLS is required ({}) but the connection is not encrypted: the "
           "server does not offer it",
           connection->m_description, required),
        tx("enable TLS on the server (ssl-cert, ssl-key), or, on a trusted network only, --ssl-mode PREFERRED"));
  }
  // Where we really are, once connected ("127.0.0.1 via TCP/IP", "Localhost via UNIX socket").
  const std::string user = options.user.empty() ? "" : fmt::format(" as '{}'", options.user);
  connection->m_description = fmt::format("{}{}", mysql_get_host_info(mysql), user);
  if (auto version = connection->query_value("SELECT VERSION()")) {
    connection->m_server.version = *version;
  }
  const auto& v = connection->m_server.version;
  connection->m_server.is_tidb = v.find("TiDB") != std::string::npos;
  connection->m_server.is_mariadb = v.find("MariaDB") != std::string::npos;
  if (connection->m_server.is_mariadb) {
    // A server-wide statement time limit (set against runaway application queries) would kill a dump's
    // or the content proof's read of a big table, and a roll-back's DROP DATABASE: ours run unlimited.
    try {
      connection->execute("SET SESSION max_statement_time = 0");
    } catch (const Error& error) {
      spdlog::debug("max_statement_time left as it is: {}", error.what());
    }
  }
  return connection;
}

Connection::~Connection() {
  if (m_mysql != nullptr) {
    mysql_close(handle(m_mysql));
  }
}

void Connection::cancel() noexcept {
  if (m_mysql != nullptr) {
    mariadb_cancel(handle(m_mysql));
  }
}

bool Connection::no_backslash_escapes() const noexcept {
  return m_mysql != nullptr && (handle(m_mysql)->server_status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0;
}

bool Connection::ansi_quotes() const noexcept {
  return m_mysql != nullptr && (handle(m_mysql)->server_status & SERVER_STATUS_ANSI_QUOTES) != 0;
}

bool Connection::in_transaction() const noexcept {
  return m_mysql != nullptr && (handle(m_mysql)->server_status & SERVER_STATUS_IN_TRANS) != 0;
}

void Connection::throw_error(std::string_view what) {
  // A connection cancelled because of SIGINT/SIGTERM fails with a network error: say why.
  util::check_interrupted();
  MYSQL* mysql = handle(m_mysql);
  const unsigned code = mysql_errno(mysql);
  Text hint;
  if (code == CR_SERVER_LOST || code == CR_SERVER_GONE_ERROR) {
    hint = tx("the server went away: check that it is running and its error log");
  }
  throw Error(ErrorCode::server,
              tx("{} failed on {}: {} (error {})", std::string(what), m_description, mysql_error(mysql), code), hint,
              code);
}

void Connection::execute(std::string_view sql) {
  const auto result = run_statement(sql);
  if (!result.ok) {
    throw_error(sql.substr(0, 200));
  }
}

Connection::StatementResult Connection::run_statement(std::string_view sql) {
  MYSQL* mysql = handle(m_mysql);
  StatementResult out;
  int status = mysql_real_query(mysql, sql.data(), sql.size());
  while (status == 0) {
    if (MYSQL_RES* res = mysql_store_result(mysql)) {
      mysql_free_result(res);
    } else if (mysql_field_count(mysql) != 0) {
      status = 1;  // a result was expected but could not be read
      break;
    }
    out.warnings += mysql_warning_count(mysql);
    const my_ulonglong affected = mysql_affected_rows(mysql);
    if (affected != static_cast<my_ulonglong>(-1)) {
      out.affected_rows += affected;
    }
    status = mysql_next_result(mysql);
    if (status == -1) {
      return out;
    }
  }
  out.ok = false;
  out.error_number = mysql_errno(mysql);
  out.error = mysql_error(mysql);
  return out;
}

Connection::StatementResult Connection::load_local(std::string_view sql, std::string_view data) {
  m_local.data = data;
  m_local.offset = 0;
  m_local.armed = true;
  StatementResult result = run_statement(sql);
  m_local = LocalData{};
  return result;
}

ResultTable Connection::query(std::string_view sql) {
  MYSQL* mysql = handle(m_mysql);
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    throw_error(sql.substr(0, 200));
  }
  MYSQL_RES* res = mysql_store_result(mysql);
  ResultTable table;
  if (res == nullptr) {
    if (mysql_field_count(mysql) != 0) {
      throw_error(sql.substr(0, 200));
    }
    return table;
  }
  const unsigned n = mysql_num_fields(res);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned i = 0; i < n; ++i) {
    table.columns.emplace_back(fields[i].name);
  }
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    auto& out = table.rows.emplace_back();
    out.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      if (row[i] == nullptr) {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(std::string(row[i], lengths[i]));
      }
    }
  }
  mysql_free_result(res);
  while (mysql_next_result(mysql) == 0) {
    if (MYSQL_RES* extra = mysql_store_result(mysql)) {
      mysql_free_result(extra);
    }
  }
  return table;
}

std::optional<std::string> Connection::query_value(std::string_view sql) {
  auto table = query(sql);
  if (table.rows.empty() || table.rows.front().empty()) {
    return std::nullopt;
  }
  return table.rows.front().front();
}

ResultStream Connection::stream(std::string_view sql) {
  MYSQL* mysql = handle(m_mysql);
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    throw_error(sql.substr(0, 200));
  }
  MYSQL_RES* res = mysql_use_result(mysql);
  if (res == nullptr) {
    throw_error(sql.substr(0, 200));
  }
  return ResultStream(*this, res);
}

void Connection::stream_several(std::string_view sql, const std::function<void(std::size_t, ResultStream&)>& each) {
  MYSQL* mysql = handle(m_mysql);
  if (mysql_set_server_option(mysql, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0) {
    throw_error("turning multi-statements on");
  }
  // Off again whatever happens: a later query of this connection is one statement, as everywhere else.
  struct Off {
    MYSQL* mysql;
    ~Off() { mysql_set_server_option(mysql, MYSQL_OPTION_MULTI_STATEMENTS_OFF); }
  };
  const Off off{mysql};
  int status = mysql_real_query(mysql, sql.data(), sql.size());
  for (std::size_t index = 0; status == 0; ++index) {
    MYSQL_RES* res = mysql_use_result(mysql);
    if (res == nullptr) {
      throw_error(sql.substr(0, 200));
    }
    {
      ResultStream stream(*this, res);
      each(index, stream);
      RowView row;
      while (stream.next(row)) {
      }
    }
    status = mysql_next_result(mysql);
    if (status == -1) {
      return;
    }
  }
  throw_error(sql.substr(0, 200));
}

ResultStream::ResultStream(Connection& connection, void* result)
    : m_connection(&connection), m_result(result), m_uncaught(std::uncaught_exceptions()) {
  auto* res = static_cast<MYSQL_RES*>(result);
  const unsigned n = mysql_num_fields(res);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  m_fields.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    m_fields.push_back(FieldInfo{fields[i].name, kind_of(fields[i])});
  }
}

ResultStream::ResultStream(ResultStream&& other) noexcept
    : m_connection(other.m_connection),
      m_result(other.m_result),
      m_fields(std::move(other.m_fields)),
      m_uncaught(other.m_uncaught) {
  other.m_result = nullptr;
}

ResultStream::~ResultStream() {
  if (m_result != nullptr) {
    // Freeing a streamed result reads the rest of it; when a failure (disk full...) is
    // unwinding, cancel first so the error is reported now, not after the whole table.
    if (std::uncaught_exceptions() > m_uncaught) {
      m_connection->cancel();
    }
    mysql_free_result(static_cast<MYSQL_RES*>(m_result));
  }
}

bool ResultStream::next(RowView& row) {
  auto* res = static_cast<MYSQL_RES*>(m_result);
  MYSQL_ROW values = mysql_fetch_row(res);
  if (values == nullptr) {
    if (mysql_errno(handle(m_connection->m_mysql)) != 0) {
      // The result ended with the server's error: nothing of it left to read, the connection usable
      // (not cut by the destructor, as for a failure of the caller's while rows are still coming).
      mysql_free_result(res);
      m_result = nullptr;
      m_connection->throw_error("reading rows");
    }
    return false;
  }
  row.values = values;
  row.lengths = mysql_fetch_lengths(res);
  row.count = static_cast<unsigned>(m_fields.size());
  return true;
}

}  // namespace ifnbackup::db
