#pragma once
// Helpers for the integration tests: the private server from scripts/testdb (IFNBACKUP_TEST_*),
// uniquely named scratch databases, the stock `mariadb` client, and a database fingerprint.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.hpp"
#include "ifnbackup/options.hpp"

namespace ifnbackup::test {

// A server as scripts/testdb describes it (DIR/env).
struct TestServer {
  std::string dir;
  std::string defaults_file;       // user ifnbackup over the socket
  std::string root_defaults_file;  // root over the socket
  std::string socket;
  std::string user;
  std::string password;
  unsigned port = 0;
};

// The server of scripts/test, from the IFNBACKUP_TEST_* environment; nullopt when not set.
std::optional<TestServer> server_from_env();

// True under CI=true: a missing server is then a failure, never a skip.
bool in_ci();

// Skips the test (or fails it under CI) when no server is configured; use as
//   IFNBACKUP_REQUIRE_SERVER(server);   // declares `const TestServer server`
#define IFNBACKUP_REQUIRE_SERVER(var)                                                                   \
  const auto var##_optional = ::ifnbackup::test::server_from_env();                                     \
  if (!var##_optional) {                                                                                \
    if (::ifnbackup::test::in_ci()) {                                                                   \
      FAIL() << "no test server: IFNBACKUP_TEST_DEFAULTS_FILE is not set (CI=true: this is a failure)"; \
    }                                                                                                   \
    GTEST_SKIP() << "no test server configured: run through scripts/test, or "                          \
                    "eval \"$(scripts/testdb start)\" first";                                           \
  }                                                                                                     \
  const ::ifnbackup::test::TestServer var = *var##_optional

// The repository root (IFNBACKUP_SOURCE_DIR, else derived from the test data folder).
std::filesystem::path source_dir();
std::filesystem::path data_dir();

// A private server of its own, started with scripts/testdb (e.g. in another time zone) and stopped
// when destroyed. start() returns nullopt and fills `error` when the server cannot start.
class PrivateServer {
 public:
  PrivateServer() = default;
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;
  ~PrivateServer();
  std::optional<TestServer> start(const std::string& time_zone, std::string& error);

 private:
  std::filesystem::path m_dir;
};

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// Runs argv (no shell), feeding `input` on stdin; waits for it.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {});

// Runs `bash -c script _ args...` (the script reads its arguments as "$1"...: no quoting needed).
CommandResult run_bash(const std::string& script, const std::vector<std::string>& args = {});

// A folder removed with its content when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

// A database with a name unique to this process and call, created empty, dropped when destroyed.
class ScratchDatabase {
 public:
  ScratchDatabase(const TestServer& server, const std::string& prefix);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& name() const { return m_name; }

 private:
  TestServer m_server;
  std::string m_name;
};

// Library connection options for a database of a server (the user's option file).
ConnectionOptions connection_options(const TestServer& server, const std::string& database);
std::unique_ptr<db::Connection> connect(const TestServer& server, const std::string& database);

// The stock client as the test user: `mariadb --defaults-file=... database`, SQL on stdin.
CommandResult mariadb_client(const TestServer& server, const std::string& database, const std::string& sql);
// Loads an SQL file (plain, or gzip when it ends in .gz) with the stock client.
CommandResult load_file(const TestServer& server, const std::string& database, const std::filesystem::path& file);
// `ifnbackup --defaults-file ... --database DB --backup-dir DIR restore ARGS...`, `input` on stdin.
CommandResult restore_cli(const TestServer& server, const std::string& database,
                          const std::filesystem::path& backup_dir, const std::vector<std::string>& args,
                          const std::string& input = {});
// A backup of `database` into `backup_dir` through the library; its file. `keys_in_create_bytes` 0:
// every table's keys after its rows, small ones too (BackupOptions::keys_in_create_bytes), for the tests
// of that path on small tables.
std::filesystem::path backup_of(const TestServer& server, const std::string& database,
                                const std::filesystem::path& backup_dir,
                                std::size_t keys_in_create_bytes = k_keys_in_create_bytes);

// The text of one table's part of a dump's SQL: from its structure comment to the next table's; empty
// when the dump has no such table.
std::string table_text(const std::string& dump, const std::string& table);

// What a restore must reproduce, as "kind name" -> text. Texts have the database name replaced by
// `<db>` and DEFINER clauses removed. Includes NEXTVAL of each sequence: it advances them.
using Fingerprint = std::map<std::string, std::string>;
Fingerprint fingerprint_database(db::Connection& connection, const std::string& database);

// EXPECTs that two fingerprints are equal, naming each differing entry.
void expect_same_fingerprint(const Fingerprint& expected, const Fingerprint& actual);

// SHA-256 of a byte string, computed by the `sha256sum` tool (independent of the product's code).
std::string sha256sum_of(const std::string& bytes);

std::string read_file(const std::filesystem::path& path);

// Flips some bits of the byte at `at` in `file`, in place (damage for verify and restore).
void flip_byte(const std::filesystem::path& file, std::uint64_t at);

}  // namespace ifnbackup::test
