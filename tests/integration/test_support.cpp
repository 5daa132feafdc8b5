#include "test_support.hpp"
#include "ifnbackup/backup.hpp"
#include "sql/text.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

namespace ifnbackup::test {

namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

fs::path make_temp_file(const fs::path& dir, const char* stem) {
  std::string pattern = (dir / (std::string(stem) + ".XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    throw std::runtime_error("mkstemp failed in " + dir.string());
  }
  ::close(fd);
  return pattern;
}

std::string value_or_null(const std::optional<std::string>& value) {
  return value.value_or("<NULL>");
}

// DEFINER=`u`@`h` depends on who loaded the file, not on what was backed up.
std::string normalise(std::string text, const std::string& database) {
  static const std::regex definer(R"(DEFINER=`[^`]*`@`[^`]*`\s*)");
  text = std::regex_replace(text, definer, "");
  const std::string quoted = sql::quote_identifier(database);
  for (auto pos = text.find(quoted); pos != std::string::npos; pos = text.find(quoted, pos)) {
    text.replace(pos, quoted.size(), "`<db>`");
    pos += 6;
  }
  return text;
}

}  // namespace

bool in_ci() {
  return env_or_empty("CI") == "true";
}

std::optional<TestServer> server_from_env() {
  TestServer server;
  server.defaults_file = env_or_empty("IFNBACKUP_TEST_DEFAULTS_FILE");
  if (server.defaults_file.empty()) {
    return std::nullopt;
  }
  server.dir = env_or_empty("IFNBACKUP_TEST_DIR");
  server.root_defaults_file = env_or_empty("IFNBACKUP_TEST_ROOT_DEFAULTS_FILE");
  server.socket = env_or_empty("IFNBACKUP_TEST_SOCKET");
  server.user = env_or_empty("IFNBACKUP_TEST_USER");
  server.password = env_or_empty("IFNBACKUP_TEST_PASSWORD");
  const std::string port = env_or_empty("IFNBACKUP_TEST_PORT");
  server.port = port.empty() ? 0 : static_cast<unsigned>(std::stoul(port));
  return server;
}

fs::path source_dir() {
  if (const std::string dir = env_or_empty("IFNBACKUP_SOURCE_DIR"); !dir.empty()) {
    return dir;
  }
  return fs::path(IFNBACKUP_TEST_DATA_DIR).parent_path().parent_path();
}

fs::path data_dir() {
  return IFNBACKUP_TEST_DATA_DIR;
}

PrivateServer::~PrivateServer() {
  if (!m_dir.empty()) {
    run_command({(source_dir() / "scripts" / "testdb").string(), "stop", "--dir", m_dir.string()});
  }
}

std::optional<TestServer> PrivateServer::start(const std::string& time_zone, std::string& error) {
  const fs::path base = env_or_empty("TMPDIR").empty() ? fs::path("/tmp") : fs::path(env_or_empty("TMPDIR"));
  char pattern[] = "ifnit.XXXXXX";
  std::string dir = (base / pattern).string();
  if (::mkdtemp(dir.data()) == nullptr) {
    error = "mkdtemp failed under " + base.string();
    return std::nullopt;
  }
  m_dir = dir;
  const auto result = run_command(
      {(source_dir() / "scripts" / "testdb").string(), "start", "--dir", m_dir.string(), "--tz", time_zone});
  if (result.exit_code != 0) {
    error = fmt::format("scripts/testdb start --tz {} failed ({}):\n{}", time_zone, result.exit_code, result.err);
    return std::nullopt;
  }
  TestServer server;
  server.dir = m_dir.string();
  server.defaults_file = (m_dir / "client.cnf").string();
  server.root_defaults_file = (m_dir / "root.cnf").string();
  server.socket = (m_dir / "mysql.sock").string();
  server.user = "ifnbackup";
  return server;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input) {
  TempDir scratch;
  const fs::path in = make_temp_file(scratch.path(), "in");
  const fs::path out = make_temp_file(scratch.path(), "out");
  const fs::path err = make_temp_file(scratch.path(), "err");
  {
    std::ofstream stream(in, std::ios::binary);
    stream << input;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    const int in_fd = ::open(in.c_str(), O_RDONLY);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_TRUNC);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_TRUNC);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0 || ::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 ||
        ::dup2(err_fd, 2) < 0) {
      ::_exit(126);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

CommandResult run_bash(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"bash", "-c", "set -o pipefail; " + script, "bash"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TempDir::TempDir() {
  const std::string tmp = env_or_empty("TMPDIR").empty() ? "/tmp" : env_or_empty("TMPDIR");
  std::string pattern = tmp + "/ifnbackup-it.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed in " + tmp);
  }
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

ScratchDatabase::ScratchDatabase(const TestServer& server, const std::string& prefix) : m_server(server) {
  static std::atomic<int> counter{0};
  m_name = fmt::format("{}_{}_{}", prefix, ::getpid(), counter++);
  const auto result =
      mariadb_client(server, "", fmt::format("DROP DATABASE IF EXISTS `{0}`; CREATE DATABASE `{0}`;", m_name));
  if (result.exit_code != 0) {
    throw std::runtime_error("cannot create database " + m_name + ": " + result.err);
  }
}

ScratchDatabase::~ScratchDatabase() {
  mariadb_client(m_server, "", fmt::format("DROP DATABASE IF EXISTS `{}`;", m_name));
}

ConnectionOptions connection_options(const TestServer& server, const std::string& database) {
  ConnectionOptions options;
  options.defaults_file = server.defaults_file;
  options.database = database;
  return options;
}

std::unique_ptr<db::Connection> connect(const TestServer& server, const std::string& database) {
  return db::Connection::open(connection_options(server, database));
}

CommandResult mariadb_client(const TestServer& server, const std::string& database, const std::string& sql) {
  std::vector<std::string> argv{"mariadb", "--defaults-file=" + server.defaults_file, "--default-character-set=utf8mb4",
                                "-N", "-B"};
  if (!database.empty()) {
    argv.push_back(database);
  }
  return run_command(argv, sql);
}

CommandResult load_file(const TestServer& server, const std::string& database, const fs::path& file) {
  const bool gz = file.extension() == ".gz";
  return run_bash(gz ? R"(gunzip -c "$1" | mariadb --defaults-file="$2" "$3")"
                     : R"(mariadb --defaults-file="$2" --default-character-set=utf8mb4 "$3" < "$1")",
                  {file.string(), server.defaults_file, database});
}

CommandResult restore_cli(const TestServer& server, const std::string& database, const fs::path& backup_dir,
                          const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{IFNBACKUP_BIN, "--defaults-file", server.defaults_file, "--database",
                                database,      "--backup-dir",    backup_dir.string(),  "restore"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, input);
}

fs::path backup_of(const TestServer& server, const std::string& database, const fs::path& backup_dir,
                   std::size_t keys_in_create_bytes) {
  BackupOptions options;
  options.connection = connection_options(server, database);
  options.backup_dir = backup_dir;
  options.keys_in_create_bytes = keys_in_create_bytes;
  return run_backup(options).file;
}

std::string table_text(const std::string& dump, const std::string& table) {
  const auto start = dump.find("-- Table structure for table `" + table + "`");
  if (start == std::string::npos) {
    return {};
  }
  return dump.substr(start, dump.find("-- Table structure for table ", start + 1) - start);
}

Fingerprint fingerprint_database(db::Connection& connection, const std::string& database) {
  Fingerprint print;
  const std::string schema = sql::quote_string(database);
  const std::string qdb = sql::quote_identifier(database);
  auto first_row = [&](const std::string& sql, std::size_t column) {
    const auto table = connection.query(sql);
    if (table.rows.empty() || table.rows[0].size() <= column) {
      return std::string("<no row>");
    }
    return value_or_null(table.rows[0][column]);
  };

  const auto tables = connection.query(fmt::format(
      "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} ORDER BY TABLE_NAME",
      schema));
  for (const auto& row : tables.rows) {
    const std::string name = value_or_null(row[0]);
    const std::string type = value_or_null(row[1]);
    const std::string qname = qdb + "." + sql::quote_identifier(name);
    if (type == "BASE TABLE") {
      print["table " + name + " create"] = normalise(first_row("SHOW CREATE TABLE " + qname, 1), database);
      print["table " + name + " rows"] = first_row("SELECT COUNT(*) FROM " + qname, 0);
      print["table " + name + " checksum"] = first_row("CHECKSUM TABLE " + qname + " EXTENDED", 1);
    } else if (type == "SEQUENCE") {
      print["sequence " + name + " create"] = normalise(first_row("SHOW CREATE SEQUENCE " + qname, 1), database);
      print["sequence " + name + " nextval"] = first_row("SELECT NEXTVAL(" + qname + ")", 0);
    } else if (type == "VIEW") {
      print["view " + name] = "exists";
    }
  }
  for (const auto& row : connection
                             .query(fmt::format("SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, "
                                                "SECURITY_TYPE FROM information_schema.VIEWS "
                                                "WHERE TABLE_SCHEMA = {}",
                                                schema))
                             .rows) {
    print["view " + value_or_null(row[0])] = normalise(
        fmt::format("{} | check {} | security {}", value_or_null(row[1]), value_or_null(row[2]), value_or_null(row[3])),
        database);
  }
  for (const auto& row : connection
                             .query(fmt::format("SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, "
                                                "EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT, SQL_MODE "
                                                "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {}",
                                                schema))
                             .rows) {
    print["trigger " + value_or_null(row[0])] = normalise(
        fmt::format("on {} {} {} order {} sql_mode {}: {}", value_or_null(row[1]), value_or_null(row[2]),
                    value_or_null(row[3]), value_or_null(row[4]), value_or_null(row[6]), value_or_null(row[5])),
        database);
  }
  for (const auto& row : connection
                             .query(fmt::format("SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION "
                                                "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {}",
                                                schema))
                             .rows) {
    const std::string name = value_or_null(row[0]);
    const std::string type = value_or_null(row[1]);
    print["routine " + type + " " + name + " body"] = normalise(value_or_null(row[2]), database);
    print["routine " + type + " " + name + " create"] =
        normalise(first_row(fmt::format("SHOW CREATE {} {}.{}", type, qdb, sql::quote_identifier(name)), 2), database);
  }
  for (const auto& row :
       connection.query(fmt::format("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {}", schema))
           .rows) {
    const std::string name = value_or_null(row[0]);
    const std::string show = fmt::format("SHOW CREATE EVENT {}.{}", qdb, sql::quote_identifier(name));
    print["event " + name + " create"] = normalise(first_row(show, 3), database);
    print["event " + name + " time_zone"] = first_row(show, 2);
  }
  return print;
}

void expect_same_fingerprint(const Fingerprint& expected, const Fingerprint& actual) {
  for (const auto& [key, value] : expected) {
    const auto found = actual.find(key);
    if (found == actual.end()) {
      ADD_FAILURE() << "missing after restore: " << key << " = " << value;
    } else if (found->second != value) {
      ADD_FAILURE() << "differs after restore: " << key << "\n  source:   " << value
                    << "\n  restored: " << found->second;
    }
  }
  for (const auto& [key, value] : actual) {
    if (expected.find(key) == expected.end()) {
      ADD_FAILURE() << "extra after restore: " << key << " = " << value;
    }
  }
}

std::string sha256sum_of(const std::string& bytes) {
  const auto result = run_command({"sha256sum"}, bytes);
  return result.out.substr(0, 64);
}

std::string read_file(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream out;
  out << stream.rdbuf();
  return out.str();
}

void flip_byte(const std::filesystem::path& file, std::uint64_t at) {
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(at));
  const int c = io.get();
  EXPECT_NE(c, EOF) << file << " has no byte at " << at;
  io.seekp(static_cast<std::streamoff>(at));
  io.put(static_cast<char>(c ^ 0x24));
  EXPECT_TRUE(io.good()) << "cannot damage " << file;
}

}  // namespace ifnbackup::test
