// The section index of a real backup: a table bigger than a part is cut into parts, each a range
// of whole gzip members that decodes alone; verify decodes the sections on several threads with
// the same verdict and checksum as on one; damage inside a part is found either way; and
// restore --tables of a table with parts reads them all.
#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backup/dump_writer.hpp"
#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/schema_check.hpp"
#include "ifnbackup/verify.hpp"
#include "io/gzip_reader.hpp"
#include "restore/script_loader.hpp"
#include "test_support.hpp"
#include "verify/section_check.hpp"

namespace ifnbackup::test {
namespace {

namespace fs = std::filesystem;

// ~22 MiB of SQL in `big` (a table section and two parts), a few rows in `small`.
void fill(const TestServer& server, const std::string& database) {
  auto connection = connect(server, database);
  connection->execute("CREATE TABLE big (id INT PRIMARY KEY, label VARCHAR(200) NOT NULL, amount DECIMAL(12,2))");
  connection->execute(
      "INSERT INTO big SELECT seq, CONCAT('marché d''Adjamé, étal ', seq, ' — ', REPEAT(MD5(seq), 3)), seq / 7 "
      "FROM seq_1_to_160000");
  connection->execute("CREATE TABLE small (id INT PRIMARY KEY, name VARCHAR(20))");
  connection->execute("INSERT INTO small VALUES (1, 'un'), (2, 'deux')");
}

std::string decode_range(const fs::path& file, const Section& section) {
  io::GzipReader reader(file, section.at, section.size);
  std::string text;
  reader.read_all([&](std::string_view piece) { text.append(piece); });
  return text;
}

TEST(SectionIndexBackup, BigTableInPartsVerifiedOnOneOrSeveralThreads) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "si_parts");
  fill(server, database.name());
  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = work.path() / "backups";
  const fs::path file = run_backup(options).file;

  const auto index = verify_detail::SectionCheck::load(file);
  ASSERT_TRUE(index.has_value());
  std::vector<std::string> kinds;
  std::vector<std::string> parts;
  for (const Section& section : index->sections()) {
    if (section.with_previous) {
      kinds.push_back("(shared) " + section.table);
      continue;
    }
    switch (section.kind) {
      case SectionKind::prologue:
        kinds.push_back("prologue");
        break;
      case SectionKind::table:
        kinds.push_back("table " + section.table);
        break;
      case SectionKind::part:
        kinds.push_back("part " + section.table);
        break;
      case SectionKind::objects:
        kinds.push_back("objects");
        break;
    }
    const std::string text = decode_range(file, section);
    EXPECT_EQ(text.size(), section.bytes);
    if (section.kind == SectionKind::part) {
      EXPECT_TRUE(text.starts_with("INSERT INTO `big` (")) << "a part starts with a statement: " << text.substr(0, 80);
      parts.push_back(text);
    }
    if (section.kind == SectionKind::prologue) {
      EXPECT_EQ(text.find("CREATE TABLE"), std::string::npos) << "the first table starts a range of its own";
    }
    if (section.kind == SectionKind::table && section.table == "big") {
      EXPECT_NE(text.find("CREATE TABLE `big`"), std::string::npos) << "big's first rows share its range";
    }
  }
  // The prologue is small, but the first table starts a range of its own (so that a restore can read
  // the tables in any order after it, issue 13); big goes on in parts; small comes after more than
  // 1 MiB of big's last part, so it has its own range, which the objects share.
  ASSERT_EQ(kinds.size(), 6u) << fmt::format("{}", fmt::join(kinds, ", "));
  EXPECT_EQ(kinds[0], "prologue");
  EXPECT_EQ(kinds[1], "table big");
  EXPECT_EQ(kinds[2], "part big");
  EXPECT_EQ(kinds[3], "part big");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0].ends_with(";\n")) << "a part ends after a statement";
  EXPECT_EQ(parts[0].find("ENABLE KEYS"), std::string::npos);
  // An InnoDB table's rows go without DISABLE/ENABLE KEYS (issue 20).
  EXPECT_EQ(parts[1].find("ENABLE KEYS"), std::string::npos);
  EXPECT_NE(parts[1].find("INSERT INTO `big`"), std::string::npos) << "the last part holds the end of the rows";
  EXPECT_GE(index->sections()[1].bytes, backup::DumpWriter::k_part_bytes) << "a range holds about 8 MiB";
  EXPECT_GE(index->sections()[2].bytes, backup::DumpWriter::k_part_bytes);
  EXPECT_EQ(kinds[4], "table small");
  EXPECT_EQ(kinds[5], "(shared) ");
  EXPECT_EQ(index->sections()[1].rows, 160000u) << "the table's rows are on its first section";

  const VerifyResult one = verify_backup_file(file, {}, 1);
  const VerifyResult two = verify_backup_file(file, {}, 2);
  ASSERT_EQ(one.status, VerifyStatus::ok) << one.reason;
  ASSERT_EQ(two.status, VerifyStatus::ok) << two.reason;
  EXPECT_FALSE(one.parallel);
  EXPECT_TRUE(two.parallel);
  EXPECT_EQ(one.sha256, two.sha256);
  EXPECT_EQ(one.sections, kinds.size());
  EXPECT_EQ(two.sections, kinds.size());
  EXPECT_EQ(one.tables, two.tables);
  EXPECT_EQ(one.uncompressed_bytes, two.uncompressed_bytes);

  // A flipped byte in the middle of the first part: both ways refuse the file.
  const Section& part = index->sections()[2];
  const fs::path damaged = work.path() / "damaged.sql.gz";
  fs::copy_file(file, damaged);
  flip_byte(damaged, part.at + part.size / 2);
  for (const unsigned threads : {1u, 2u}) {
    const VerifyResult bad = verify_backup_file(damaged, {}, threads);
    EXPECT_EQ(bad.status, VerifyStatus::corrupt) << "threads " << threads << ": " << bad.reason;
  }

  // restore --tables big reads its section and its parts: every row comes back.
  ScratchDatabase copy(server, "si_parts_copy");
  const auto restored = run_command({IFNBACKUP_BIN, "--defaults-file", server.defaults_file, "--database",
                                     database.name(), "--backup-dir", options.backup_dir.string(), "restore", "--yes",
                                     "--into", copy.name(), "--tables", "big", file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  auto source = connect(server, database.name());
  auto target = connect(server, copy.name());
  const auto checksum = [](db::Connection& connection) {
    const auto result = connection.query("CHECKSUM TABLE big EXTENDED");
    return result.rows.empty() || result.rows[0].size() < 2 ? std::string() : result.rows[0][1].value_or("");
  };
  EXPECT_FALSE(checksum(*source).empty());
  EXPECT_EQ(checksum(*target), checksum(*source));
  EXPECT_EQ(target->query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), "1")
      << "only the chosen table";
}

// The file's schema, read whole as the schema check read it before it skipped parts: every refused
// statement kept.
restore::LoadStats load_schema_whole(db::Connection& connection, const fs::path& file) {
  restore::LoadSettings settings;
  settings.schema_only = true;
  settings.ours = true;
  settings.load_data = false;
  settings.keep_going = true;
  return restore::load_script(connection, file, settings);
}

// The schema check of a backup whose big table has parts reads the table's structure, its last part
// (its deferred keys, after its rows) and the rest, not the parts that hold rows alone: the same
// statements run as when it reads the whole file (issue 19: the check's cost on a big database).
TEST(SectionIndexBackup, SchemaCheckSkipsThePartsThatHoldRowsAlone) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "si_schema");
  fill(server, database.name());
  {
    auto connection = connect(server, database.name());
    connection->execute("ALTER TABLE big ADD KEY by_amount (amount)");
    connection->execute("CREATE VIEW small_names AS SELECT name FROM small");
  }
  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = work.path() / "backups";
  const fs::path file = run_backup(options).file;
  const auto index = verify_detail::SectionCheck::load(file);
  ASSERT_TRUE(index.has_value());
  std::vector<Section> parts;
  std::uint64_t all_bytes = 0;
  for (const Section& section : index->sections()) {
    all_bytes += section.with_previous ? 0 : section.bytes;
    if (section.kind == SectionKind::part) {
      parts.push_back(section);
    }
  }
  ASSERT_EQ(parts.size(), 2u) << "big is cut in a table section and two parts";
  EXPECT_NE(decode_range(file, parts[1]).find("ADD KEY `by_amount`"), std::string::npos)
      << "the deferred key is in big's last part";

  const SchemaCheckResult checked = check_schema(options.connection, file);
  ASSERT_EQ(checked.outcome, SchemaCheckOutcome::passed) << checked.detail;
  EXPECT_EQ(checked.file_bytes, all_bytes);
  EXPECT_EQ(checked.bytes_read, all_bytes - parts[0].bytes) << "all but big's first part, which holds rows alone";

  // The whole file, schema only, runs the same statements.
  ScratchDatabase whole(server, "si_schema_whole");
  auto connection = connect(server, whole.name());
  const restore::LoadStats stats = load_schema_whole(*connection, file);
  EXPECT_EQ(checked.statements, stats.statements);
  EXPECT_EQ(connection->query_value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                                    "DATABASE() AND INDEX_NAME = 'by_amount'"),
            "1");
}

// A refused statement is named by its line in the whole file, not among the ranges read (the hostile
// review: the check said line 138 of a statement on line 147, and that was kept with the file).
TEST(SectionIndexBackup, SchemaCheckNamesTheRefusedStatementsLineInTheWholeFile) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "si_schema_bad");
  fill(server, database.name());
  {
    auto connection = connect(server, database.name());
    connection->execute("CREATE TABLE gone (id INT)");
    connection->execute("CREATE VIEW orphan AS SELECT id FROM gone");
    connection->execute("DROP TABLE gone");
  }
  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = work.path() / "backups";
  const fs::path file = run_backup(options).file;

  const SchemaCheckResult checked = check_schema(options.connection, file);
  ASSERT_EQ(checked.outcome, SchemaCheckOutcome::failed) << checked.detail;

  ScratchDatabase whole(server, "si_schema_bad_whole");
  auto connection = connect(server, whole.name());
  const restore::LoadStats stats = load_schema_whole(*connection, file);
  ASSERT_FALSE(stats.failures.empty());
  // "<file> line N" (the error names each scratch database)
  const auto where = [](const std::string& message) { return message.substr(0, message.find(": error")); };
  EXPECT_EQ(where(checked.detail), where(stats.failures.front().message));
  EXPECT_NE(where(checked.detail).find(" line "), std::string::npos) << checked.detail;
  EXPECT_EQ(checked.detail.find("sections read"), std::string::npos) << checked.detail;
}

// Three tables of ~1.5 MiB of SQL each: the first shares the prologue's range, the others have
// their own.
void fill_three(const TestServer& server, const std::string& database) {
  auto connection = connect(server, database);
  for (const char* table : {"alpha", "beta", "gamma"}) {
    connection->execute(fmt::format("CREATE TABLE {} (id INT PRIMARY KEY, label VARCHAR(200) NOT NULL)", table));
    connection->execute(fmt::format(
        "INSERT INTO {} SELECT seq, CONCAT('{} ', seq, ' ', REPEAT(MD5(seq), 3)) FROM seq_1_to_13000", table, table));
  }
}

CommandResult ifnbackup_cli(const TestServer& server, const std::string& database, const fs::path& backups,
                            std::vector<std::string> args) {
  std::vector<std::string> argv{IFNBACKUP_BIN, "--defaults-file", server.defaults_file, "--database",
                                database,      "--backup-dir",    backups.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

std::string checksum(const TestServer& server, const std::string& database, const std::string& table) {
  const auto result = connect(server, database)->query("CHECKSUM TABLE " + table + " EXTENDED");
  return result.rows.empty() || result.rows[0].size() < 2 ? std::string() : result.rows[0][1].value_or("");
}

// restore --tables reads the prologue, its tables' ranges and the objects only: a file damaged
// in another table's range (verify rejects it whole) still gives the chosen tables, checked;
// damage inside a chosen table's range is refused before anything is touched.
TEST(SectionIndexBackup, TablesReadOnlyTheirRangesOfTheFile) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "si_ranges");
  fill_three(server, database.name());
  TempDir work;
  const fs::path backups = work.path() / "backups";
  BackupOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = backups;
  const fs::path file = run_backup(options).file;
  const auto index = verify_detail::SectionCheck::load(file);
  ASSERT_TRUE(index.has_value());
  std::map<std::string, Section> owned;
  for (const Section& section : index->sections()) {
    if (section.kind == SectionKind::table && !section.with_previous) {
      owned[section.table] = section;
    }
  }
  ASSERT_TRUE(owned.contains("beta") && owned.contains("gamma")) << "beta and gamma have their own ranges";
  const std::string gamma_at_backup = checksum(server, database.name(), "gamma");
  const std::string alpha_at_backup = checksum(server, database.name(), "alpha");
  connect(server, database.name())->execute("DELETE FROM gamma WHERE id > 10");
  connect(server, database.name())->execute("DELETE FROM alpha WHERE id > 10");

  const fs::path beta_damaged = work.path() / "beta_damaged.sql.gz";
  fs::copy_file(file, beta_damaged);
  flip_byte(beta_damaged, owned["beta"].at + owned["beta"].size / 2);
  const auto whole = run_command({IFNBACKUP_BIN, "verify", beta_damaged.string()});
  EXPECT_EQ(whole.exit_code, static_cast<int>(ErrorCode::corrupt)) << whole.out << whole.err;

  const auto restored = ifnbackup_cli(server, database.name(), backups,
                                      {"restore", "--yes", "--tables", "gamma,alpha", beta_damaged.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.err.find("only the sections restored were read and checked"), std::string::npos) << restored.err;
  EXPECT_NE(restored.err.find("section index: read and checked"), std::string::npos) << restored.err;
  EXPECT_EQ(checksum(server, database.name(), "gamma"), gamma_at_backup);
  EXPECT_EQ(checksum(server, database.name(), "alpha"), alpha_at_backup) << "a table sharing the prologue's range";

  connect(server, database.name())->execute("DELETE FROM gamma WHERE id > 10");
  const std::string gamma_now = checksum(server, database.name(), "gamma");
  const fs::path gamma_damaged = work.path() / "gamma_damaged.sql.gz";
  fs::copy_file(file, gamma_damaged);
  flip_byte(gamma_damaged, owned["gamma"].at + owned["gamma"].size / 2);
  const auto refused = ifnbackup_cli(server, database.name(), backups,
                                     {"restore", "--yes", "--tables", "gamma", gamma_damaged.string()});
  EXPECT_EQ(refused.exit_code, static_cast<int>(ErrorCode::corrupt)) << refused.err;
  EXPECT_EQ(checksum(server, database.name(), "gamma"), gamma_now) << "nothing touched";
}

// Rows of over 1 MiB are a statement each: the part limit is reached on the table's last row,
// and the part must still start with an INSERT (it did not: the backup failed its own check).
TEST(SectionIndexBackup, BigRowsEndingAPartVerify) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "si_bigrows");
  {
    auto connection = connect(server, database.name());
    connection->execute("CREATE TABLE b (id INT PRIMARY KEY, body LONGTEXT)");
    connection->execute("INSERT INTO b SELECT seq, REPEAT(CHAR(65 + seq), 1100000) FROM seq_1_to_8");
  }
  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = work.path() / "backups";
  const fs::path file = run_backup(options).file;  // throws if its read-back verification fails
  const auto verified = verify_backup_file(file, {}, 2);
  EXPECT_EQ(verified.status, VerifyStatus::ok) << verified.reason;
  ScratchDatabase copy(server, "si_bigrows_copy");
  const auto restored = run_command({IFNBACKUP_BIN, "--defaults-file", server.defaults_file, "--database",
                                     database.name(), "--backup-dir", options.backup_dir.string(), "restore", "--yes",
                                     "--into", copy.name(), "--tables", "b", file.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(checksum(server, copy.name(), "b"), checksum(server, database.name(), "b"));
}

// Hundreds of tiny tables share ranges: the file stays no larger than gzip -6 of its SQL.
TEST(SectionIndexBackup, ManyTinyTablesStayAsSmallAsGzipSix) {
  IFNBACKUP_REQUIRE_SERVER(server);
  ScratchDatabase database(server, "si_tiny");
  {
    auto connection = connect(server, database.name());
    for (int i = 0; i < 300; ++i) {
      connection->execute(fmt::format("CREATE TABLE t{:03} (id INT PRIMARY KEY, name VARCHAR(20))", i));
      connection->execute(fmt::format("INSERT INTO t{:03} VALUES (1, 'un'), (2, 'deux')", i));
    }
  }
  TempDir work;
  BackupOptions options;
  options.connection = connection_options(server, database.name());
  options.backup_dir = work.path() / "backups";
  const fs::path file = run_backup(options).file;
  const auto gzip_six = run_bash(R"(gzip -dc "$1" | gzip -6 | wc -c)", {file.string()});
  ASSERT_EQ(gzip_six.exit_code, 0) << gzip_six.err;
  const auto ours = fs::file_size(file);
  EXPECT_LE(ours, std::stoull(gzip_six.out)) << "one gzip member per tiny table would be several times larger";
  const auto verified = verify_backup_file(file);
  EXPECT_EQ(verified.status, VerifyStatus::ok) << verified.reason;
  EXPECT_EQ(verified.tables.size(), 300u);
}

}  // namespace
}  // namespace ifnbackup::test
