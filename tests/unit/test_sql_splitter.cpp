#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/error.hpp"
#include "restore/sql_splitter.hpp"

namespace {

using namespace std::string_literals;
using ifnbackup::ErrorCode;
using ifnbackup::restore::split_sql;
using ifnbackup::restore::SqlSplitter;
using ifnbackup::restore::Statement;
using ifnbackup::restore::StatementSink;

struct Expected {
  std::string text;
  std::uint64_t line;
  bool default_delimiter = true;
};

// Feeds `input` in pieces whose sizes come from `next_size`, then finishes.
void feed_in_pieces(SqlSplitter& splitter, std::string_view input, const std::function<std::size_t()>& next_size,
                    const StatementSink& sink) {
  std::size_t offset = 0;
  while (offset < input.size()) {
    const std::size_t size = std::min(next_size(), input.size() - offset);
    // A copy, so that reading past a chunk's end would be caught by the sanitizers.
    const std::string chunk(input.substr(offset, size));
    splitter.feed(chunk, sink);
    offset += size;
  }
  splitter.finish(sink);
}

std::vector<Statement> split_in_pieces(std::string_view input, const std::function<std::size_t()>& next_size) {
  std::vector<Statement> out;
  SqlSplitter splitter;
  feed_in_pieces(splitter, input, next_size, [&out](Statement&& statement) { out.push_back(std::move(statement)); });
  return out;
}

// Streams every statement past `hold` bytes (SqlSplitter::stream_beyond) and puts each back
// together from its pieces, checking `streamed` on the way: the same statements must come out.
std::vector<Statement> split_streamed(std::string_view input, std::size_t hold,
                                      const std::function<std::size_t()>& next_size) {
  std::vector<Statement> out;
  std::string pieces;
  const StatementSink sink = [&](Statement&& statement) {
    EXPECT_EQ(statement.streamed, pieces.size()) << "statement at line " << statement.line;
    statement.text = pieces + statement.text;
    statement.streamed = 0;
    pieces.clear();
    out.push_back(std::move(statement));
  };
  SqlSplitter splitter;
  splitter.stream_beyond(hold, [&pieces](std::string_view piece) {
    EXPECT_FALSE(piece.empty());
    pieces += piece;
  });
  feed_in_pieces(splitter, input, next_size, sink);
  EXPECT_TRUE(pieces.empty()) << "pieces of no statement";
  return out;
}

std::string describe(const std::vector<Statement>& statements) {
  std::string text;
  for (const Statement& s : statements) {
    text += "  line " + std::to_string(s.line) + (s.default_delimiter ? "" : " (custom delimiter)") + ": [" + s.text +
            "]\n";
  }
  return text;
}

void expect_statements(const std::vector<Statement>& actual, const std::vector<Expected>& expected,
                       const std::string& how) {
  SCOPED_TRACE(how);
  ASSERT_EQ(actual.size(), expected.size()) << describe(actual);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].text, expected[i].text) << "statement " << i;
    EXPECT_EQ(actual[i].line, expected[i].line) << "statement " << i;
    EXPECT_EQ(actual[i].default_delimiter, expected[i].default_delimiter) << "statement " << i;
  }
}

// The same input cut every possible way we can think of must give the same statements.
void expect_split(std::string_view input, const std::vector<Expected>& expected) {
  expect_statements(split_sql(input), expected, "whole input");
  expect_statements(split_in_pieces(input, [] { return std::size_t{1}; }), expected, "byte by byte");
  for (std::size_t size : {2, 3, 5, 7, 13, 64}) {
    expect_statements(split_in_pieces(input, [size] { return size; }), expected, "chunks of " + std::to_string(size));
  }
  for (unsigned seed = 1; seed <= 8; ++seed) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<std::size_t> sizes(1, 24);
    expect_statements(split_in_pieces(input, [&] { return sizes(random); }), expected,
                      "random chunks, seed " + std::to_string(seed));
  }
  for (std::size_t hold : {0, 1, 4, 11}) {
    expect_statements(split_streamed(input, hold, [] { return std::size_t{3}; }), expected,
                      "streamed past " + std::to_string(hold) + " bytes");
  }
}

struct Case {
  const char* name;
  std::string input;
  std::vector<Expected> expected;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"empty input", "", {}},
      {"whitespace only", " \n\t\r\n  \n", {}},
      {"one statement", "SELECT 1;", {{"SELECT 1", 1}}},
      {"several per line and across lines",
       "SELECT 1;SELECT 2; SELECT 3 ;\n\n  SELECT\n  4;\n",
       {{"SELECT 1", 1}, {"SELECT 2", 1}, {"SELECT 3", 1}, {"SELECT\n  4", 3}}},
      {"lone delimiters are not statements", ";;\n ; ;\n", {}},
      {"single quotes with escapes and doubled quotes",
       R"(INSERT INTO t VALUES ('a;b','it''s;','c\';d','e\\');SELECT 2;)",
       {{R"(INSERT INTO t VALUES ('a;b','it''s;','c\';d','e\\'))", 1}, {"SELECT 2", 1}}},
      {"double quotes", R"(SELECT "a;b", "x\";y", "say ""hi;""";)", {{R"(SELECT "a;b", "x\";y", "say ""hi;""")", 1}}},
      {"backticks: doubled backtick, backslash is literal",
       R"(SELECT `we;ird``n;ame`, `a\`; SELECT 2;)",
       {{R"(SELECT `we;ird``n;ame`, `a\`)", 1}, {"SELECT 2", 1}}},
      {"quotes inside other quotes", R"(SELECT '"', "'", '`', `'`;)", {{R"(SELECT '"', "'", '`', `'`)", 1}}},
      {"dash dash space comment", "SELECT 1 -- a;b\n+ 1;", {{"SELECT 1 \n+ 1", 1}}},
      {"dash dash without space is an operator",
       "SELECT 1--1;\nSELECT 2 --1;",
       {{"SELECT 1--1", 1}, {"SELECT 2 --1", 2}}},
      {"dash dash starting a statement is a comment",
       "--no space; here\nSELECT 1;\n  --x;\nSELECT 2;",
       {{"SELECT 1", 2}, {"SELECT 2", 4}}},
      {"dash dash then tab, CR, end of input",
       "SELECT 1 --\tx;\n;SELECT 2 --\r\n;SELECT 3 --",
       {{"SELECT 1", 1}, {"SELECT 2", 2}, {"SELECT 3", 3}}},
      {"hash comments", "# a; b\nSELECT 1; # c;\nSELECT '#';#x\n", {{"SELECT 1", 2}, {"SELECT '#'", 3}}},
      // mysql.cc drops the line break after a line whose kept bytes start with DELIMITER when the line
      // ends outside quotes (checked against the 10.11 client by hand and by RestoreFuzzCase).
      {"a line starting with DELIMITER inside a string loses its line break",
       "SET @a = 'x\nDELIMITER ;;';\nSET @b = 'y\ndelimiter x';  \n  SET @c = 1;",
       {{"SET @a = 'x\nDELIMITER ;;'", 1}, {"SET @b = 'y\ndelimiter x'", 3}, {"SET @c = 1", 5}}},
      {"DELIMITER inside a string of a custom-delimiter body",
       "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN\nSET @a = 'x\nDELIMITER ;;';\nSET @b = 1;\nEND ;;\n",
       {{"CREATE PROCEDURE p() BEGIN\nSET @a = 'x\nDELIMITER ;;';SET @b = 1;\nEND", 2, false}}},
      {"a DELIMITER line that ends inside a string keeps its line break",
       "SELECT 'x\nDELIMITER ;;\n';",
       {{"SELECT 'x\nDELIMITER ;;\n'", 1}}},
      {"DELIMITER after a statement on the same line is text, and eats the line break",
       "SELECT 1 AS x; delimiter //\nSELECT 3//\n",
       {{"SELECT 1 AS x", 1}, {"delimiter //SELECT 3//", 1}}},
      {"a comment on a line flushes what the client kept of it: the line break stays",
       "SELECT 'a\ndelimiter x' # c\n, 1;\nSELECT 'b\ndelimiter y' /* c */ \n, 2;\n"
       "SELECT 'c\ndelimiter z' -- c\n, 3;\nSELECT 'd\ndelimiter w' \n, 4;",
       {{"SELECT 'a\ndelimiter x' \n, 1", 1},
        {"SELECT 'b\ndelimiter y'  \n, 2", 4},
        {"SELECT 'c\ndelimiter z' \n, 3", 7},
        {"SELECT 'd\ndelimiter w' , 4", 10}}},
      {"a word DELIMITER inside a statement's line is text",
       "SELECT 1 AS delimiter , 2;\nSELECT\n  delimiter\nFROM t;",
       {{"SELECT 1 AS delimiter , 2", 1}, {"SELECT\n  delimiter\nFROM t", 2}}},
      {"block comments, multi-line, replaced by a space",
       "/* a; */ SELECT /* b;\n c; */ 1;\nSELECT/*x*/2;\nSELECT 3/* y */;",
       {{"SELECT  1", 1}, {"SELECT 2", 3}, {"SELECT 3", 4}}},
      {"block comments do not nest", "SELECT 1 /* a /* b */ + 2;", {{"SELECT 1  + 2", 1}}},
      {"comment markers inside strings",
       R"(SELECT '/* x */', '-- y;', '# z', "/*";)",
       {{R"(SELECT '/* x */', '-- y;', '# z', "/*")", 1}}},
      {"statements made only of comments are not sent", "/* c */;\n-- x\n;# y\n;/* a\nb */", {}},
      {"executable comments and optimizer hints are sent",
       "/*!40101 SET NAMES utf8mb4 */;\n/*M!100616 SET @X=1 */;\nSELECT /*+ NO_RANGE_OPTIMIZATION(t) */ 1;\n",
       {{"/*!40101 SET NAMES utf8mb4 */", 1},
        {"/*M!100616 SET @X=1 */", 2},
        {"SELECT /*+ NO_RANGE_OPTIMIZATION(t) */ 1", 3}}},
      {"the delimiter ends a statement inside an executable comment, as in mysql.cc",
       "/*!50003 SELECT 1; SELECT 2 */;",
       {{"/*!50003 SELECT 1", 1}, {"SELECT 2 */", 1}}},
      {"DELIMITER ;; around a trigger body, then back to ;",
       "DELIMITER ;;\n"
       "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN\n"
       "  SET NEW.a = 1;\n"
       "  SET NEW.b = ';;';\n"
       "END ;;\n"
       "DELIMITER ;\n"
       "SELECT 1;\n",
       {{"CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1;\n  SET NEW.b = "
         "';;';\nEND",
         2, false},
        {"SELECT 1", 7}}},
      {"delimiter $$, lower case, indented, quoted argument",
       "delimiter $$\nSELECT '$$' $ 1$$ SELECT 2$$\n  Delimiter 'ab'\nSELECT 3ab\nDELIMITER ;\nSELECT 4;",
       {{"SELECT '$$' $ 1", 2, false}, {"SELECT 2", 2, false}, {"SELECT 3", 4, false}, {"SELECT 4", 6}}},
      {"DELIMITER is only a command when no statement is pending",
       "SELECT 1\nDELIMITER ;;\n;",
       {{"SELECT 1\nDELIMITER", 1}}},
      {"DELIMITER inside a string is text", "SELECT '\nDELIMITER ;;\n';", {{"SELECT '\nDELIMITER ;;\n'", 1}}},
      {"a word that starts with delimiter is SQL", "delimiters_table;", {{"delimiters_table", 1}}},
      {"MariaDB 11 sandbox line is skipped",
       "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump\n/*!40101 SET NAMES utf8mb4 */;\n",
       {{"/*!40101 SET NAMES utf8mb4 */", 3}}},
      {"NUL and 0x1a bytes in strings",
       "INSERT INTO t VALUES ('a\0b;','\x1a;',\"\0\");\nSELECT 1\0;"s,
       {{"INSERT INTO t VALUES ('a\0b;','\x1a;',\"\0\")"s, 1}, {"SELECT 1", 2}}},
      {"CRLF line endings: the client sends LF",
       "SELECT 1;\r\nSELECT\r\n  2;\r\n-- c\r\nDELIMITER ;;\r\nSELECT 3;;\r\nDELIMITER ;\r\nSELECT 4;\r\n",
       {{"SELECT 1", 1}, {"SELECT\n  2", 2}, {"SELECT 3", 6, false}, {"SELECT 4", 8}}},
      {"CRLF inside a string becomes LF, a lone CR stays",
       "SELECT 'a\r\nb';\r\nSELECT 'c\rd', 1\r+1;\r\nSELECT 'e\\\r\nf';SELECT 2\r",
       {{"SELECT 'a\nb'", 1}, {"SELECT 'c\rd', 1\r+1", 3}, {"SELECT 'e\nf'", 4}, {"SELECT 2", 5}}},
      {"block comment across CRLF lines",
       "SELECT 1 /* a\r\n b */ + 2;\r\nSELECT 3 -- x\r\n;",
       {{"SELECT 1  + 2", 1}, {"SELECT 3", 3}}},
      {"trailing statement without delimiter", "SELECT 1;\nSELECT 2\n\n", {{"SELECT 1", 1}, {"SELECT 2", 2}}},
      {"trailing statement inside an unterminated string", "SELECT 'open", {{"SELECT 'open", 1}}},
      {"trailing statement in a custom delimiter block", "DELIMITER //\nSELECT 1", {{"SELECT 1", 2, false}}},
      {"trailing comment only", "SELECT 1; -- bye", {{"SELECT 1", 1}}},
      {"backslash-N outside strings", "INSERT INTO t VALUES (\\N,1);", {{"INSERT INTO t VALUES (\\N,1)", 1}}},
      {"backslash ending a line is dropped like the client does", "SELECT 'a\\\nb';", {{"SELECT 'a\nb'", 1}}},
      {"multi-byte UTF-8 around delimiters",
       "SELECT 'été;日本';SELECT `ß`;",
       {{"SELECT 'été;日本'", 1}, {"SELECT `ß`", 1}}},
      {"multi-character delimiter that starts like a comment",
       "DELIMITER //\nSELECT 1 /* c */ + 2//\nSELECT 3 //",
       {{"SELECT 1  + 2", 2, false}, {"SELECT 3", 3, false}}},
  };
  return all;
}

TEST(SqlSplitter, TableOfCasesInEveryChunking) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    expect_split(c.input, c.expected);
  }
}

// The header of a real mariadb-dump 11.4 file, as written.
constexpr std::string_view k_mariadb_dump_header =
    "/*M!999999\\- enable the sandbox mode */ \n"
    "-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)\n"
    "--\n"
    "-- Host: localhost    Database: shop\n"
    "-- ------------------------------------------------------\n"
    "-- Server version\t11.4.2-MariaDB-deb12\n"
    "\n"
    "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
    "/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n"
    "/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n"
    "/*!40101 SET NAMES utf8mb4 */;\n"
    "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n"
    "/*!40103 SET TIME_ZONE='+00:00' */;\n"
    "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
    "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
    "/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;\n";

TEST(SqlSplitter, RealMariadbDumpHeader) {
  expect_split(k_mariadb_dump_header,
               {
                   {"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", 8},
                   {"/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */", 9},
                   {"/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */", 10},
                   {"/*!40101 SET NAMES utf8mb4 */", 11},
                   {"/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */", 12},
                   {"/*!40103 SET TIME_ZONE='+00:00' */", 13},
                   {"/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */", 14},
                   {"/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */", 15},
                   {"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */", 16},
                   {"/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */", 17},
               });
}

// A mysqldump-style table section: DROP, CREATE, INSERT with hard strings, a trigger in DELIMITER ;;.
constexpr std::string_view k_mysqldump_fragment = R"SQL(--
-- Table structure for table `merchants`
--

DROP TABLE IF EXISTS `merchants`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `merchants` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(100) NOT NULL COMMENT 'shop name; shown -- on receipts',
  `note` text DEFAULT '/* none */',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `merchants`
--

LOCK TABLES `merchants` WRITE;
/*!40000 ALTER TABLE `merchants` DISABLE KEYS */;
INSERT INTO `merchants` VALUES (1,'O\'Brien; \"Fils\"','line1\nline2\\'),(2,'Café -- ;','# not a comment'),(3,'semi;colon','it''s');
/*!40000 ALTER TABLE `merchants` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `merchants_bi` BEFORE INSERT ON `merchants` FOR EACH ROW BEGIN
  IF NEW.name = '' THEN SET NEW.name = 'n/a;'; END IF;
  SET NEW.note = CONCAT(NEW.note, ';;');
END */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
-- Dump completed on 2026-11-25  2:00:04
)SQL";

TEST(SqlSplitter, MysqldumpFragment) {
  expect_split(
      k_mysqldump_fragment,
      {
          {"DROP TABLE IF EXISTS `merchants`", 5},
          {"/*!40101 SET @saved_cs_client     = @@character_set_client */", 6},
          {"/*!40101 SET character_set_client = utf8mb4 */", 7},
          {"CREATE TABLE `merchants` (\n"
           "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
           "  `name` varchar(100) NOT NULL COMMENT 'shop name; shown -- on receipts',\n"
           "  `note` text DEFAULT '/* none */',\n"
           "  PRIMARY KEY (`id`)\n"
           ") ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
           8},
          {"/*!40101 SET character_set_client = @saved_cs_client */", 14},
          {"LOCK TABLES `merchants` WRITE", 20},
          {"/*!40000 ALTER TABLE `merchants` DISABLE KEYS */", 21},
          {R"(INSERT INTO `merchants` VALUES (1,'O\'Brien; \"Fils\"','line1\nline2\\'),(2,'Café -- ;','# not a comment'),(3,'semi;colon','it''s'))",
           22},
          {"/*!40000 ALTER TABLE `merchants` ENABLE KEYS */", 23},
          {"UNLOCK TABLES", 24},
          {"/*!50003 SET @saved_sql_mode       = @@sql_mode */", 25},
          {"/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */", 26},
          {"/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `merchants_bi` BEFORE "
           "INSERT ON "
           "`merchants` FOR EACH ROW BEGIN\n"
           "  IF NEW.name = '' THEN SET NEW.name = 'n/a;'; END IF;\n"
           "  SET NEW.note = CONCAT(NEW.note, ';;');\n"
           "END */",
           28, false},
          {"/*!50003 SET sql_mode              = @saved_sql_mode */", 33},
      });
}

TEST(SqlSplitter, StoredProcedureWithDollarDelimiter) {
  expect_split(
      "DELIMITER $$\n"
      "CREATE PROCEDURE p()\n"
      "BEGIN\n"
      "  -- a comment with $$ inside\n"
      "  SELECT 'x$$y'; # and one more $$\n"
      "  SELECT 2;\n"
      "END$$\n"
      "DELIMITER ;\n",
      {{"CREATE PROCEDURE p()\nBEGIN\n  \n  SELECT 'x$$y'; \n  SELECT 2;\nEND", 2, false}});
}

TEST(SqlSplitter, DelimiterCommandWithoutArgumentIsAnError) {
  for (const std::string input :
       {"DELIMITER\nSELECT 1;", "DELIMITER   \n", "DELIMITER", "DELIMITER 'open\n", "DELIMITER a\\b\n"}) {
    SCOPED_TRACE(input);
    try {
      split_sql(input);
      ADD_FAILURE() << "expected an error";
    } catch (const ifnbackup::Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::corrupt);
      EXPECT_NE(std::string(e.what()).find("line 1: DELIMITER"), std::string::npos) << e.what();
    }
  }
}

// mysql.cc keeps 15 bytes of a DELIMITER argument (char delimiter[16]): the stock client splits a
// script at those, so we do (a longer delimiter would split where it does not: issue 18).
TEST(SqlSplitter, DelimiterLongerThanTheClientsBufferIsCutTo15Bytes) {
  expect_split("DELIMITER abcdefghijklmnopqrst\nSELECT 1 abcdefghijklmnopqrst\nSELECT 2 abcdefghijklmno\n",
               {{"SELECT 1", 2, false}, {"pqrst\nSELECT 2", 2, false}});
}

// Issue 18, item 7: blanks at the start of a line, which could begin a DELIMITER command, are not
// held however many there are; a DELIMITER line is held to its end only up to 64 KiB.
TEST(SqlSplitter, BlanksAndCommandLinesAreNotHeldWithoutBound) {
  SqlSplitter splitter;
  std::vector<Statement> out;
  const StatementSink sink = [&out](Statement&& s) { out.push_back(std::move(s)); };
  splitter.feed("SELECT 1;\n", sink);
  const std::string blanks(1 << 20, ' ');
  std::size_t most = 0;
  for (int i = 0; i < 64; ++i) {
    splitter.feed(blanks, sink);
    most = std::max(most, splitter.pending_input_bytes());
  }
  splitter.feed("\t SELECT 2;", sink);
  splitter.finish(sink);
  EXPECT_LT(most, std::size_t{1024}) << "64 MiB of blanks";
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].text, "SELECT 2");

  SqlSplitter command;
  command.feed("SELECT 1;\nDELIMITER ", sink);
  try {
    for (int i = 0; i < 64; ++i) {
      command.feed(std::string(16 * 1024, 'x'), sink);
      EXPECT_LT(command.pending_input_bytes(), std::size_t{256 * 1024});
    }
    ADD_FAILURE() << "a 1 MiB DELIMITER line was accepted";
  } catch (const ifnbackup::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(e.what()).find("line 2: a DELIMITER line longer than 64 KiB"), std::string::npos) << e.what();
  }
}

TEST(SqlSplitter, StatementLargerThanTheLimitIsAnError) {
  SqlSplitter splitter(1000);
  std::vector<Statement> out;
  const StatementSink sink = [&out](Statement&& s) { out.push_back(std::move(s)); };
  splitter.feed("SELECT 1;\nINSERT INTO t VALUES ('", sink);
  ASSERT_EQ(out.size(), 1U);
  try {
    for (int i = 0; i < 100; ++i) {
      splitter.feed(std::string(100, 'x'), sink);
    }
    ADD_FAILURE() << "expected an error";
  } catch (const ifnbackup::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(e.what()).find("starting at line 2"), std::string::npos) << e.what();
    EXPECT_FALSE(e.hint().empty());
  }
}

// Issue 18, item 7: an unterminated quote that inflates to gigabytes is refused at the limit without
// a buffer growing to it; held, the splitter would have copied it into ever larger strings.
TEST(SqlSplitter, StreamedStatementIsRefusedAtTheLimitWithoutBeingHeld) {
  constexpr std::size_t k_limit = 1024 * 1024;
  constexpr std::size_t k_hold = 4096;
  constexpr std::size_t k_chunk = 1000;
  SqlSplitter splitter(k_limit);
  std::size_t handed = 0;
  std::size_t largest = 0;
  splitter.stream_beyond(k_hold, [&](std::string_view piece) {
    handed += piece.size();
    largest = std::max(largest, piece.size());
  });
  std::vector<Statement> out;
  const StatementSink sink = [&out](Statement&& s) { out.push_back(std::move(s)); };
  splitter.feed("SELECT 1;\nINSERT INTO t VALUES ('", sink);
  try {
    for (std::size_t fed = 0; fed < 2 * k_limit; fed += k_chunk) {
      splitter.feed(std::string(k_chunk, 'x'), sink);
    }
    ADD_FAILURE() << "expected an error";
  } catch (const ifnbackup::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(e.what()).find("starting at line 2 is larger than 1048576 bytes"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(out.size(), 1U);
  EXPECT_GT(handed, k_limit - k_hold - k_chunk) << "the statement went to the piece sink up to the limit";
  EXPECT_LE(handed, k_limit);
  EXPECT_LE(largest, k_hold) << "no more than the hold at once";
}

// The loader waits there for room beside the statements its threads still hold.
TEST(SqlSplitter, GrowthWaitIsAskedBeforeEachStepOfAStatement) {
  SqlSplitter splitter;
  std::vector<std::size_t> asked;
  splitter.before_growth(10, [&asked](std::size_t size) { asked.push_back(size); });
  std::vector<Statement> out;
  const StatementSink sink = [&out](Statement&& s) { out.push_back(std::move(s)); };
  for (const char c : std::string("SELECT '0123456789abcdefghijklmnopqrstuvwxyz';SELECT 1;")) {
    splitter.feed(std::string_view(&c, 1), sink);
  }
  splitter.finish(sink);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(asked, (std::vector<std::size_t>{10, 20, 30, 40})) << "each 10 bytes of the first statement only";
}

TEST(SqlSplitter, FinishResetsForANewScript) {
  SqlSplitter splitter;
  std::vector<Statement> out;
  const StatementSink sink = [&out](Statement&& s) { out.push_back(std::move(s)); };
  splitter.feed("DELIMITER ;;\nSELECT 1;;\n/* open comment", sink);
  EXPECT_EQ(splitter.delimiter(), ";;");
  splitter.finish(sink);
  EXPECT_EQ(splitter.delimiter(), ";");
  splitter.feed("SELECT 2;", sink);
  splitter.finish(sink);
  expect_statements(out, {{"SELECT 1", 2, false}, {"SELECT 2", 1}}, "two scripts");
}

TEST(SqlSplitter, SinkMayKeepOrLeaveTheText) {
  // The splitter reuses the buffer of a statement the sink did not move from.
  SqlSplitter splitter;
  std::vector<std::string> seen;
  const StatementSink copying = [&seen](Statement&& s) { seen.push_back(s.text); };
  splitter.feed("SELECT 'long enough to allocate a buffer';SELECT 2;", copying);
  splitter.finish(copying);
  EXPECT_EQ(seen, (std::vector<std::string>{"SELECT 'long enough to allocate a buffer'", "SELECT 2"}));
}

// Random soup of the bytes that matter: whatever the statements are, the cut points must not
// change them.
TEST(SqlSplitter, ChunkBoundariesNeverChangeTheResult) {
  const std::vector<std::string> tokens = {
      "'",
      "\"",
      "`",
      "\\",
      ";",
      ";;",
      "-",
      "--",
      "-- ",
      "#",
      "/*",
      "*/",
      "/*!",
      "/*+",
      "/*M!",
      "\n",
      "\r\n",
      " ",
      "a",
      "SELECT",
      "$",
      "\r",
      "$$",
      "\0"s,
      "\x1a",
      "é",
      "\nDELIMITER ;;\n",
      "\nDELIMITER ;\n",
      "\nDELIMITER $$\n",
      "\n/*M!999999\\- enable the sandbox mode */\n",
      "\ndelimiter",
  };
  std::mt19937 random(20261125);
  std::uniform_int_distribution<std::size_t> pick(0, tokens.size() - 1);
  std::uniform_int_distribution<std::size_t> length(1, 120);
  for (int round = 0; round < 400; ++round) {
    std::string input;
    const std::size_t n = length(random);
    for (std::size_t i = 0; i < n; ++i) {
      input += tokens[pick(random)];
    }
    std::vector<Statement> whole;
    try {
      whole = split_sql(input);
    } catch (const ifnbackup::Error&) {
      continue;  // "\ndelimiter" right before the end: a DELIMITER without argument
    }
    std::vector<Expected> expected;
    for (const Statement& s : whole) {
      EXPECT_FALSE(s.text.empty());
      expected.push_back({s.text, s.line, s.default_delimiter});
    }
    SCOPED_TRACE("input: [" + input + "]");
    expect_statements(split_in_pieces(input, [] { return std::size_t{1}; }), expected, "byte by byte");
    std::uniform_int_distribution<std::size_t> sizes(1, 9);
    expect_statements(split_in_pieces(input, [&] { return sizes(random); }), expected, "random chunks");
    std::uniform_int_distribution<std::size_t> holds(0, 16);
    const std::size_t hold = holds(random);
    expect_statements(split_streamed(input, hold, [&] { return sizes(random); }), expected,
                      "streamed past " + std::to_string(hold) + " bytes, random chunks");
    if (HasFailure()) {
      break;
    }
  }
}

// Several MB of extended INSERTs like a real dump's: every statement must come out intact.
TEST(SqlSplitter, ThroughputOnAGeneratedDump) {
  std::string script(k_mariadb_dump_header);
  std::vector<std::string> inserts;
  std::mt19937 random(7);
  std::uniform_int_distribution<int> letter('a', 'z');
  const std::vector<std::string> tricky = {"it\\'s",        "semi;colon",     "-- not a comment", "/* nor this */",
                                           "back\\\\slash", "\\\"quoted\\\"", "tab\\there",       "caf\xc3\xa9"};
  while (script.size() < 8 * 1024 * 1024) {
    std::string insert = "INSERT INTO `orders` (`id`, `label`, `amount`, `note`) VALUES ";
    for (int row = 0; row < 2000; ++row) {
      if (row > 0) {
        insert += ',';
      }
      std::string label;
      for (int i = 0; i < 24; ++i) {
        label += static_cast<char>(letter(random));
      }
      insert += "(" + std::to_string(inserts.size() * 2000 + row) + ",'" + label + "'," +
                std::to_string(row % 7 == 0 ? -row : row) + ".25,'" + tricky[row % tricky.size()] + "')";
    }
    script += insert + ";\n";
    inserts.push_back(std::move(insert));
  }
  script += "-- Dump completed on 2026-11-25  2:00:04\n";

  for (const std::size_t chunk_size : {std::size_t{65536}, std::size_t{4093}}) {
    SqlSplitter splitter;
    std::size_t count = 0;
    std::size_t mismatches = 0;
    const StatementSink sink = [&](Statement&& s) {
      // The header's 10 SET statements first, then the INSERTs in order.
      if (count >= 10 && (count - 10 >= inserts.size() || s.text != inserts[count - 10])) {
        ++mismatches;
      }
      ++count;
    };
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t offset = 0; offset < script.size(); offset += chunk_size) {
      splitter.feed(std::string_view(script).substr(offset, chunk_size), sink);
    }
    splitter.finish(sink);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(count, 10 + inserts.size());
    EXPECT_EQ(mismatches, 0U);
    std::cout << "[ info ] split " << script.size() / (1024 * 1024) << " MiB in chunks of " << chunk_size << ": "
              << static_cast<double>(script.size()) / (1024 * 1024) / elapsed.count() << " MiB/s\n";
  }
}

}  // namespace
