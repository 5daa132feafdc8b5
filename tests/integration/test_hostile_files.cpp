// Files crafted to make root's restore do what a backup of one database may not (issue 18): refused
// before anything is touched, with exit code 19 and the line named; a mysqldump file only with
// --allow-foreign-statements.
#include <fstream>

#include <fmt/format.h>

#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"
#include "restore/script_loader.hpp"
#include "sql/text.hpp"
#include "test_support.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

CommandResult ifnbackup_cli(const TestServer& server, const std::string& database, const fs::path& backup_dir,
                            const std::vector<std::string>& args) {
  std::vector<std::string> argv{IFNBACKUP_BIN, "--defaults-file", server.defaults_file, "--database",
                                database,      "--backup-dir",    backup_dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// `sql` written to DIR/name.sql, sealed like one of our files when `ours` (checksum line computed by
// sha256sum, completion line), else given a mysqldump completion line only; gzipped.
fs::path sealed(const fs::path& dir, const std::string& name, const std::string& sql, bool ours) {
  const fs::path plain = dir / (name + ".sql");
  const fs::path out = dir / (name + ".sql.gz");
  {
    std::ofstream file(plain, std::ios::binary);
    file << sql;
  }
  const std::string script =
      ours ? R"sh({ cat "$1"; printf -- '-- ifnbackup-sha256: %s bytes=%d\n' "$(sha256sum < "$1" | cut -c1-64)" )sh"
             R"sh("$(stat -c %s "$1")"; echo '-- Dump completed on 2026-01-01 00:00:00'; } | gzip -c > "$2")sh"
           : R"sh({ cat "$1"; echo '-- Dump completed on 2026-01-01  0:00:00'; } | gzip -c > "$2")sh";
  const auto result = run_bash(script, {plain.string(), out.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return out;
}

std::string our_file_writing_to(const std::string& other) {
  return fmt::format(
      "-- ifnbackup 0.1.0 dump of database `app`\n"
      "-- ifnbackup-format: 1\n"
      "-- ifnbackup-database: app\n\n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "DROP TABLE IF EXISTS `t`;\n"
      "CREATE TABLE `t` (\n  `i` int(11) DEFAULT NULL\n) ENGINE=InnoDB;\n"
      "INSERT INTO `t` (`i`) VALUES (1);\n"
      "INSERT INTO `{}`.`t` (`i`,`s`) VALUES (666,'x');\n\n"
      "-- ifnbackup-manifest-begin\n"
      "-- ifnbackup-table: `t` rows=1\n"
      "-- ifnbackup-manifest-end: tables=1 rows=1\n",
      other);
}

struct TwoDatabases {
  explicit TwoDatabases(const TestServer& server) : app(server, "hf_app"), other(server, "hf_other") {
    auto connection = connect(server, app.name());
    connection->execute("CREATE TABLE t (i INT)");
    connection->execute("INSERT INTO t VALUES (41), (42)");
    connection->execute(fmt::format("CREATE TABLE {}.t (i INT, s VARCHAR(5))", sql::quote_identifier(other.name())));
  }
  ScratchDatabase app;
  ScratchDatabase other;
};

std::string rows_of(const TestServer& server, const std::string& database) {
  auto connection = connect(server, database);
  return connection->query_value("SELECT GROUP_CONCAT(i ORDER BY i) FROM t").value_or("<none>");
}

TEST(HostileFiles, OurFileWritingToAnotherDatabaseIsRefusedBeforeAnything) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TwoDatabases databases(server);
  TempDir work;
  const fs::path file = sealed(work.path(), "crafted", our_file_writing_to(databases.other.name()), true);

  const VerifyResult verification = verify_backup_file(file);
  EXPECT_EQ(verification.status, VerifyStatus::corrupt);
  EXPECT_EQ(verification.foreign_statements, 1u);
  EXPECT_NE(verification.reason.find("line 11"), std::string::npos) << verification.reason;

  const auto restored =
      ifnbackup_cli(server, databases.app.name(), work.path() / "backups", {"restore", "--yes", file.string()});
  EXPECT_EQ(restored.exit_code, 19) << restored.err;
  EXPECT_NE(restored.err.find(fmt::format("`{}`.`t`", databases.other.name())), std::string::npos) << restored.err;
  EXPECT_EQ(rows_of(server, databases.app.name()), "41,42") << "nothing was touched";
  EXPECT_EQ(rows_of(server, databases.other.name()), "<none>");
  for (const auto& entry : fs::directory_iterator(work.path())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with("pre_restore_safety")) << "not even a safety snapshot";
  }
  if (fs::exists(work.path() / "backups")) {
    for (const auto& entry : fs::directory_iterator(work.path() / "backups")) {
      EXPECT_FALSE(entry.path().filename().string().starts_with("pre_restore_safety")) << entry.path();
    }
  }
}

TEST(HostileFiles, MysqldumpFileWithForeignStatementsNeedsTheFlag) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TwoDatabases databases(server);
  TempDir work;
  const std::string sql = fmt::format(
      "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "DROP TABLE IF EXISTS `t`;\n"
      "CREATE TABLE `t` (`i` int(11) DEFAULT NULL);\n"
      "LOCK TABLES `t` WRITE;\n"
      "INSERT INTO `t` VALUES (7);\n"
      "UNLOCK TABLES;\n"
      "INSERT INTO `{}`.`t` VALUES (666,'x');\n",
      databases.other.name());
  const fs::path file = sealed(work.path(), "legacy", sql, false);
  const VerifyResult verification = verify_backup_file(file);
  EXPECT_EQ(verification.status, VerifyStatus::ok_legacy);
  EXPECT_EQ(verification.foreign_statements, 1u);

  const fs::path backups = work.path() / "backups";
  auto restored = ifnbackup_cli(server, databases.app.name(), backups, {"restore", "--yes", file.string()});
  EXPECT_EQ(restored.exit_code, 19) << restored.err;
  EXPECT_NE(restored.err.find("--allow-foreign-statements"), std::string::npos) << restored.err;
  EXPECT_EQ(rows_of(server, databases.app.name()), "41,42");
  EXPECT_EQ(rows_of(server, databases.other.name()), "<none>");

  // The operator read the file and accepts it: it runs as the stock client would run it.
  restored = ifnbackup_cli(server, databases.app.name(), backups,
                           {"restore", "--yes", "--allow-foreign-statements", file.string()});
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(rows_of(server, databases.app.name()), "7");
  EXPECT_EQ(rows_of(server, databases.other.name()), "666");
}

// What runs is what was verified: the loader hashes the content again and fails when it is not the
// verified content (a file rewritten in place between the question and the load).
TEST(HostileFiles, TheLoaderHashesTheContentAgainAndRefusesAnotherOne) {
  IFNBACKUP_REQUIRE_SERVER(server);
  TwoDatabases databases(server);
  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, databases.app.name());
  options.backup_dir = work.path() / "backups";
  const fs::path file = run_backup(options).file;
  const VerifyResult verification = verify_backup_file(file);
  ASSERT_EQ(verification.status, VerifyStatus::ok);
  ASSERT_GT(verification.content_bytes, 0u);

  ScratchDatabase target(server, "hf_rehash");
  const auto load = [&](const std::string& sha256) {
    auto connection = connect(server, target.name());
    restore::LoadSettings settings;
    settings.ours = true;
    settings.expected_sha256 = sha256;
    settings.expected_content_bytes = verification.content_bytes;
    return restore::load_script(*connection, file, settings);
  };
  EXPECT_NO_THROW(load(verification.sha256));
  std::string other = verification.sha256;
  other[10] = other[10] == '0' ? '1' : '0';
  try {
    load(other);
    FAIL() << "content that is not the verified one was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(error.what()).find("changed on disk"), std::string::npos) << error.what();
  }
}

// A statement longer than the server accepts is refused before it is held whole (issue 18, item 7:
// a 1 MB gzip inflating to a gigabyte-long string).
TEST(HostileFiles, AStatementLongerThanTheLimitIsRefusedNamingItsLine) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase target(server, "hf_long");
  TempDir work;
  const fs::path file =
      sealed(work.path(), "long", "/*!40101 SET NAMES utf8mb4 */;\nSELECT '" + std::string(3 << 20, 'x'), false);
  auto connection = connect(server, target.name());
  restore::LoadSettings settings;
  settings.max_statement_bytes = 1 << 20;
  try {
    restore::load_script(*connection, file, settings);
    FAIL() << "a 3 MiB statement passed a 1 MiB limit";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(error.what()).find("line 2"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace ifnbackup::test
