// The section index of a real backup: a table bigger than a part is cut into parts, each a range
// of whole gzip members that decodes alone; verify decodes the sections on several threads with
// the same verdict and checksum as on one; damage inside a part is found either way; and
// restore --tables of a table with parts reads them all.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backup/dump_writer.hpp"
#include "ifnbackup/backup.hpp"
#include "ifnbackup/error.hpp"
#include "ifnbackup/verify.hpp"
#include "io/gzip_reader.hpp"
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
    switch (section.kind) {
      case SectionKind::prologue: kinds.push_back("prologue"); break;
      case SectionKind::table: kinds.push_back("table " + section.table); break;
      case SectionKind::part: kinds.push_back("part " + section.table); break;
      case SectionKind::objects: kinds.push_back("objects"); break;
    }
    const std::string text = decode_range(file, section);
    EXPECT_EQ(text.size(), section.bytes);
    if (section.kind == SectionKind::part) {
      EXPECT_TRUE(text.starts_with("INSERT INTO `big` (")) << "a part starts with a statement: " << text.substr(0, 80);
      parts.push_back(text);
    }
    if (section.kind == SectionKind::table) {
      EXPECT_NE(text.find("CREATE TABLE `" + section.table + "`"), std::string::npos) << section.table;
    }
  }
  ASSERT_EQ(kinds.size(), 6u) << fmt::format("{}", fmt::join(kinds, ", "));
  EXPECT_EQ(kinds[0], "prologue");
  EXPECT_EQ(kinds[1], "table big");
  EXPECT_EQ(kinds[2], "part big");
  EXPECT_EQ(kinds[3], "part big");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0].ends_with(";\n")) << "a part ends after a statement";
  EXPECT_EQ(parts[0].find("ENABLE KEYS"), std::string::npos);
  EXPECT_NE(parts[1].find("ENABLE KEYS"), std::string::npos) << "the last part holds the end of the table";
  EXPECT_GE(index->sections()[2].bytes, backup::DumpWriter::k_part_bytes) << "a part holds about 8 MiB";
  EXPECT_EQ(kinds[kinds.size() - 2], "table small");
  EXPECT_EQ(kinds.back(), "objects");
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
  EXPECT_EQ(target->query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
            "1")
      << "only the chosen table";
}

}  // namespace
}  // namespace ifnbackup::test
