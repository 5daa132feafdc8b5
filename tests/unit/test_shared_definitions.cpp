// The schema check's tables of one definition (issue 20, restore/shared_definitions): which
// statements run, in which order, and which tables are held back.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "restore/shared_definitions.hpp"

namespace ifnbackup::restore {
namespace {

std::vector<std::string> table(const std::string& name, const std::string& columns = "`id` int(11) NOT NULL",
                               const std::string& options = "ENGINE=InnoDB",
                               const std::string& keys = "ADD KEY `ix` (`id`)") {
  return {fmt::format("DROP TABLE IF EXISTS `{}`", name),
          fmt::format("CREATE TABLE `{}` (\n  {}\n) {}", name, columns, options),
          fmt::format("INSERT INTO `{}` VALUES (1)", name), fmt::format("ALTER TABLE `{}`\n  {}", name, keys)};
}

// Feeds statements (INSERTs left out, as the schema check does) and records what runs.
class Check {
 public:
  void feed(const std::vector<std::string>& statements) {
    for (const auto& text : statements) {
      if (!text.starts_with("INSERT")) {
        m_shared.feed(Statement{text, ++m_line, true, 0}, m_run);
      }
    }
  }
  std::vector<std::string> finish() {
    m_shared.finish(m_run);
    return m_ran;
  }
  const SharedDefinitions& shared() const { return m_shared; }

 private:
  SharedDefinitions m_shared;
  std::vector<std::string> m_ran;
  std::uint64_t m_line = 0;
  SharedDefinitions::Run m_run = [this](Statement&& statement) { m_ran.push_back(std::move(statement.text)); };
};

bool ran_create(const std::vector<std::string>& ran, const std::string& name) {
  const std::string head = fmt::format("CREATE TABLE `{}` (", name);
  return std::any_of(ran.begin(), ran.end(), [&](const std::string& text) { return text.starts_with(head); });
}

TEST(SharedDefinitions, FiveHundredTablesOfOneDefinitionRunOnce) {
  Check check;
  for (int i = 1; i <= 500; ++i) {
    check.feed(table(fmt::format("t{:04}", i)));
  }
  const auto ran = check.finish();
  EXPECT_EQ(ran.size(), 3u);  // t0001's DROP, CREATE and ALTER
  EXPECT_TRUE(ran_create(ran, "t0001"));
  EXPECT_EQ(check.shared().tables_held_back(), 499u);
}

TEST(SharedDefinitions, ATableThatDiffersInOneDetailRunsOnItsOwnWhereverItIs) {
  // Each differs from t0001's definition by one detail: a charset, a key, a generated column, a
  // comment with a quote, a column's name that is the table's (not a head), a storage option.
  const std::vector<std::vector<std::string>> odd = {
      table("t0100", "`id` int(11) NOT NULL", "ENGINE=InnoDB DEFAULT CHARSET=latin1"),
      table("t0200", "`id` int(11) NOT NULL", "ENGINE=InnoDB", "ADD KEY `ix` (`id`),\n  ADD KEY `ix2` (`id`)"),
      table("t0300", "`id` int(11) NOT NULL,\n  `g` int(11) GENERATED ALWAYS AS (`id` + 1) VIRTUAL"),
      table("t0400", "`id` int(11) NOT NULL COMMENT 'it''s'"),
      table("t0500", "`t0500` int(11) NOT NULL"),
      table("t1000", "`id` int(11) NOT NULL", "ENGINE=InnoDB KEY_BLOCK_SIZE=3"),
  };
  Check check;
  std::size_t next = 0;
  for (int i = 1; i <= 1000; ++i) {
    const std::string name = fmt::format("t{:04}", i);
    if (next < odd.size() && odd[next][1].starts_with("CREATE TABLE `" + name + "`")) {
      check.feed(odd[next++]);
    } else {
      check.feed(table(name));
    }
  }
  const auto ran = check.finish();
  for (const char* name : {"t0001", "t0100", "t0200", "t0300", "t0400", "t0500", "t1000"}) {
    EXPECT_TRUE(ran_create(ran, name)) << name;
  }
  EXPECT_FALSE(ran_create(ran, "t0002"));
  EXPECT_FALSE(ran_create(ran, "t0999"));
  EXPECT_EQ(ran.size(), 7u * 3u);
  EXPECT_EQ(check.shared().tables_held_back(), 1000u - 7u);
}

TEST(SharedDefinitions, ATableHeldBackRunsRightBeforeWhatNamesIt) {
  Check check;
  for (int i = 1; i <= 10; ++i) {
    check.feed(table(fmt::format("t{:04}", i)));
  }
  check.feed({"/*!50001 CREATE ALGORITHM=UNDEFINED VIEW `v` AS select `t0007`.`id` AS `id` from `t0007` */",
              "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON T0009 FOR EACH ROW SET NEW.id = 1"});
  const auto ran = check.finish();
  ASSERT_EQ(ran.size(), 3u + 3u + 1u + 3u + 1u);
  EXPECT_EQ(ran[3], "DROP TABLE IF EXISTS `t0007`");
  EXPECT_TRUE(ran[4].starts_with("CREATE TABLE `t0007` ("));
  EXPECT_EQ(ran[5], "ALTER TABLE `t0007`\n  ADD KEY `ix` (`id`)");
  EXPECT_TRUE(ran[6].starts_with("/*!50001 CREATE ALGORITHM"));
  EXPECT_TRUE(ran_create({ran[8]}, "t0009"));  // named in another case: still a reference
  EXPECT_TRUE(ran[10].find("TRIGGER trg") != std::string::npos);
  EXPECT_EQ(check.shared().tables_held_back(), 7u);
  EXPECT_EQ(check.shared().tables_run_when_named(), 2u);
}

TEST(SharedDefinitions, ATableNamedBeforeItsDefinitionIsNeverHeldBack) {
  Check check;
  check.feed(table("t0001"));
  // t0003 is named before its definition (a foreign key of t0002, which runs itself).
  check.feed(table("t0002", "`id` int(11) NOT NULL", "ENGINE=InnoDB",
                   "ADD KEY `ix` (`id`),\n  ADD CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `t0003` (`id`)"));
  check.feed(table("t0003"));
  check.feed(table("t0004"));
  const auto ran = check.finish();
  EXPECT_TRUE(ran_create(ran, "t0002"));
  EXPECT_TRUE(ran_create(ran, "t0003"));
  EXPECT_FALSE(ran_create(ran, "t0004"));
}

TEST(SharedDefinitions, UnnamedForeignKeysOddNamesAndVersionCommentsAreNeverShared) {
  Check check;
  check.feed(table("parent"));
  check.feed(table("c1", "`id` int(11) NOT NULL", "ENGINE=InnoDB",
                   "ADD KEY `ix` (`id`),\n  ADD FOREIGN KEY (`id`) "
                   "REFERENCES `parent` (`id`)"));
  check.feed(table("c2", "`id` int(11) NOT NULL", "ENGINE=InnoDB",
                   "ADD KEY `ix` (`id`),\n  ADD FOREIGN KEY (`id`) "
                   "REFERENCES `parent` (`id`)"));
  check.feed(table("we ird"));
  check.feed(table("café"));
  check.feed({"/*!40000 ALTER TABLE `x1` DISABLE KEYS */", "/*!40000 ALTER TABLE `x2` DISABLE KEYS */"});
  const auto ran = check.finish();
  for (const char* name : {"parent", "c1", "c2", "we ird", "café"}) {
    EXPECT_TRUE(ran_create(ran, name)) << name;
  }
  EXPECT_EQ(check.shared().tables_held_back(), 0u);
  EXPECT_EQ(ran.size(), 5u * 3u + 2u);
}

// A child table of the medium benchmark (scripts/bench-data-many.sql): its foreign key named after it,
// as the dumper writes it (the keys and the constraint after the rows).
std::vector<std::string> child(const std::string& name, const std::string& references = "REFERENCES `accounts` (`id`)",
                               const std::string& constraint = "") {
  return table(name, "`id` int(10) unsigned NOT NULL,\n  `account_id` int(10) unsigned NOT NULL", "ENGINE=InnoDB",
               fmt::format("ADD KEY `ix_account` (`account_id`),\n  ADD CONSTRAINT `{}` FOREIGN KEY (`account_id`) {}",
                           constraint.empty() ? "fk_" + name + "_account" : constraint, references));
}

TEST(SharedDefinitions, TablesWhoseForeignKeysDifferByTheirNamesOnlyRunOncePerDefinition) {
  Check check;
  check.feed(table("accounts"));
  for (int i = 1; i <= 300; ++i) {
    const std::string name = fmt::format("t{:04}", i);
    switch (i) {
      case 100:  // another action
        check.feed(child(name, "REFERENCES `accounts` (`id`) ON DELETE CASCADE"));
        break;
      case 200:  // another parent
        check.feed(child(name, "REFERENCES `accounts_old` (`id`)"));
        break;
      case 250:  // another column of the parent
        check.feed(child(name, "REFERENCES `accounts` (`account_id`)"));
        break;
      case 280:
      case 281:
      case 282:  // a reference to itself: one definition for the three
        check.feed(child(name, fmt::format("REFERENCES `{}` (`id`)", name)));
        break;
      default:
        check.feed(child(name));
    }
  }
  // Named later: held tables run from their definition, their own names back in place.
  check.feed({"CREATE VIEW `v` AS select `id` from `t0150` join `t0281`"});
  const auto ran = check.finish();
  for (const char* name : {"accounts", "t0001", "t0100", "t0200", "t0250", "t0280", "t0150", "t0281"}) {
    EXPECT_TRUE(ran_create(ran, name)) << name;
  }
  for (const char* name : {"t0002", "t0101", "t0201", "t0282", "t0300"}) {
    EXPECT_FALSE(ran_create(ran, name)) << name;
  }
  EXPECT_EQ(check.shared().tables_held_back(), 300u - 5u - 2u);
  EXPECT_EQ(check.shared().tables_run_when_named(), 2u);
  const auto t0150 = child("t0150");
  const auto t0281 = child("t0281", "REFERENCES `t0281` (`id`)");
  ASSERT_EQ(ran.size(), 6u * 3u + 2u * 3u + 1u);
  EXPECT_EQ(ran[18], t0150[0]);
  EXPECT_EQ(ran[19], t0150[1]);
  EXPECT_EQ(ran[20], t0150[3]);
  EXPECT_EQ(ran[23], t0281[3]);
  EXPECT_TRUE(ran[24].starts_with("CREATE VIEW"));
}

TEST(SharedDefinitions, AForeignKeysNameGivenTwiceIsCheckedWhereItClashes) {
  Check check;
  check.feed(table("p"));
  check.feed(child("c1", "REFERENCES `p` (`id`)", "fk_a"));
  check.feed(child("c2", "REFERENCES `p` (`id`)", "fk_b"));        // held back
  check.feed(child("c3", "REFERENCES `p` (`id`)", "fk_b"));        // its name again: c2 first, then c3
  check.feed(child("c4", "REFERENCES `p` (`id`)", "ix_account"));  // a key's name: its own, and c1's
  check.feed(child("c5", "REFERENCES `p` (`id`)", "c5"));          // the table's name
  check.feed(child("c6", "REFERENCES `p` (`id`)", "fk_c6"));       // held back
  const auto ran = check.finish();
  for (const char* name : {"p", "c1", "c2", "c3", "c4", "c5"}) {
    EXPECT_TRUE(ran_create(ran, name)) << name;
  }
  EXPECT_FALSE(ran_create(ran, "c6"));
  ASSERT_GE(ran.size(), 5u * 3u);
  EXPECT_TRUE(ran_create({ran[7]}, "c2"));
  EXPECT_TRUE(ran_create({ran[10]}, "c3"));
  EXPECT_EQ(check.shared().tables_held_back(), 1u);
}

TEST(SharedDefinitions, AForeignKeyCheckedBeforeItsParentChangedIsCheckedAgain) {
  // c1's foreign key was checked while `p` did not exist (foreign_key_checks=0 lets it): c2, of the
  // same text, comes after p's CREATE TABLE, which may refuse it (another column type).
  Check check;
  check.feed(child("c1", "REFERENCES `p` (`id`)"));
  check.feed(table("p", "`id` varchar(10) NOT NULL"));
  check.feed(child("c2", "REFERENCES `p` (`id`)"));
  check.feed(child("c3", "REFERENCES `p` (`id`)"));
  const auto ran = check.finish();
  EXPECT_TRUE(ran_create(ran, "c1"));
  EXPECT_TRUE(ran_create(ran, "c2"));
  EXPECT_FALSE(ran_create(ran, "c3"));
}

TEST(SharedDefinitions, AForeignKeyHeldBeforeItsParentExistedRunsBeforeTheParent) {
  // c1 and c2 name `p`, written after them (foreign_key_checks=0 lets them): c2, held back and named by a
  // view at the end, runs right before p's CREATE TABLE, as in a restore, not after it: once p exists,
  // the server checks the constraint against it and may refuse what the restore accepts (a column of
  // another type, or absent, in p; a backup of such a database would be called not restorable).
  Check check;
  check.feed(child("c1", "REFERENCES `p` (`id`)"));
  check.feed(child("c2", "REFERENCES `p` (`id`)"));
  check.feed(child("c3", "REFERENCES `p` (`id`)"));
  check.feed(table("p", "`id` bigint(20) NOT NULL"));
  check.feed({"CREATE VIEW `v` AS select `id` from `c3`"});
  const auto ran = check.finish();
  const auto at = [&](const std::string& name) {
    const std::string head = fmt::format("CREATE TABLE `{}` (", name);
    return std::find_if(ran.begin(), ran.end(), [&](const std::string& text) { return text.starts_with(head); }) -
           ran.begin();
  };
  EXPECT_LT(at("c1"), at("p"));
  EXPECT_LT(at("c2"), at("p"));
  EXPECT_LT(at("c3"), at("p"));
  EXPECT_LT(at("p"), static_cast<std::ptrdiff_t>(ran.size()));
  EXPECT_EQ(ran.back(), "CREATE VIEW `v` AS select `id` from `c3`");
  EXPECT_EQ(check.shared().tables_held_back(), 0u);
  EXPECT_EQ(check.shared().tables_run_when_named(), 2u);
}

TEST(SharedDefinitions, ForeignKeysNamesAreReadAsTheServerReadsThem) {
  std::vector<std::string> names;
  EXPECT_EQ(foreign_keys_without_names("ALTER TABLE \x01\n  ADD KEY `k` (`a`),\n  ADD CONSTRAINT `fk_t1` FOREIGN KEY "
                                       "(`a`, `b`) REFERENCES `p` (`x`, `y`) ON DELETE CASCADE,\n  ADD CONSTRAINT "
                                       "`t1_self` FOREIGN KEY (`c`) REFERENCES `t1` (`id`)",
                                       "t1", names),
            "ALTER TABLE \x01\n  ADD KEY `k` (`a`),\n  ADD CONSTRAINT \x02"
            "0\x02 FOREIGN KEY (`a`, `b`) REFERENCES `p` (`x`, `y`) ON DELETE CASCADE,\n  ADD CONSTRAINT \x02"
            "1\x02 FOREIGN KEY (`c`) REFERENCES \x01 (`id`)");
  EXPECT_EQ(names, (std::vector<std::string>{"fk_t1", "t1_self"}));
  names.clear();
  // Another database's table of the same name, a CHECK constraint: as they are.
  EXPECT_EQ(foreign_keys_without_names("CONSTRAINT `c` CHECK (`a` > 0), CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES "
                                       "`d`.`t1` (`id`)",
                                       "t1", names),
            "CONSTRAINT `c` CHECK (`a` > 0), CONSTRAINT \x02"
            "0\x02 FOREIGN KEY (`a`) REFERENCES `d`.`t1` (`id`)");
  EXPECT_EQ(foreign_keys_without_names("CREATE TABLE \x01 (`a` int)", "t1", names), "CREATE TABLE \x01 (`a` int)");
  // Not shared: a foreign key without a name, "foreign key" in a string, a comment or a name, a
  // double quote, a name that is not plain.
  for (const char* text : {"ADD FOREIGN KEY (`a`) REFERENCES `p` (`id`)",
                           "ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`) COMMENT 'foreign key'",
                           "`a` int COMMENT 'CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)'",
                           "ADD CONSTRAINT `f` FOREIGN KEY (`foreign key`) REFERENCES `p` (`id`)",
                           "ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`) /* foreign key */",
                           "ADD CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES \"p\" (`id`)",
                           "ADD CONSTRAINT `f é` FOREIGN KEY (`a`) REFERENCES `p` (`id`)"}) {
    EXPECT_FALSE(foreign_keys_without_names(text, "t1", names)) << text;
  }
}

TEST(SharedDefinitions, AnotherStatementBetweenTwoTablesEndsTheSharing) {
  // A session setting may change how the next definition is read (sql_mode, a charset).
  Check check;
  check.feed(table("t1"));
  check.feed(table("t2"));
  check.feed({"/*!40101 SET SQL_MODE='ANSI' */"});
  check.feed(table("t3"));
  check.feed(table("t4"));
  const auto ran = check.finish();
  EXPECT_TRUE(ran_create(ran, "t1"));
  EXPECT_FALSE(ran_create(ran, "t2"));
  EXPECT_TRUE(ran_create(ran, "t3"));
  EXPECT_FALSE(ran_create(ran, "t4"));
}

TEST(SharedDefinitions, ATableOfTheSameNameAgainFindsTheFirstInPlace) {
  Check check;
  check.feed(table("t1"));
  check.feed(table("t2"));  // held back
  check.feed(table("t3"));  // held back
  check.feed(table("t2", "`id` bigint NOT NULL"));
  const auto ran = check.finish();
  ASSERT_EQ(ran.size(), 9u);
  EXPECT_FALSE(ran_create(ran, "t3"));
  EXPECT_TRUE(ran[4].starts_with("CREATE TABLE `t2` (\n  `id` int(11)"));
  EXPECT_TRUE(ran[7].starts_with("CREATE TABLE `t2` (\n  `id` bigint"));
}

TEST(SharedDefinitions, TheNameIsTakenOutOfTheHeadOnly) {
  EXPECT_EQ(definition_without_name("CREATE TABLE `t1` (`t1` int)", "t1"), "CREATE TABLE \x01 (`t1` int)");
  EXPECT_EQ(definition_without_name("DROP TABLE IF EXISTS `a``b`", "a`b"), "DROP TABLE IF EXISTS \x01");
  EXPECT_EQ(definition_without_name("ALTER TABLE `t1`\n  ADD KEY `k` (`a`)", "t1"),
            "ALTER TABLE \x01\n  ADD KEY `k` (`a`)");
  EXPECT_FALSE(definition_without_name("/*!40000 ALTER TABLE `t1` DISABLE KEYS */", "t1"));
  EXPECT_FALSE(definition_without_name("CREATE TABLE IF NOT EXISTS `t1` (a int)", "t1"));
  EXPECT_FALSE(definition_without_name("CREATE TABLE `t10` (a int)", "t1"));
}

TEST(SharedDefinitions, ATableHeldBackRunsUnderTheSessionItWasHeldUnder) {
  // A trigger's sql_mode (strict, no zero date) may refuse a definition the file's mode accepts: a
  // table held back and named by the trigger runs under the session saved when it changed (wt20h).
  Check check;
  check.feed(table("t1"));
  check.feed(table("t2"));
  check.feed({"/*!50003 SET @saved_sql_mode = @@sql_mode */",
              "/*!50003 SET sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE' */",
              "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON `t2` FOR EACH ROW SET NEW.id = 1"});
  check.feed(table("t3"));
  check.feed(table("t4"));
  check.feed({"CREATE VIEW `v` AS select `id` from `t4`"});
  const auto ran = check.finish();
  ASSERT_EQ(ran.size(), 3u + 1u + 1u + 1u + 1u + 3u + 1u + 1u + 3u + 3u + 1u);
  EXPECT_EQ(ran[3], "/*!50003 SET @saved_sql_mode = @@sql_mode */");  // a user variable: nothing saved
  EXPECT_TRUE(ran[4].starts_with("SET @ifnbackup_held0_sql_mode = @@SESSION.sql_mode, ")) << ran[4];
  EXPECT_TRUE(ran[5].starts_with("/*!50003 SET sql_mode = 'STRICT"));
  EXPECT_TRUE(
      ran[6].starts_with("SET @ifnbackup_now_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = "
                         "@ifnbackup_held0_sql_mode, "))
      << ran[6];
  EXPECT_TRUE(ran_create({ran[8]}, "t2"));
  EXPECT_TRUE(ran[10].starts_with("SET SESSION sql_mode = @ifnbackup_now_sql_mode, ")) << ran[10];
  EXPECT_TRUE(ran[11].find("TRIGGER trg") != std::string::npos);
  EXPECT_TRUE(ran_create({ran[13]}, "t3"));
  // t4, held under the trigger's session still, runs as it is.
  EXPECT_TRUE(ran_create({ran[16]}, "t4"));
  EXPECT_TRUE(ran[18].starts_with("CREATE VIEW"));
}

TEST(SharedDefinitions, AStatementThatMayChangeMoreRunsTheTablesHeldFirst) {
  Check check;
  check.feed(table("t1"));
  check.feed(table("t3"));
  check.feed(table("t2"));
  check.feed({"ALTER DATABASE COLLATE latin1_swedish_ci", "SET SESSION innodb_compression_default = ON"});
  check.feed(table("t4"));
  check.feed(table("t5"));
  const auto ran = check.finish();
  ASSERT_EQ(ran.size(), 3u * 3u + 1u + 1u + 3u);
  EXPECT_TRUE(ran_create({ran[4]}, "t3"));  // in the file's order
  EXPECT_TRUE(ran_create({ran[7]}, "t2"));
  EXPECT_EQ(ran[9], "ALTER DATABASE COLLATE latin1_swedish_ci");
  EXPECT_TRUE(ran_create({ran[12]}, "t4"));
  EXPECT_EQ(check.shared().tables_held_back(), 1u);  // t5
}

TEST(SharedDefinitions, SessionChangeReadsWhatASetChanges) {
  for (const char* none : {"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE */", "SET @a = 1, @b := 'x,y'",
                           "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */", "/*!50001 CREATE VIEW `v` AS select 1",
                           "DROP TRIGGER IF EXISTS `x`", "ALTER TABLE `t` ADD KEY (`a`)", "UNLOCK TABLES"}) {
    EXPECT_EQ(session_change(none), SessionChange::none) << none;
  }
  for (const char* saved :
       {"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ANSI' */",
        "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */", "/*!40101 SET NAMES utf8mb4 */",
        "SET @@session.time_zone = '+00:00'", "/*!50003 SET sql_mode = '' */", "SET character_set_client = latin1"}) {
    EXPECT_EQ(session_change(saved), SessionChange::saved) << saved;
  }
  for (const char* unknown :
       {"ALTER DATABASE COLLATE utf8mb4_bin", "ALTER SCHEMA `d` CHARACTER SET latin1", "SET GLOBAL sql_mode = ''",
        "SET enforce_storage_engine = MyISAM", "SET STATEMENT sql_mode = '' FOR SELECT 1", "DO 1"}) {
    EXPECT_EQ(session_change(unknown), SessionChange::unknown) << unknown;
  }
}

TEST(SharedDefinitions, AQualifiedNameIsNotShared) {
  // `a`.`t` and `b`.`t`: the same text once the first name is out, but another database each.
  EXPECT_FALSE(definition_without_name("CREATE TABLE `a`.`t` (x int)", "a"));
  EXPECT_FALSE(definition_without_name("DROP TABLE IF EXISTS `a` . `t`", "a"));
}

}  // namespace
}  // namespace ifnbackup::restore
