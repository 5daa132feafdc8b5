// restore --tables: the statements of a dump that belong to the chosen tables.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "restore/statement_words.hpp"
#include "restore/table_filter.hpp"

namespace ifnbackup::restore {
namespace {

// The statements of one of our dumps, in its order, and whether --tables merchants,`we``ird` runs them.
const std::vector<std::pair<std::string, bool>> k_dump = {
    {"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", true},
    {"/*!40103 SET TIME_ZONE='+00:00' */", true},
    {"DROP TABLE IF EXISTS `invoice_seq`", false},  // a sequence
    {"CREATE SEQUENCE `invoice_seq` start with 1", false},
    {"SELECT SETVAL(`invoice_seq`, 1000, 0)", false},
    {"DROP TABLE IF EXISTS `markets`", false},
    {"CREATE TABLE `markets` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB", false},
    {"/*!40000 ALTER TABLE `markets` DISABLE KEYS */", false},
    {"INSERT INTO `markets` (`id`) VALUES (1)", false},
    {"/*!40000 ALTER TABLE `markets` ENABLE KEYS */", false},
    {"ALTER TABLE `markets`\n  ADD KEY `ix` (`id`)", false},
    {"DROP TABLE IF EXISTS `merchants`", true},
    {"CREATE TABLE `merchants` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB", true},
    {"/*!40000 ALTER TABLE `merchants` DISABLE KEYS */", true},
    {"INSERT INTO `merchants` (`id`) VALUES (1),(2)", true},
    {"/*!40000 ALTER TABLE `merchants` ENABLE KEYS */", true},
    {"ALTER TABLE `merchants`\n  ADD UNIQUE KEY `uq` (`id`)", true},
    {"/*!50003 SET @saved_sql_mode = @@sql_mode */", true},
    {"CREATE DEFINER=`root`@`localhost` TRIGGER trg_m AFTER INSERT ON merchants FOR EACH ROW SET @x = 1", true},
    // SHOW CREATE TRIGGER keeps the case the trigger was created with.
    {"CREATE DEFINER=`root`@`localhost` trigger trg_lc\tafter insert on merchants for each row set @y = 1", true},
    {"/*!50003 SET sql_mode = @saved_sql_mode */", true},
    {"DROP TABLE IF EXISTS `merchants_archive`", false},  // a name that starts like a chosen one
    {"CREATE TABLE `merchants_archive` (`id` int)", false},
    {"CREATE DEFINER=`root`@`localhost` TRIGGER trg_a BEFORE UPDATE ON merchants_archive FOR EACH ROW SET @x = 2",
     false},
    {"DROP TABLE IF EXISTS `we``ird`", true},
    {"CREATE TABLE `we``ird` (`id` int)", true},
    {"INSERT INTO `we``ird` (`id`) VALUES (1)", true},
    {"DROP TABLE IF EXISTS `v_totals`", false},  // a view's placeholder
    {"/*!50001 DROP VIEW IF EXISTS `v_totals`*/", false},
    {"/*!50001 CREATE VIEW `v_totals` AS SELECT 1 AS `merchant_id` */", false},
    {"/*!50106 DROP EVENT IF EXISTS `ev` */", false},
    {"CREATE DEFINER=`root`@`localhost` EVENT `ev` ON SCHEDULE EVERY 1 DAY DO DELETE FROM merchants", false},
    {"/*!50003 DROP PROCEDURE IF EXISTS `p` */", false},
    {"CREATE DEFINER=`root`@`localhost` PROCEDURE `p`() INSERT INTO merchants VALUES (3)", false},
    {"/*!50001 DROP VIEW IF EXISTS `v_totals`*/", false},
    {"/*!50001 CREATE ALGORITHM=UNDEFINED VIEW `v_totals` AS select `merchants`.`id` from `merchants` */", false},
    {"/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */", true},
};

// The parents a statement's foreign keys name, as verify lists those written after their child and the
// restore holds a child's constraints until its parent starts.
TEST(ForeignKeyParents, ThisDatabasesParentsInOrderNotItselfNorAnotherDatabases) {
  const std::string alter =
      "ALTER TABLE `c`\n  ADD KEY `k` (`a`),\n  ADD CONSTRAINT `f1` FOREIGN KEY (`a`) REFERENCES `p``1` (`id`),\n"
      "  ADD CONSTRAINT `f2` FOREIGN KEY (`b`) REFERENCES `other`.`p2` (`id`),\n"
      "  ADD CONSTRAINT `f3` FOREIGN KEY (`s`) REFERENCES `c` (`id`) ON DELETE CASCADE,\n"
      "  ADD CONSTRAINT `f4` FOREIGN KEY (`d`) REFERENCES `été` (`id`)";
  EXPECT_EQ(foreign_key_parents(alter, "c"), (std::vector<std::string>{"p`1", "été"}));
  EXPECT_TRUE(foreign_key_parents("CREATE TABLE `t` (`id` INT)", "t").empty());
  EXPECT_TRUE(foreign_key_parents("ALTER TABLE `t` ADD CONSTRAINT `x` FOREIGN KEY (`a`) REFERENCES", "t").empty());
}

TEST(TableFilter, RunsTheChosenTablesAndTheirTriggersAndEverySessionSetting) {
  TableFilter filter({"merchants", "we`ird"});
  for (const auto& [statement, expected] : k_dump) {
    EXPECT_EQ(filter.keep(statement), expected) << statement;
  }
}

TEST(TableFilter, NothingChosenRunsOnlySessionSettings) {
  TableFilter filter({});
  for (const auto& [statement, expected] : k_dump) {
    const bool is_set = statement.find("SET ") != std::string::npos && statement.find("TRIGGER") == std::string::npos &&
                        statement.find("SETVAL") == std::string::npos;
    EXPECT_EQ(filter.keep(statement), is_set) << statement;
  }
}

TEST(StatementWords, SessionSettingsAndDatabaseSwitches) {
  EXPECT_TRUE(is_session_setting("SET NAMES utf8mb4"));
  EXPECT_TRUE(is_session_setting("  /*!40101 SET @OLD_SQL_MODE=@@SQL_MODE */"));
  EXPECT_TRUE(is_session_setting("set time_zone = '+00:00'"));
  EXPECT_FALSE(is_session_setting("SELECT SETVAL(`s`, 1)"));
  EXPECT_FALSE(is_session_setting("SETTINGS"));
  EXPECT_TRUE(switches_database("USE `shop`"));
  EXPECT_TRUE(switches_database("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`"));
  EXPECT_TRUE(switches_database("create  schema x"));
  EXPECT_FALSE(switches_database("CREATE TABLE `database` (`id` int)"));
  EXPECT_FALSE(switches_database("USER_TABLE"));
}

}  // namespace
}  // namespace ifnbackup::restore

namespace ifnbackup::restore {
namespace {

// Issue 20: the statements of a table's own part, each with its table, so small tables load whole.
TEST(StatementTable, NamesTheTableOfATablesOwnStatements) {
  EXPECT_EQ(statement_table("DROP TABLE IF EXISTS `a``b`"), "a`b");
  EXPECT_EQ(statement_table("CREATE TABLE `t 1` (\n  `id` int\n)"), "t 1");
  EXPECT_EQ(statement_table("INSERT INTO `t` (`id`) VALUES (1)"), "t");
  EXPECT_EQ(statement_table("ALTER TABLE `t`\n  ADD KEY `k` (`a`)"), "t");
  EXPECT_EQ(statement_table("/*!40000 ALTER TABLE `t` DISABLE KEYS */"), "t");
  // two tables in one DROP: neither alone; anything else: none
  EXPECT_EQ(statement_table("DROP TABLE IF EXISTS `a`, `b`"), std::nullopt);
  EXPECT_EQ(statement_table("DROP TABLE IF EXISTS `a`,`b`"), std::nullopt);
  EXPECT_EQ(statement_table("CREATE VIEW `v` AS SELECT 1"), std::nullopt);
  EXPECT_EQ(statement_table("SET NAMES utf8mb4"), std::nullopt);
  EXPECT_EQ(statement_table("CREATE TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET @a = 1"), std::nullopt);
}

TEST(CreateWithKeys, PutsTheDeferredKeysBackAtTheEndOfTheDefinitions) {
  const std::string create =
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n  `s` varchar(9) DEFAULT "
      "'x\\n)',\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  const std::string alter =
      "ALTER TABLE `t`\n  ADD KEY `ix_a` (`a`),\n  ADD UNIQUE KEY `uq_s` (`s`),\n  ADD CONSTRAINT `fk` FOREIGN KEY "
      "(`a`) REFERENCES `p` (`id`) ON DELETE CASCADE";
  EXPECT_EQ(create_with_keys(create, alter),
            "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n  `s` varchar(9) DEFAULT "
            "'x\\n)',\n  PRIMARY KEY (`id`),\n  KEY `ix_a` (`a`),\n  UNIQUE KEY `uq_s` (`s`),\n  CONSTRAINT `fk` "
            "FOREIGN KEY (`a`) REFERENCES `p` (`id`) ON DELETE CASCADE\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

TEST(CreateWithKeys, LeavesAnythingOfAnotherShapeAlone) {
  const std::string create = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB";
  EXPECT_EQ(create_with_keys(create, "ALTER TABLE `u`\n  ADD KEY `k` (`id`)"), std::nullopt);  // another table
  EXPECT_EQ(create_with_keys(create, "ALTER TABLE `t` ADD KEY `k` (`id`)"), std::nullopt);     // not our layout
  EXPECT_EQ(create_with_keys(create, "ALTER TABLE `t`\n  DROP KEY `k`"), std::nullopt);
  EXPECT_EQ(create_with_keys("CREATE TABLE `t` (`id` int) ENGINE=InnoDB", "ALTER TABLE `t`\n  ADD KEY `k` (`id`)"),
            std::nullopt);
  EXPECT_EQ(create_with_keys("CREATE SEQUENCE `t`", "ALTER TABLE `t`\n  ADD KEY `k` (`id`)"), std::nullopt);
}

// The foreign keys of a table's deferred keys are held back until no table is dropped or created
// (tables_side_by_side.hpp): its keys and its constraints, each in their order, apart.
TEST(SplitForeignKeys, CutsTheKeysFromTheConstraintsEachInTheirOrder) {
  const std::string alter =
      "ALTER TABLE `t``x`\n  ADD UNIQUE KEY `uq` (`s`),\n  ADD KEY `ix_a` (`a`),\n  ADD CONSTRAINT `fk_b` FOREIGN KEY "
      "(`b`) REFERENCES `other`.`p` (`id`) ON DELETE SET NULL ON UPDATE CASCADE,\n  ADD KEY `ix,\n  ADD x` (`b`) "
      "COMMENT 'a '',\n  ADD \\' ( y',\n  ADD CONSTRAINT `fk_a` FOREIGN KEY (`a`) REFERENCES `t``x` (`id`)";
  const auto split = split_foreign_keys(alter, true);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->keys,
            "ALTER TABLE `t``x`\n  ADD UNIQUE KEY `uq` (`s`),\n  ADD KEY `ix_a` (`a`),\n  ADD KEY `ix,\n  ADD x` "
            "(`b`) COMMENT 'a '',\n  ADD \\' ( y'");
  EXPECT_EQ(split->foreign_keys,
            "ALTER TABLE `t``x`\n  ADD CONSTRAINT `fk_b` FOREIGN KEY (`b`) REFERENCES `other`.`p` (`id`) ON DELETE "
            "SET NULL ON UPDATE CASCADE,\n  ADD CONSTRAINT `fk_a` FOREIGN KEY (`a`) REFERENCES `t``x` (`id`)");
  // only constraints, only keys
  const auto constraints =
      split_foreign_keys("ALTER TABLE `c`\n  ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)", true);
  ASSERT_TRUE(constraints.has_value());
  EXPECT_EQ(constraints->keys, "");
  EXPECT_EQ(constraints->foreign_keys, "ALTER TABLE `c`\n  ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)");
  const auto keys = split_foreign_keys("ALTER TABLE `c`\n  ADD KEY `k` (`a`)", true);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->keys, "ALTER TABLE `c`\n  ADD KEY `k` (`a`)");
  EXPECT_EQ(keys->foreign_keys, "");
  // a key whose name says "foreign key": in doubt, the statement is held whole
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c`\n  ADD KEY `foreign key` (`a`)", true), std::nullopt);
}

TEST(SplitForeignKeys, RefusesWhatItCannotReadSoTheStatementIsHeldWhole) {
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c` ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)", true),
            std::nullopt);  // not our layout
  EXPECT_EQ(split_foreign_keys("ALTER TABLE c\n  ADD KEY `k` (`a`)", true), std::nullopt);
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c`\n  ADD KEY `k` (`a`) COMMENT 'open", true), std::nullopt);
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c`\n  ADD KEY `k` (`a`", true), std::nullopt);
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c`\n  ADD KEY `k` (`a`) /* x */", true), std::nullopt);
  // a foreign key in another form than ours
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c`\n  ADD FOREIGN KEY (`a`) REFERENCES `p` (`id`)", true), std::nullopt);
  // under NO_BACKSLASH_ESCAPES a backslash closes nothing: 'a\' is a whole string
  const auto plain = split_foreign_keys(
      "ALTER TABLE `c`\n  ADD KEY `k` (`a`) COMMENT 'a\\',\n  ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` "
      "(`id`)",
      false);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->keys, "ALTER TABLE `c`\n  ADD KEY `k` (`a`) COMMENT 'a\\'");
  EXPECT_EQ(split_foreign_keys("ALTER TABLE `c`\n  ADD KEY `k` (`a`) COMMENT 'a\\',\n  ADD CONSTRAINT `f` FOREIGN KEY "
                               "(`a`) REFERENCES `p` (`id`)",
                               true),
            std::nullopt);
}

TEST(MayAddForeignKey, FindsTheWordsInAnyCase) {
  EXPECT_TRUE(may_add_foreign_key("CREATE TABLE `c` (\n  CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)\n)"));
  EXPECT_TRUE(may_add_foreign_key("alter table c add foreign key (a) references p (id)"));
  EXPECT_TRUE(may_add_foreign_key("ALTER TABLE c ADD Foreign Key (a) REFERENCES p (id)"));
  EXPECT_FALSE(may_add_foreign_key("CREATE TABLE `c` (\n  `foreign` int, KEY `k` (`foreign`)\n)"));
  EXPECT_FALSE(may_add_foreign_key("DROP TABLE IF EXISTS `f`"));
  // The server reads any white space or comment between the two words.
  EXPECT_TRUE(may_add_foreign_key("ALTER TABLE c ADD FOREIGN\n\tKEY (a) REFERENCES p (id)"));
  EXPECT_TRUE(may_add_foreign_key("ALTER TABLE c ADD FOREIGN/* x */KEY (a) REFERENCES p (id)"));
  EXPECT_TRUE(may_add_foreign_key("ALTER TABLE c ADD foreign /**/ key (a) REFERENCES p (id)"));
  EXPECT_FALSE(may_add_foreign_key("ALTER TABLE c ADD KEY `foreignkey` (a)"));
}

TEST(StatementWords, APhraseIsFoundInAnyLetterCaseWithAnyGapBetweenItsWords) {
  EXPECT_TRUE(contains_any_case("set foreign_key_checks=0", "FOREIGN_KEY_CHECKS"));
  EXPECT_TRUE(contains_any_case("/*!40014 SET FOREIGN_KEY_CHECKS=@OLD */", "FOREIGN_KEY_CHECKS"));
  EXPECT_FALSE(contains_any_case("SET UNIQUE_CHECKS=0", "FOREIGN_KEY_CHECKS"));
  EXPECT_FALSE(contains_any_case("FOREIGN_KEY_CHECK", "FOREIGN_KEY_CHECKS"));  // the text ends first
  EXPECT_TRUE(contains_any_case("a\r\n b", "A B"));
  EXPECT_FALSE(contains_any_case("ab", "A B"));  // a space of the phrase needs a gap
  EXPECT_FALSE(contains_any_case("a /* never closed b", "A B"));
  EXPECT_FALSE(contains_any_case("a/*!50000 b */", "A B"));  // a version comment's text is read
  EXPECT_TRUE(contains_any_case("xxA  B", "A B"));
  EXPECT_FALSE(contains_any_case("", "A"));
}

}  // namespace
}  // namespace ifnbackup::restore
