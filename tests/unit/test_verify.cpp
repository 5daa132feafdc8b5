#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/manifest.hpp"
#include "ifnbackup/verify.hpp"
#include "io/parallel_gzip_writer.hpp"
#include "unit/temp_dir_test.hpp"
#include "util/sha256.hpp"
#include "verify/content_scan.hpp"

namespace {

namespace fs = std::filesystem;
using ifnbackup::TableCount;
using ifnbackup::VerifyResult;
using ifnbackup::VerifyStatus;

// `name` between backticks, a backtick in it doubled: as the dumper writes it.
std::string quoted(const std::string& name) {
  std::string out = "`";
  for (const char c : name) {
    out += c == '`' ? std::string("``") : std::string(1, c);
  }
  return out + "`";
}

std::string header_and_body(const std::vector<TableCount>& tables, std::size_t rows_per_insert = 50) {
  std::string sql =
      "-- ifnbackup 0.1.0 dump of database `shop`\n"
      "-- ifnbackup-format: 1\n"
      "-- ifnbackup-database: shop\n"
      "-- ifnbackup-server: 10.11.6-MariaDB-0+deb12u1\n"
      "-- ifnbackup-started: 2026-11-25T01:00:00Z\n"
      "\n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "/*!40103 SET TIME_ZONE='+00:00' */;\n";
  for (const TableCount& table : tables) {
    sql += "DROP TABLE IF EXISTS " + quoted(table.name) + ";\nCREATE TABLE " + quoted(table.name) +
           " (`id` int NOT NULL, `label` varchar(40), PRIMARY KEY (`id`));\n";
    for (std::uint64_t row = 0; row < table.rows; ++row) {
      sql += (row % rows_per_insert == 0) ? "INSERT INTO " + quoted(table.name) + " (`id`,`label`) VALUES " : ",";
      sql += "(" + std::to_string(row) + ",'label " + std::to_string(row * 31) + "')";
      if (row % rows_per_insert == rows_per_insert - 1 || row + 1 == table.rows) {
        sql += ";\n";
      }
    }
  }
  sql += "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n";
  return sql;
}

// Adds the trailer the way the backup writer does.
std::string with_trailer(std::string content) {
  const std::string sha = ifnbackup::util::Sha256::hex_of(content);
  const std::uint64_t bytes = content.size();
  content += ifnbackup::format_checksum_line(sha, bytes);
  content += ifnbackup::format_completion_line(std::chrono::system_clock::now());
  return content;
}

std::string good_content(const std::vector<TableCount>& tables) {
  return with_trailer(header_and_body(tables) + ifnbackup::format_manifest(tables));
}

const std::vector<TableCount> k_tables = {{"customers", 120}, {"merchants", 1200}, {"order`s", 7}, {"zero", 0}};

class VerifyTest : public ifnbackup::test::TempDirTest {
 protected:
  fs::path gzip_file(const std::string& name, const std::vector<std::string>& members) {
    const fs::path path = m_dir / name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    for (const std::string& member : members) {
      ifnbackup::io::ParallelGzipWriter writer(fd, 6, name, 1, std::max<std::size_t>(member.size(), 1));
      writer.write(member);
      writer.finish();
    }
    ::close(fd);
    return path;
  }
  fs::path raw_file(const std::string& name, const std::string& bytes) {
    const fs::path path = m_dir / name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return path;
  }
  static std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(VerifyTest, GoodFileIsOk) {
  const std::string content = good_content(k_tables);
  const fs::path path = gzip_file("ifn_connect_backup_20261125_010000.sql.gz", {content});
  std::vector<ifnbackup::VerifyProgress> calls;
  const VerifyResult r =
      ifnbackup::verify_backup_file(path, [&](const ifnbackup::VerifyProgress& p) { calls.push_back(p); });
  EXPECT_EQ(r.status, VerifyStatus::ok) << r.reason;
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.path, path);
  EXPECT_EQ(r.tables, k_tables);
  EXPECT_EQ(r.uncompressed_bytes, content.size());
  EXPECT_EQ(r.compressed_bytes, fs::file_size(path));
  const std::size_t checksum_at = content.find("-- ifnbackup-sha256: ");
  EXPECT_EQ(r.sha256, ifnbackup::util::Sha256::hex_of(std::string_view(content).substr(0, checksum_at)));
  EXPECT_TRUE(std::regex_match(r.completed_at, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"))) << r.completed_at;
  EXPECT_EQ(r.header.at("format"), "1");
  EXPECT_EQ(r.header.at("database"), "shop");
  EXPECT_EQ(r.header.at("server"), "10.11.6-MariaDB-0+deb12u1");
  EXPECT_EQ(r.header.at("started"), "2026-11-25T01:00:00Z");
  EXPECT_EQ(r.header.size(), 4u);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back().compressed_read, fs::file_size(path));
  EXPECT_EQ(calls.back().compressed_total, fs::file_size(path));
}

TEST_F(VerifyTest, LargeFileWithThousandsOfTablesIsOk) {
  std::vector<TableCount> tables;
  for (int i = 0; i < 3000; ++i) {
    tables.push_back({"table_" + std::to_string(i), static_cast<std::uint64_t>(i % 17)});
  }
  tables.push_back({"big", 60000});
  const std::string content = good_content(tables);
  ASSERT_GT(content.size(), 2u * 1024 * 1024);  // several 1 MiB read chunks
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("large.sql.gz", {content}));
  EXPECT_EQ(r.status, VerifyStatus::ok) << r.reason;
  EXPECT_EQ(r.tables, tables);
}

TEST_F(VerifyTest, ChunkBoundariesDoNotMatter) {
  const std::string content = good_content(k_tables);
  std::mt19937 rng(42);
  for (const std::size_t max_piece :
       {std::size_t{1}, std::size_t{3}, std::size_t{29}, std::size_t{30}, std::size_t{200}, std::size_t{5000}}) {
    ifnbackup::verify_detail::ContentScan scan;
    for (std::size_t pos = 0; pos < content.size();) {
      const std::size_t piece = std::min(content.size() - pos, 1 + rng() % max_piece);
      scan.feed(std::string_view(content).substr(pos, piece));
      pos += piece;
    }
    VerifyResult r;
    scan.conclude(r);
    EXPECT_EQ(r.status, VerifyStatus::ok) << "pieces up to " << max_piece << ": " << r.reason;
    EXPECT_EQ(r.tables, k_tables) << "pieces up to " << max_piece;
    EXPECT_EQ(r.header.size(), 4u) << "pieces up to " << max_piece;
  }
}

TEST_F(VerifyTest, ManifestMarkerInsideTheDataDoesNotConfuseTheVerifier) {
  // A routine body may hold any comment; only the block right before the checksum line counts.
  const std::vector<TableCount> decoy = {{"decoy", 99}};
  const std::string body = header_and_body(k_tables) + "DELIMITER ;;\nCREATE PROCEDURE p()\nBEGIN\n" +
                           ifnbackup::format_manifest(decoy) + "-- ifnbackup-manifest-begin\nSELECT 1;\nEND ;;\n" +
                           "DELIMITER ;\n";
  const std::string content = with_trailer(body + ifnbackup::format_manifest(k_tables));
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("decoy.sql.gz", {content}));
  EXPECT_EQ(r.status, VerifyStatus::ok) << r.reason;
  EXPECT_EQ(r.tables, k_tables);
}

TEST_F(VerifyTest, MultiMemberFileIsOk) {
  const std::string content = good_content(k_tables);
  const std::size_t half = content.size() / 2;
  const VerifyResult r =
      ifnbackup::verify_backup_file(gzip_file("multi.sql.gz", {content.substr(0, half), content.substr(half)}));
  EXPECT_EQ(r.status, VerifyStatus::ok) << r.reason;
  EXPECT_EQ(r.uncompressed_bytes, content.size());
  EXPECT_EQ(r.tables, k_tables);
}

TEST_F(VerifyTest, TruncatedFileIsIncomplete) {
  const std::string bytes = read_bytes(gzip_file("whole.sql.gz", {good_content(k_tables)}));
  for (const std::size_t cut :
       {std::size_t{3}, std::size_t{20}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 9, bytes.size() - 1}) {
    const VerifyResult r = ifnbackup::verify_backup_file(raw_file("cut.sql.gz", bytes.substr(0, cut)));
    EXPECT_EQ(r.status, VerifyStatus::incomplete) << "cut at " << cut << ": " << r.reason;
    EXPECT_TRUE(contains(r.reason, "unexpected end of file")) << r.reason;
    EXPECT_FALSE(r.ok());
    if (cut >= bytes.size() / 3) {
      EXPECT_EQ(r.header.at("database"), "shop");  // read before the cut
    }
  }
}

TEST_F(VerifyTest, FlippedByteIsCorrupt) {
  std::string bytes = read_bytes(gzip_file("flip.sql.gz", {good_content(k_tables)}));
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x04);
  const VerifyResult r = ifnbackup::verify_backup_file(raw_file("flip.sql.gz", bytes));
  EXPECT_EQ(r.status, VerifyStatus::corrupt) << r.reason;
  EXPECT_TRUE(contains(r.reason, "at compressed offset")) << r.reason;
}

// A member whose CRC-32 is wrong is found once it is decoded whole: what it decoded still counts in
// uncompressed_bytes (the refactor that gave zlib one owner dropped it: verify --json said 0).
TEST_F(VerifyTest, BadCrcIsCorruptAndItsMemberStillCounts) {
  const std::string content = good_content(k_tables);
  std::string bytes = read_bytes(gzip_file("crc.sql.gz", {content}));
  const std::size_t crc_at = bytes.size() - 8;  // the trailer: CRC-32, then ISIZE
  bytes[crc_at] = static_cast<char>(bytes[crc_at] ^ 0x01);
  const VerifyResult r = ifnbackup::verify_backup_file(raw_file("crc.sql.gz", bytes));
  EXPECT_EQ(r.status, VerifyStatus::corrupt) << r.reason;
  EXPECT_TRUE(contains(r.reason, "incorrect data check")) << r.reason;
  EXPECT_EQ(r.uncompressed_bytes, content.size());
}

TEST_F(VerifyTest, ValidGzipCutBeforeTheMarkerIsIncomplete) {
  const std::string content = good_content(k_tables);
  const std::size_t marker = content.rfind("-- Dump completed");
  for (const std::size_t cut : {marker, marker + 5, content.size() / 2}) {
    const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("short.sql.gz", {content.substr(0, cut)}));
    EXPECT_EQ(r.status, VerifyStatus::incomplete) << "cut at " << cut;
    EXPECT_EQ(r.reason, "no completion marker: the dump was cut short");
    EXPECT_EQ(r.header.at("database"), "shop");  // what could be read is still reported
  }
}

TEST_F(VerifyTest, EmptyFileIsIncomplete) {
  const VerifyResult r = ifnbackup::verify_backup_file(raw_file("empty.sql.gz", ""));
  EXPECT_EQ(r.status, VerifyStatus::incomplete);
  EXPECT_TRUE(contains(r.reason, "empty file")) << r.reason;
}

TEST_F(VerifyTest, GzipOfNothingIsIncomplete) {
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("nothing.sql.gz", {""}));
  EXPECT_EQ(r.status, VerifyStatus::incomplete);
  EXPECT_TRUE(contains(r.reason, "no completion marker")) << r.reason;
}

TEST_F(VerifyTest, NotGzipIsCorrupt) {
  const VerifyResult r = ifnbackup::verify_backup_file(raw_file("plain.sql.gz", good_content(k_tables)));
  EXPECT_EQ(r.status, VerifyStatus::corrupt);
  EXPECT_TRUE(contains(r.reason, "not a gzip file")) << r.reason;
}

TEST_F(VerifyTest, GzipOfRandomDataIsNotADump) {
  std::mt19937_64 rng(9);
  std::string binary(200000, '\0');
  std::string text;
  for (char& c : binary) {
    c = static_cast<char>(rng());
  }
  while (text.size() < 200000) {
    text += std::string(1 + rng() % 8, static_cast<char>('a' + rng() % 26)) + ((rng() % 10 == 0) ? "\n" : " ");
  }
  const VerifyResult b = ifnbackup::verify_backup_file(gzip_file("binary.gz", {binary}));
  EXPECT_EQ(b.status, VerifyStatus::corrupt);
  EXPECT_EQ(b.reason, "not an SQL dump: the content is binary data (no completion marker)");
  const VerifyResult t = ifnbackup::verify_backup_file(gzip_file("text.gz", {text}));
  EXPECT_EQ(t.status, VerifyStatus::corrupt);
  EXPECT_EQ(t.reason, "not an SQL dump: the content does not start with an SQL comment (no completion marker)");
}

TEST_F(VerifyTest, MysqldumpFileIsLegacy) {
  const std::string dump =
      "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n"
      "--\n-- Host: localhost    Database: shop\n"
      "-- ------------------------------------------------------\n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "CREATE TABLE `t` (`id` int);\nINSERT INTO `t` VALUES (1),(2);\n"
      "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
      "\n-- Dump completed on 2024-01-15  2:00:04\n";
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("legacy.sql.gz", {dump}));
  EXPECT_EQ(r.status, VerifyStatus::ok_legacy);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.reason, "legacy: no content checksum");
  EXPECT_EQ(r.completed_at, "2024-01-15  2:00:04");
  EXPECT_TRUE(r.tables.empty());
  EXPECT_TRUE(r.header.empty());
  EXPECT_EQ(r.uncompressed_bytes, dump.size());
}

// Issue 18: one of our backups with its "-- ifnbackup-sha256" line removed verified "OK (legacy)".
TEST_F(VerifyTest, OurFileWithoutItsChecksumLineIsCorruptNeverLegacy) {
  const auto without_line = [](std::string content, const std::string& line_start) {
    const std::size_t at = content.find(line_start);
    EXPECT_NE(at, std::string::npos) << line_start;
    content.erase(at, content.find('\n', at) + 1 - at);
    return content;
  };
  const std::string no_checksum = without_line(good_content(k_tables), "-- ifnbackup-sha256: ");
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("stripped.sql.gz", {no_checksum}));
  EXPECT_EQ(r.status, VerifyStatus::corrupt) << r.reason;
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.reason, "content checksum line missing")) << r.reason;

  // The key lines of the header removed as well: its first line still says who wrote it.
  std::string first_line_only = no_checksum;
  for (const char* key :
       {"-- ifnbackup-format: ", "-- ifnbackup-database: ", "-- ifnbackup-server: ", "-- ifnbackup-started: "}) {
    first_line_only = without_line(first_line_only, key);
  }
  const VerifyResult f = ifnbackup::verify_backup_file(gzip_file("first.sql.gz", {first_line_only}));
  EXPECT_EQ(f.status, VerifyStatus::corrupt) << f.reason;
  EXPECT_TRUE(f.header.empty());

  // The manifest and the checksum both removed: still corrupt.
  const std::string bare =
      header_and_body(k_tables) + ifnbackup::format_completion_line(std::chrono::system_clock::now());
  EXPECT_EQ(ifnbackup::verify_backup_file(gzip_file("bare.sql.gz", {bare})).status, VerifyStatus::corrupt);
}

// Issue 18: a 51-byte file holding "-- Dump completed" verified "OK (legacy)" and became "latest".
TEST_F(VerifyTest, WhatALegacyFileHoldsIsCounted) {
  const std::string dump =
      "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "-- INSERT INTO in a comment is no row\n"
      "/*!50001 CREATE TABLE `v` (`id` int) */;\n"
      "CREATE TABLE `t` (`id` int);\n"
      "CREATE TABLE `u` (`id` int);\n"
      "INSERT INTO `t` VALUES (1),(2);\n"
      "INSERT IGNORE INTO `t` VALUES (3);\n"
      "REPLACE INTO `u` VALUES (4);\n"
      "\n-- Dump completed on 2024-01-15  2:00:04\n";
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("legacy.sql.gz", {dump}));
  EXPECT_EQ(r.status, VerifyStatus::ok_legacy) << r.reason;
  EXPECT_EQ(r.create_table_lines, 2u);
  EXPECT_EQ(r.insert_lines, 3u);
  EXPECT_TRUE(r.holds_tables());

  // The same lines fed in pieces of every size: line starts are found across chunk boundaries.
  for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{13}, std::size_t{17}}) {
    ifnbackup::verify_detail::ContentScan scan;
    for (std::size_t pos = 0; pos < dump.size(); pos += piece) {
      scan.feed(std::string_view(dump).substr(pos, piece));
    }
    VerifyResult p;
    scan.conclude(p);
    EXPECT_EQ(p.create_table_lines, 2u) << "pieces of " << piece;
    EXPECT_EQ(p.insert_lines, 3u) << "pieces of " << piece;
  }

  const VerifyResult fake = ifnbackup::verify_backup_file(gzip_file("fake.sql.gz", {"-- Dump completed\n"}));
  EXPECT_EQ(fake.status, VerifyStatus::ok_legacy);
  EXPECT_FALSE(fake.holds_tables());
  const VerifyResult no_rows = ifnbackup::verify_backup_file(
      gzip_file("norows.sql.gz", {"-- dump\nCREATE TABLE `t` (`id` int);\n-- Dump completed\n"}));
  EXPECT_EQ(no_rows.status, VerifyStatus::ok_legacy);
  EXPECT_FALSE(no_rows.holds_tables());
}

TEST_F(VerifyTest, OurFileHoldsTablesWhenItsManifestListsOne) {
  const VerifyResult none = ifnbackup::verify_backup_file(gzip_file("none.sql.gz", {good_content({})}));
  EXPECT_EQ(none.status, VerifyStatus::ok) << none.reason;
  EXPECT_FALSE(none.holds_tables());
  const VerifyResult some = ifnbackup::verify_backup_file(gzip_file("some.sql.gz", {good_content(k_tables)}));
  EXPECT_TRUE(some.holds_tables());
}

TEST_F(VerifyTest, AlteredContentIsAChecksumMismatch) {
  std::string content = good_content(k_tables);
  const std::size_t at = content.find("'label 31'");
  ASSERT_NE(at, std::string::npos);
  content[at + 7] = '4';  // same length, one value changed, re-gzipped: gzip is fine, content is not
  const VerifyResult r = ifnbackup::verify_backup_file(gzip_file("altered.sql.gz", {content}));
  EXPECT_EQ(r.status, VerifyStatus::corrupt);
  EXPECT_TRUE(contains(r.reason, "content checksum mismatch: expected sha256 ")) << r.reason;

  std::string longer = good_content(k_tables);
  longer.insert(longer.find("INSERT"), "-- one more line\n");
  const VerifyResult l = ifnbackup::verify_backup_file(gzip_file("longer.sql.gz", {longer}));
  EXPECT_EQ(l.status, VerifyStatus::corrupt);
  EXPECT_TRUE(contains(l.reason, "content checksum mismatch: the checksum line covers")) << l.reason;
}

TEST_F(VerifyTest, ManifestTotalsMustAgree) {
  std::string manifest = ifnbackup::format_manifest(k_tables);
  const std::size_t end = manifest.find("-- ifnbackup-manifest-end: ");
  manifest.replace(end, std::string::npos,
                   "-- ifnbackup-manifest-end: tables=4 rows=1328\n");  // one row more
  const VerifyResult r =
      ifnbackup::verify_backup_file(gzip_file("m.sql.gz", {with_trailer(header_and_body(k_tables) + manifest)}));
  EXPECT_EQ(r.status, VerifyStatus::corrupt);
  EXPECT_EQ(r.reason, "manifest mismatch: it lists 4 tables and 1327 rows, its end line says tables=4 rows=1328");
}

TEST_F(VerifyTest, ChecksumWithoutManifestIsCorrupt) {
  const VerifyResult r =
      ifnbackup::verify_backup_file(gzip_file("nomanifest.sql.gz", {with_trailer(header_and_body(k_tables))}));
  EXPECT_EQ(r.status, VerifyStatus::corrupt);
  EXPECT_TRUE(contains(r.reason, "manifest missing")) << r.reason;
}

// Issue 18, item 7: a statement longer than verify holds is read in pieces as it is cut, never held
// whole; its end is read all the same, and its size is kept for the load.
TEST_F(VerifyTest, AStatementLongerThanVerifyHoldsIsReadToItsEnd) {
  const std::size_t hold = ifnbackup::verify_detail::StatementScan::k_statement_hold;
  std::string row = "INSERT INTO `customers` (`id`,`label`) VALUES (9999,0x";
  row.append(hold + 1000, 'A');
  row += ")";
  const std::string planted = row + ",(LOAD_FILE('/etc/shadow'),'x')";
  const std::string legacy_start = "-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n";
  const std::string legacy_end = ";\n-- Dump completed on 2024-01-15  2:00:04\n";

  const VerifyResult fine = ifnbackup::verify_backup_file(gzip_file("fine.sql.gz", {legacy_start + row + legacy_end}));
  EXPECT_EQ(fine.status, VerifyStatus::ok_legacy) << fine.reason;
  EXPECT_EQ(fine.statements, 2u);
  EXPECT_EQ(fine.foreign_statements, 0u) << fine.first_foreign_statement;
  EXPECT_EQ(fine.largest_statement, row.size());

  const VerifyResult legacy =
      ifnbackup::verify_backup_file(gzip_file("planted.sql.gz", {legacy_start + planted + legacy_end}));
  EXPECT_EQ(legacy.status, VerifyStatus::ok_legacy) << legacy.reason;
  EXPECT_EQ(legacy.foreign_statements, 1u);
  EXPECT_TRUE(contains(legacy.first_foreign_statement,
                       "line 3: an INSERT whose values are not literals (LOAD_FILE): INSERT INTO `customers` "
                       "(`id`,`label`) VALUES (9999,0xAAAA"))
      << legacy.first_foreign_statement;

  const VerifyResult ours = ifnbackup::verify_backup_file(
      gzip_file("ours.sql.gz",
                {with_trailer(header_and_body(k_tables) + planted + ";\n" + ifnbackup::format_manifest(k_tables))}));
  EXPECT_EQ(ours.status, VerifyStatus::corrupt);
  EXPECT_TRUE(ours.refused_for_statements);
  EXPECT_TRUE(contains(ours.reason, "(LOAD_FILE)")) << ours.reason;
}

// Row INSERTs are classified on a thread of their own beside the splitter (issue 13): the count of
// foreign statements is all of them, and the first one named is the first in the file, whether an
// INSERT or another statement comes first; many INSERTs beyond the checker's bytes in flight.
TEST_F(VerifyTest, TheFirstForeignStatementIsTheFirstInTheFileWhateverChecksIt) {
  const std::string start = "-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n";
  const std::string end = "-- Dump completed on 2024-01-15  2:00:04\n";
  std::string rows;
  for (int i = 0; i < 400; ++i) {  // about 20 MiB of plain rows, past what the checker holds at once
    rows += "INSERT INTO `t` (`id`,`v`) VALUES (" + std::to_string(i) + ",'" + std::string(50000, 'x') + "');\n";
  }
  const std::string bad_insert = "INSERT INTO `t` (`id`,`v`) VALUES (1,LOAD_FILE('/etc/shadow'));\n";
  const std::string bad_other = "GRANT ALL ON *.* TO x;\n";
  const VerifyResult insert_first =
      ifnbackup::verify_backup_file(gzip_file("i.sql.gz", {start + rows + bad_insert + rows + bad_other + end}));
  EXPECT_EQ(insert_first.foreign_statements, 2u);
  EXPECT_TRUE(contains(insert_first.first_foreign_statement, "line 403: an INSERT whose values are not literals"))
      << insert_first.first_foreign_statement;
  const VerifyResult other_first =
      ifnbackup::verify_backup_file(gzip_file("o.sql.gz", {start + rows + bad_other + rows + bad_insert + end}));
  EXPECT_EQ(other_first.foreign_statements, 2u);
  EXPECT_TRUE(contains(other_first.first_foreign_statement, "line 403:")) << other_first.first_foreign_statement;
  EXPECT_FALSE(contains(other_first.first_foreign_statement, "INSERT")) << other_first.first_foreign_statement;
  EXPECT_EQ(other_first.statements, 1u + 800u + 2u);
  // Side by side: the INSERT still queued behind the rows when the splitter meets the GRANT.
  const VerifyResult adjacent =
      ifnbackup::verify_backup_file(gzip_file("a.sql.gz", {start + rows + bad_insert + bad_other + end}));
  EXPECT_EQ(adjacent.foreign_statements, 2u);
  EXPECT_TRUE(contains(adjacent.first_foreign_statement, "line 403: an INSERT whose values are not literals"))
      << adjacent.first_foreign_statement;
  // An INSERT longer than the checker holds (8 MiB) is classified in line, still in the file's order.
  const std::string long_bad = "INSERT INTO `t` (`id`,`v`) VALUES (2,'" + std::string(9 * 1024 * 1024, 'y') +
                               "'),(3,LOAD_FILE('/etc/passwd'));\n";
  const VerifyResult long_insert =
      ifnbackup::verify_backup_file(gzip_file("l.sql.gz", {start + rows + long_bad + bad_other + bad_insert + end}));
  EXPECT_EQ(long_insert.foreign_statements, 3u);
  EXPECT_TRUE(contains(long_insert.first_foreign_statement, "line 403: an INSERT whose values are not literals"))
      << long_insert.first_foreign_statement;  // SET NAMES, the rows, the two
}

// The backup's read-back of the file it has just written (VerifyCheck::written) gives the full
// verification's verdict on every fault of the bytes: a byte flipped on disk, a member's CRC, content
// that gzip accepts but the checksum does not, a file cut short, no manifest.
TEST_F(VerifyTest, TheWrittenCheckCatchesEveryFaultOfTheBytes) {
  const std::string content = good_content(k_tables);
  const std::string bytes = read_bytes(gzip_file("good.sql.gz", {content}));
  const VerifyResult good = ifnbackup::verify_written_backup(m_dir / "good.sql.gz");
  EXPECT_EQ(good.status, VerifyStatus::ok) << good.reason;
  EXPECT_EQ(good.check, ifnbackup::VerifyCheck::written);
  EXPECT_EQ(good.tables, k_tables);
  EXPECT_EQ(good.sha256, ifnbackup::verify_backup_file(m_dir / "good.sql.gz").sha256);
  EXPECT_EQ(good.statements, 0u) << "the statements are not read";

  std::string flipped = bytes;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x04);
  const VerifyResult f = ifnbackup::verify_written_backup(raw_file("flip.sql.gz", flipped));
  EXPECT_EQ(f.status, VerifyStatus::corrupt) << f.reason;
  EXPECT_EQ(f.check, ifnbackup::VerifyCheck::written);

  std::string crc = bytes;
  crc[crc.size() - 8] = static_cast<char>(crc[crc.size() - 8] ^ 0x01);
  const VerifyResult c = ifnbackup::verify_written_backup(raw_file("crc.sql.gz", crc));
  EXPECT_EQ(c.status, VerifyStatus::corrupt) << c.reason;
  EXPECT_TRUE(contains(c.reason, "incorrect data check")) << c.reason;

  std::string altered = content;
  altered[altered.find("'label 31'") + 7] = '4';
  const VerifyResult a = ifnbackup::verify_written_backup(gzip_file("altered.sql.gz", {altered}));
  EXPECT_EQ(a.status, VerifyStatus::corrupt);
  EXPECT_TRUE(contains(a.reason, "content checksum mismatch: expected sha256 ")) << a.reason;

  const VerifyResult t = ifnbackup::verify_written_backup(raw_file("cut.sql.gz", bytes.substr(0, bytes.size() / 2)));
  EXPECT_EQ(t.status, VerifyStatus::incomplete) << t.reason;

  const VerifyResult m =
      ifnbackup::verify_written_backup(gzip_file("bare.sql.gz", {with_trailer(header_and_body(k_tables))}));
  EXPECT_EQ(m.status, VerifyStatus::corrupt);
  EXPECT_TRUE(contains(m.reason, "manifest missing")) << m.reason;
}

// What the read-back leaves out: the statements. A file of ours holding one our dumper never writes
// is refused by the full verification (and so by every restore); the read-back of a file just
// written does not read it, and says so in its result (recorded as `written`, never as a full one).
TEST_F(VerifyTest, TheWrittenCheckLeavesTheStatementsToAFullOne) {
  const std::string planted = with_trailer(header_and_body(k_tables) + "SET GLOBAL max_connections = 1;\n" +
                                           ifnbackup::format_manifest(k_tables));
  const fs::path path = gzip_file("planted.sql.gz", {planted});
  const VerifyResult full = ifnbackup::verify_backup_file(path);
  EXPECT_EQ(full.status, VerifyStatus::corrupt);
  EXPECT_TRUE(full.refused_for_statements) << full.reason;
  EXPECT_EQ(full.check, ifnbackup::VerifyCheck::full);
  const VerifyResult written = ifnbackup::verify_written_backup(path);
  EXPECT_EQ(written.status, VerifyStatus::ok) << written.reason;
  EXPECT_EQ(written.check, ifnbackup::VerifyCheck::written);
  EXPECT_EQ(written.foreign_statements, 0u);
}

TEST_F(VerifyTest, MissingFileThrowsNotFound) {
  try {
    ifnbackup::verify_backup_file(m_dir / "absent.sql.gz");
    FAIL() << "no error";
  } catch (const ifnbackup::Error& e) {
    EXPECT_EQ(e.code(), ifnbackup::ErrorCode::not_found);
  }
}

// The table lines of a manifest block, each parsed alone; a line that does not parse is a failure.
std::vector<TableCount> parse_table_lines(const std::string& block, std::size_t count) {
  std::vector<TableCount> parsed;
  std::size_t pos = block.find('\n') + 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t newline = block.find('\n', pos);
    const std::string_view line = std::string_view(block).substr(pos, newline - pos);
    const auto table = ifnbackup::parse_manifest_table_line(line);
    EXPECT_TRUE(table.has_value()) << line;
    parsed.push_back(table.value_or(TableCount{}));
    pos = newline + 1;
  }
  return parsed;
}

TEST(Manifest, FormatsTheDocumentedLines) {
  EXPECT_EQ(ifnbackup::format_manifest({{"merchants", 1200}, {"a`b", 3}}),
            "-- ifnbackup-manifest-begin\n"
            "-- ifnbackup-table: `merchants` rows=1200\n"
            "-- ifnbackup-table: `a``b` rows=3\n"
            "-- ifnbackup-manifest-end: tables=2 rows=1203\n");
  EXPECT_EQ(ifnbackup::format_manifest({}),
            "-- ifnbackup-manifest-begin\n-- ifnbackup-manifest-end: tables=0 rows=0\n");
  const std::string hex(64, 'a');
  EXPECT_EQ(ifnbackup::format_checksum_line(hex, 123456), "-- ifnbackup-sha256: " + hex + " bytes=123456\n");
  EXPECT_TRUE(std::regex_match(ifnbackup::format_completion_line(std::chrono::system_clock::now()),
                               std::regex("-- Dump completed on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\n")));
  // A name holding a control byte is written in hexadecimal, on one line (issue 18, item 6).
  EXPECT_EQ(ifnbackup::format_manifest({{"a\nb", 1}}),
            "-- ifnbackup-manifest-begin\n"
            "-- ifnbackup-table: x'610a62' rows=1\n"
            "-- ifnbackup-manifest-end: tables=1 rows=1\n");
}

TEST(Manifest, EveryNameTheServerAcceptsRoundTripsOnOneLine) {
  const std::vector<TableCount> tables = {{"a\nb", 1},     {"c\rd", 2}, {"t\tx", 3},  {"q'\"``\\;;-- x", 4},
                                          {"-- x\n--", 5}, {"ünï€", 6}, {"x'41'", 7}, {std::string("\x7f") + "\x01", 8},
                                          {"*/ /*", 9}};
  const std::string block = ifnbackup::format_manifest(tables);
  EXPECT_EQ(std::count(block.begin(), block.end(), '\n'), static_cast<long>(tables.size() + 2)) << block;
  EXPECT_EQ(parse_table_lines(block, tables.size()), tables);
  // A name that looks like the hexadecimal form stays between backticks.
  EXPECT_NE(block.find("-- ifnbackup-table: `x'41'` rows=7\n"), std::string::npos) << block;
  // One spelling per name: hexadecimal only for a name that needs it; digits lower case and paired.
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: x'41' rows=1"));
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: x'0A' rows=1"));
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: x'0a6' rows=1"));
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: x'' rows=1"));
  // Files written before: backticks only, a backslash is a backslash.
  const auto old = ifnbackup::parse_manifest_table_line("-- ifnbackup-table: `a\\x0ab` rows=1");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->name, "a\\x0ab");
}

TEST(Manifest, CommentIdentifierNeverBreaksTheLine) {
  EXPECT_EQ(ifnbackup::comment_identifier("plain"), "`plain`");
  EXPECT_EQ(ifnbackup::comment_identifier("a`b"), "`a``b`");
  EXPECT_EQ(ifnbackup::comment_identifier("a\nb\rc\td"), "`a\\x0ab\\x0dc\\x09d`");
  EXPECT_EQ(ifnbackup::comment_identifier("ünï€"), "`ünï€`");
}

TEST(Manifest, SourceDatabaseHeaderLine) {
  EXPECT_EQ(ifnbackup::format_database_header_line("app"), "-- ifnbackup-database: app\n");
  EXPECT_EQ(ifnbackup::format_database_header_line("a\nb"), "-- ifnbackup-database-hex: 610a62\n");
  EXPECT_EQ(ifnbackup::header_database({{"database", "app"}}), "app");
  EXPECT_EQ(ifnbackup::header_database({{"database-hex", "610a62"}}), "a\nb");
  EXPECT_FALSE(ifnbackup::header_database({{"database-hex", "6x"}}).has_value());
  EXPECT_FALSE(ifnbackup::header_database({{"format", "4"}}).has_value()) << "a mysqldump file records none";
}

TEST(Manifest, ParsesWhatItFormats) {
  const std::vector<TableCount> tables = {{"x", 0}, {"`", 1}, {"with space", 18446744073709551615ull}, {"é", 2}};
  const std::string block = ifnbackup::format_manifest(tables);
  EXPECT_EQ(parse_table_lines(block, tables.size()), tables);
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: `x` rows="));
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: `x rows=3"));
  EXPECT_FALSE(ifnbackup::parse_manifest_table_line("-- ifnbackup-table: `x` rows=3 extra"));
  const auto totals = ifnbackup::parse_manifest_end_line("-- ifnbackup-manifest-end: tables=7 rows=25000");
  ASSERT_TRUE(totals.has_value());
  EXPECT_EQ(totals->tables, 7u);
  EXPECT_EQ(totals->rows, 25000u);
  const auto checksum = ifnbackup::parse_checksum_line("-- ifnbackup-sha256: " + std::string(64, 'A') + " bytes=5");
  ASSERT_TRUE(checksum.has_value());
  EXPECT_EQ(checksum->sha256_hex, std::string(64, 'a'));
  EXPECT_EQ(checksum->bytes, 5u);
  EXPECT_FALSE(ifnbackup::parse_checksum_line("-- ifnbackup-sha256: abc bytes=5"));
}

}  // namespace
