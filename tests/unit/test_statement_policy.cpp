// What a statement of a backup may do (restore/statement_policy): everything our dumper and
// mariadb-dump write passes; what issue 18 planted in files is refused, with its reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "restore/sql_splitter.hpp"
#include "restore/statement_policy.hpp"

namespace ifnbackup::restore {
namespace {

// Statements as our dumper writes them (backup/dump.cpp, dump_table.cpp, dump_objects.cpp).
const std::vector<std::string> k_ours = {
    "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
    "/*!40101 SET NAMES utf8mb4 */",
    "/*!40103 SET TIME_ZONE='+00:00' */",
    "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */",
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */",
    "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */",
    "DROP TABLE IF EXISTS `t``x`",
    "CREATE TABLE `orders` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `m` int(11) DEFAULT NULL,\n  `price` "
    "decimal(10,2) DEFAULT 1.50,\n  `note` varchar(20) DEFAULT 'a.b',\n  PRIMARY KEY (`id`),\n  CONSTRAINT `fk` "
    "FOREIGN KEY (`m`) REFERENCES `other_db`.`merchants` (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT "
    "CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
    "CREATE TABLE `checked` (\n  `code` varchar(10) DEFAULT NULL CHECK (`code` like 'CI-%'),\n  CONSTRAINT `c` "
    "CHECK (`code` <> 'x')\n) ENGINE=InnoDB",
    "CREATE TABLE `all_logs` (\n  `id` int(11) NOT NULL\n) ENGINE=MRG_MyISAM DEFAULT CHARSET=utf8mb4 "
    "INSERT_METHOD=LAST UNION=(`log_a`,`log_b`)",
    "/*!40000 ALTER TABLE `orders` DISABLE KEYS */",
    "INSERT INTO `orders` (`id`,`m`,`price`,`note`) VALUES (1,NULL,-1.5e+10,'it\\'s; DROP DATABASE x'),"
    "(2,3,0x00FF,'')",
    "ALTER TABLE `orders` ADD KEY `m` (`m`), ADD UNIQUE KEY `u` (`note`)",
    "/*!50003 SET @saved_sql_mode = @@sql_mode */",
    "/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */",
    "CREATE DEFINER=`app`@`%` TRIGGER `trg` BEFORE INSERT ON `orders` FOR EACH ROW INSERT INTO other_db.audit "
    "VALUES (NEW.id)",
    "/*!50003 SET sql_mode = @saved_sql_mode */",
    "DROP TABLE IF EXISTS `seq`",
    "CREATE SEQUENCE `seq` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 "
    "nocycle ENGINE=InnoDB",
    "DO SETVAL(`seq`, 1001, 0)",
    "/*!50001 DROP VIEW IF EXISTS `v`*/",
    "/*!50001 CREATE VIEW `v` AS SELECT\n 1 AS `id`,\n 1 AS `n` */",
    "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select `o`.`id` AS "
    "`id` from `other_db`.`o`",
    "/*!50003 DROP PROCEDURE IF EXISTS `p` */",
    "CREATE DEFINER=`root`@`localhost` PROCEDURE `p`(IN x INT)\nBEGIN\n  DELETE FROM other_db.t; SELECT SLEEP(1);\nEND",
    "/*!50106 DROP EVENT IF EXISTS `e` */",
    "/*!50106 SET time_zone = 'SYSTEM' */",
    "CREATE DEFINER=`root`@`localhost` EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' ON "
    "COMPLETION NOT PRESERVE ENABLE DO DELETE FROM `t` WHERE 1",
    "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */",
    // Around an object made under another character set, collation or database collation.
    "/*!50003 SET @saved_cs_client = @@character_set_client */",
    "/*!50003 SET character_set_client = latin1 */",
    "/*!50003 SET collation_connection = latin1_swedish_ci */",
    "/*!50003 SET character_set_results = @saved_cs_results */",
    "ALTER DATABASE COLLATE latin1_swedish_ci",
    "ALTER DATABASE DEFAULT COLLATE = utf8mb4_unicode_ci",
    "/*!50003 DROP PACKAGE BODY IF EXISTS `pk` */",
    "CREATE DEFINER=`root`@`localhost` PACKAGE BODY `pk` AS\nFUNCTION f RETURN INT AS BEGIN RETURN 1; END;\nEND",
    // Keys and foreign keys added after the rows (issue 13), a parent in another database.
    "ALTER TABLE `orders`\n  ADD KEY `m` (`m`),\n"
    "  ADD CONSTRAINT `fk` FOREIGN KEY (`m`) REFERENCES `other_db`.`merchants` (`id`) ON DELETE SET NULL,\n"
    "  ADD CONSTRAINT `self` FOREIGN KEY (`p`) REFERENCES `orders` (`id`) ON UPDATE CASCADE",
};

// What issue 18 found restore ran from a file, and more of the kind.
const std::vector<std::string> k_hostile = {
    "INSERT INTO other.t VALUES (666,'x')",
    "INSERT INTO `other`.`t` (`a`) VALUES (1)",
    "DROP TABLE other.keepme",
    "DROP TABLE IF EXISTS `t`, `other`.`x`",
    "RENAME TABLE other.x TO mine",
    "DROP DATABASE other",
    "/*!USE other*/",
    "/*M!100000 USE other*/",
    "SET GLOBAL read_only = 1",
    "SET @@global.max_connections = 1",
    "/*!40101 SET GLOBAL general_log = 1 */",
    "SET PASSWORD FOR root@localhost = PASSWORD('x')",
    "CREATE USER evil IDENTIFIED BY 'x'",
    "GRANT ALL ON *.* TO evil WITH GRANT OPTION",
    "LOAD DATA INFILE '/etc/passwd' INTO TABLE t",
    "SELECT * FROM t INTO OUTFILE '/tmp/x'",
    "SHUTDOWN",
    "CREATE TABLE t (a TEXT) SELECT secret FROM other.s",
    "CREATE TABLE t LIKE other.s",
    "CREATE TABLE `t` (`a` int) ENGINE=MRG_MyISAM UNION=(`other`.`s`)",
    "CREATE DEFINER=`a`@`%` TRIGGER `trg` BEFORE INSERT ON `other`.`t` FOR EACH ROW SET @x = 1",
    "CREATE PROCEDURE `other`.`p`() SELECT 1",
    "ALTER TABLE `t` RENAME TO `other`.`t`",
    "INSERT INTO `t` (`a`) SELECT secret FROM other.s",
    "INSERT INTO `t` (`a`) VALUES (LOAD_FILE('/etc/shadow'))",
    "INSERT INTO `t` (`a`) VALUES ((SELECT secret FROM other.s))",
    "SET sql_mode = (SELECT 1)",
    "FLUSH PRIVILEGES",
    "DO SLEEP(5)",
    "CALL p()",
    "UPDATE t SET a = 1",
    "ALTER DATABASE other COLLATE latin1_bin",
    "ALTER DATABASE `other` CHARACTER SET latin1",
    "ALTER DATABASE CHARACTER SET latin1",
    "ALTER DATABASE COLLATE latin1_bin, UPGRADE DATA DIRECTORY NAME",
};

TEST(StatementPolicy, WhatOurDumperWritesPasses) {
  for (const auto& statement : k_ours) {
    const auto verdict = classify_statement(statement, true);
    EXPECT_NE(verdict.kind, StatementKind::foreign) << statement << "\n -> " << verdict.reason;
  }
  EXPECT_EQ(classify_statement(k_ours[11], true).kind, StatementKind::rows);
  EXPECT_EQ(classify_statement(k_ours[15], true).kind, StatementKind::object);
}

TEST(StatementPolicy, WhatIssue18PlantedIsRefusedWithAReason) {
  for (const auto& statement : k_hostile) {
    const auto ours = classify_statement(statement, true);
    EXPECT_EQ(ours.kind, StatementKind::foreign) << statement;
    EXPECT_FALSE(ours.reason.empty()) << statement;
    EXPECT_EQ(classify_statement(statement, false).kind, StatementKind::foreign) << "legacy: " << statement;
  }
  EXPECT_NE(classify_statement("INSERT INTO other.t VALUES (1)", true).reason.find("`other`.`t`"), std::string::npos);
  EXPECT_NE(classify_statement("SET GLOBAL x = 1", true).reason.find("SET GLOBAL"), std::string::npos);
}

TEST(StatementPolicy, LegacyDumpsHaveTheirOwnHarmlessForms) {
  for (const std::string statement :
       {"LOCK TABLES `t` WRITE", "UNLOCK TABLES", "REPLACE INTO `t` VALUES (1,'a')", "SELECT SETVAL(`s`, 1001, 0)",
        "INSERT INTO `t` VALUES (1,_binary 'a\\0b',X'00ff',NULL)",
        "/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */",
        "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg BEFORE INSERT ON t FOR "
        "EACH ROW SET NEW.a = 1 */",
        "/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */ "
        "/*!50001 VIEW `v` AS select 1 AS `1` */",
        "START TRANSACTION", "COMMIT"}) {
    EXPECT_NE(classify_statement(statement, false).kind, StatementKind::foreign) << statement;
  }
  // Our own files never lock tables nor set other variables.
  EXPECT_EQ(classify_statement("LOCK TABLES `t` WRITE", true).kind, StatementKind::foreign);
  EXPECT_EQ(classify_statement("SET NOTE_VERBOSITY=0", true).kind, StatementKind::foreign);
  EXPECT_EQ(classify_statement("SET @@SESSION.SQL_LOG_BIN= 0", true).kind, StatementKind::foreign);
  EXPECT_EQ(classify_statement("SET @@SESSION.SQL_LOG_BIN= 0", false).kind, StatementKind::session);
}

// Under ANSI_QUOTES "..." is a name: "other"."t" is another database's table.
TEST(StatementPolicy, QuotesAreReadUnderTheSessionsModes) {
  EXPECT_EQ(classify_statement("INSERT INTO t VALUES (\"other\".\"t\")", false, false).kind, StatementKind::rows);
  EXPECT_EQ(classify_statement("DROP TABLE \"other\".\"t\"", false, true).kind, StatementKind::foreign);
  // With backslash escapes '\', ' is one string and LOAD_FILE is code; without them '\' ends there and
  // LOAD_FILE is inside the next string.
  const std::string tricky = "INSERT INTO `t` VALUES ('\\', '),(LOAD_FILE(1)),(')";
  EXPECT_EQ(classify_statement(tricky, true, false, true).kind, StatementKind::foreign);
  EXPECT_EQ(classify_statement(tricky, true, false, false).kind, StatementKind::rows);
}

// Found by the differential test (seeds 3004, 3005): a quoted user variable name with an escaped quote
// made backups of such a database fail their own verification.
TEST(StatementPolicy, QuotedUserVariableNamesFollowTheSessionsEscapes) {
  const std::string body = "CREATE DEFINER=`a`@`%` PROCEDURE `p`() SET @'a\\'b' = 1";
  EXPECT_EQ(classify_statement(body, true).kind, StatementKind::object);
  EXPECT_EQ(classify_statement("SET @'a\\'b' = 1", false).kind, StatementKind::session);
  EXPECT_EQ(classify_statement("SET @'a\\' = 1", false, false, false).kind, StatementKind::session);
}

void expect_same_class(const StatementClass& expected, const StatementClass& actual, const std::string& how) {
  EXPECT_EQ(actual.kind, expected.kind) << how;
  EXPECT_EQ(actual.reason, expected.reason) << how;
  EXPECT_EQ(actual.object, expected.object) << how;
}

// What verify reads in pieces (a statement longer than it holds) gets the verdict of the whole text.
StatementClass classify_in_pieces(const std::string& statement, std::size_t piece, bool ours, bool ansi_quotes = false,
                                  bool backslash_escapes = true) {
  StatementClassifier classifier(ours, ansi_quotes, backslash_escapes);
  for (std::size_t at = 0; at < statement.size(); at += piece) {
    classifier.feed(std::string_view(statement).substr(at, piece));
  }
  return classifier.finish();
}

TEST(StatementPolicy, ReadInPiecesTheVerdictIsTheSame) {
  std::vector<std::string> all = k_ours;
  all.insert(all.end(), k_hostile.begin(), k_hostile.end());
  all.push_back("  INSERT INTO `t` VALUES (1,'a')");  // leading spaces: the plain check still applies
  all.push_back("INSERT INTO `t` VALUES ('open");
  all.push_back("/*!40101 */");
  for (const auto& statement : all) {
    for (const bool ours : {true, false}) {
      const StatementClass whole = classify_statement(statement, ours);
      for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
        expect_same_class(whole, classify_in_pieces(statement, piece, ours),
                          statement + " in pieces of " + std::to_string(piece));
      }
    }
  }
}

// Issue 18, item 7: a statement of any length is classified in bounded memory, from its first
// tokens and a check that reads on to its end; the end still counts.
TEST(StatementPolicy, ALongStatementIsReadToItsEnd) {
  std::string rows = "INSERT INTO `t` VALUES (1,b'1')";  // b'1': not the plain form, read token by token
  for (int i = 2; i < 20000; ++i) {
    rows += ",(" + std::to_string(i) + ",b'1')";
  }
  const std::string planted = rows + ",(LOAD_FILE('/etc/shadow'),1)";
  std::string table = "CREATE TABLE `t` (";
  for (int i = 0; i < 3000; ++i) {
    table += "`c" + std::to_string(i) + "` int DEFAULT 1, ";
  }
  const std::string other_table = table + "CONSTRAINT `x` CHECK (`c1` < `other`.`f`()))";
  const std::string foreign_key = table + "FOREIGN KEY (`c1`) REFERENCES `other`.`p` (`id`))";
  std::string set = "SET @a0 = 1";
  for (int i = 1; i < 3000; ++i) {
    set += ", @a" + std::to_string(i) + " = 1";
  }
  struct Case {
    const std::string& statement;
    StatementKind kind;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {rows, StatementKind::rows, ""},
      {planted, StatementKind::foreign, "an INSERT whose values are not literals (LOAD_FILE)"},
      {foreign_key, StatementKind::schema, ""},
      {other_table, StatementKind::foreign, "qualified name `other`.`f`"},
      {set, StatementKind::foreign,
       "a SET statement whose first 4096 tokens do not say what it does (no dump writes one so long)"},
  };
  for (const Case& c : cases) {
    const std::string head = c.statement.substr(0, 40);
    const StatementClass whole = classify_statement(c.statement, false);
    EXPECT_EQ(whole.kind, c.kind) << head << "... -> " << whole.reason;
    EXPECT_EQ(whole.reason, c.reason) << head;
    expect_same_class(whole, classify_in_pieces(c.statement, 4093, false), head + "... in pieces");
  }
}

TEST(SessionModeTracker, FollowsTheDumpsOwnSettings) {
  SessionModeTracker modes;
  EXPECT_TRUE(modes.known());
  EXPECT_TRUE(modes.backslash_escapes());
  EXPECT_FALSE(modes.ansi_quotes());
  modes.observe("/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */");
  modes.observe("/*!50003 SET @saved_sql_mode = @@sql_mode */");
  modes.observe("/*!50003 SET sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES' */");
  EXPECT_TRUE(modes.ansi_quotes());
  EXPECT_FALSE(modes.backslash_escapes());
  modes.observe("/*!50003 SET sql_mode = @saved_sql_mode */");
  EXPECT_FALSE(modes.ansi_quotes());
  EXPECT_TRUE(modes.backslash_escapes());
  modes.observe("SET sql_mode = 'ORACLE'");
  EXPECT_TRUE(modes.ansi_quotes()) << "ORACLE implies ANSI_QUOTES";
  modes.observe("/*!40101 SET SQL_MODE=@OLD_SQL_MODE */");
  EXPECT_TRUE(modes.known());
  EXPECT_FALSE(modes.ansi_quotes());
  modes.observe("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
  EXPECT_FALSE(modes.known()) << "a computed mode cannot be followed by text";
  modes.observe("SET sql_mode = @never_set");
  EXPECT_FALSE(modes.known());
  modes.observe("SET @saved = 'ANSI_QUOTES', sql_mode = ''");
  modes.forget();  // a SET too long to read: whatever it set is unknown
  EXPECT_FALSE(modes.known());
  modes.observe("SET sql_mode = @saved");
  EXPECT_FALSE(modes.known()) << "the variable may have been set again by what was not read";
}

}  // namespace
}  // namespace ifnbackup::restore
