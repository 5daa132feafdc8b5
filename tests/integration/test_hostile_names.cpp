// Any name the server accepts backs up, verifies, lists and restores (issue 18, item 6): a table
// named with a line break made every backup fail ("cannot be written in the trailer"), and a line
// break in a `-- Table structure for table` comment would end the comment and turn the rest of the
// name into SQL. Each file is restored by `ifnbackup restore --into` and by `gunzip -c | mariadb`.
#include <fmt/format.h>

#include "ifnbackup/verify.hpp"
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

// Names of tables: what a statement, a comment or a line of our trailer could be broken by.
const std::vector<std::string>& hostile_names() {
  static const std::vector<std::string> names = {
      "a\nb", "c\rd",  "t\tx",  "q'\"``\\", ";;", "-- x\nDROP TABLE keep;", "# h\n;\nDELIMITER ;;",
      "ünï€", "x'41'", "*/ /*", "\\n",
  };
  return names;
}

void create_hostile_database(db::Connection& connection) {
  // The first table's rows (> 1 MiB of SQL) make the next table start a gzip range of its own, so
  // the section index's first-bytes check meets a hostile name.
  connection.execute("CREATE TABLE `0big` (i INT PRIMARY KEY, v VARCHAR(200))");
  connection.execute("INSERT INTO `0big` SELECT seq, REPEAT('x', 200) FROM seq_1_to_8000");
  connection.execute("CREATE TABLE keep (i INT PRIMARY KEY)");
  connection.execute("INSERT INTO keep VALUES (42)");
  int n = 0;
  for (const auto& name : hostile_names()) {
    const std::string table = sql::quote_identifier(name);
    connection.execute(fmt::format("CREATE TABLE {} (i INT PRIMARY KEY, v VARCHAR(40))", table));
    connection.execute(fmt::format("INSERT INTO {} VALUES ({}, 'row of {}'), (1000, NULL)", table, ++n, n));
  }
  connection.execute("CREATE VIEW `v\nw` AS SELECT i FROM `a\nb`");
  connection.execute("CREATE TRIGGER `tr\n;;` BEFORE INSERT ON `c\rd` FOR EACH ROW SET NEW.v = 'by trigger'");
  connection.execute("CREATE PROCEDURE `p\n-- x` () SELECT 1");
}

TEST(HostileNames, EveryNameBacksUpVerifiesListsAndRestores) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase source(server, "hn_src");
  auto connection = connect(server, source.name());
  create_hostile_database(*connection);
  const Fingerprint expected = fingerprint_database(*connection, source.name());

  TempDir work;
  const fs::path backups = work.path() / "backups";
  const auto backup = ifnbackup_cli(server, source.name(), backups, {"backup", "--no-rotate"});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  fs::path file;
  for (const auto& entry : fs::directory_iterator(backups)) {
    if (entry.path().filename().string().ends_with(".sql.gz")) {
      file = entry.path();
    }
  }
  ASSERT_FALSE(file.empty());

  const auto verified = ifnbackup_cli(server, source.name(), backups, {"verify", file.string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const VerifyResult result = verify_backup_file(file);
  ASSERT_EQ(result.status, VerifyStatus::ok) << result.reason;
  EXPECT_GT(result.sections, 3u) << "the file has a section index";
  std::vector<std::string> names;
  for (const auto& table : result.tables) {
    names.push_back(table.name);
  }
  for (const auto& name : hostile_names()) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << "not in the manifest: " << name;
  }
  EXPECT_EQ(header_database(result.header), source.name());
  const auto listed = ifnbackup_cli(server, source.name(), backups, {"list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(file.filename().string()), std::string::npos) << listed.out;

  // The comment lines stay comment lines: the name's line break is written \x0a.
  const auto text = run_command({"gzip", "-dc", file.string()});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("\n-- Table structure for table `-- x\\x0aDROP TABLE keep;`\n"), std::string::npos);
  EXPECT_NE(text.out.find("\n-- ifnbackup-table: x'"), std::string::npos) << "hexadecimal names in the manifest";

  ScratchDatabase by_ifnbackup(server, "hn_ifn");
  const auto restored =
      ifnbackup_cli(server, source.name(), backups, {"restore", "--yes", "--into", by_ifnbackup.name(), file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  auto check = connect(server, by_ifnbackup.name());
  expect_same_fingerprint(expected, fingerprint_database(*check, by_ifnbackup.name()));

  ScratchDatabase by_client(server, "hn_client");
  const auto client = load_file(server, by_client.name(), file);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  expect_same_fingerprint(expected, fingerprint_database(*check, by_client.name()));
  EXPECT_EQ(check->query_value("SELECT COUNT(*) FROM " + sql::quote_identifier(source.name()) + ".keep"), "1");

  // One table restored alone through the section index, found by its decoded name.
  connection->execute("DELETE FROM `a\nb`");
  const auto one =
      ifnbackup_cli(server, source.name(), backups, {"restore", "--yes", "--tables", "a\nb", file.string()});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(connection->query_value("SELECT COUNT(*) FROM `a\nb`"), "2");
}

}  // namespace
}  // namespace ifnbackup::test
