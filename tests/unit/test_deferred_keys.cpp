// Secondary indexes and foreign keys moved after the rows: what moves, what stays, and that the text
// stays valid.
#include <gtest/gtest.h>

#include "backup/deferred_keys.hpp"

namespace ifnbackup::backup {
namespace {

const std::string k_transactions =
    "CREATE TABLE `transactions` (\n"
    "  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n"
    "  `merchant_id` int(11) NOT NULL,\n"
    "  `ref` char(12) NOT NULL,\n"
    "  `amount` decimal(12,2) NOT NULL,\n"
    "  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),\n"
    "  PRIMARY KEY (`id`),\n"
    "  UNIQUE KEY `uk_ref` (`ref`),\n"
    "  KEY `idx_merchant` (`merchant_id`,`created_at`),\n"
    "  KEY `idx_created` (`created_at`),\n"
    "  KEY `idx_amount` (`amount`) COMMENT 'pour les rapports, (virgule)',\n"
    "  CONSTRAINT `fk_merchant` FOREIGN KEY (`merchant_id`) REFERENCES `merchants` (`id`)\n"
    ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci";

// Issue 13: the indexes backing foreign keys were kept in the CREATE TABLE and maintained row by row.
TEST(DeferSecondaryKeys, MovesTheForeignKeysAndTheIndexesBackingThemAfterTheRows) {
  const DeferredKeys split = defer_secondary_keys(k_transactions, "`transactions`", {});
  EXPECT_EQ(split.create,
            "CREATE TABLE `transactions` (\n"
            "  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n"
            "  `merchant_id` int(11) NOT NULL,\n"
            "  `ref` char(12) NOT NULL,\n"
            "  `amount` decimal(12,2) NOT NULL,\n"
            "  `created_at` timestamp NOT NULL DEFAULT current_timestamp(),\n"
            "  PRIMARY KEY (`id`)\n"
            ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci");
  EXPECT_EQ(split.add_keys,
            "ALTER TABLE `transactions`\n"
            "  ADD UNIQUE KEY `uk_ref` (`ref`),\n"
            "  ADD KEY `idx_merchant` (`merchant_id`,`created_at`),\n"
            "  ADD KEY `idx_created` (`created_at`),\n"
            "  ADD KEY `idx_amount` (`amount`) COMMENT 'pour les rapports, (virgule)',\n"
            "  ADD CONSTRAINT `fk_merchant` FOREIGN KEY (`merchant_id`) REFERENCES `merchants` (`id`)");
}

// The dumper keeps a small table's keys in its CREATE TABLE unless it has a foreign key: the split says so,
// not a search of the text (a CHECK constraint or a comment may read "FOREIGN KEY (").
TEST(DeferSecondaryKeys, SaysWhetherAForeignKeyIsDeferred) {
  EXPECT_TRUE(defer_secondary_keys(k_transactions, "`transactions`", {}).foreign_keys);
  const std::string keys_only =
      "CREATE TABLE `t` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `n` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  KEY `ix_n` (`n`) COMMENT 'FOREIGN KEY (n)',\n"
      "  CONSTRAINT `not a FOREIGN KEY (` CHECK (`n` > 0)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  const DeferredKeys split = defer_secondary_keys(keys_only, "`t`", {});
  EXPECT_EQ(split.add_keys, "ALTER TABLE `t`\n  ADD KEY `ix_n` (`n`) COMMENT 'FOREIGN KEY (n)'");
  EXPECT_FALSE(split.foreign_keys);
}

// Every shape of foreign key comes back as SHOW CREATE TABLE printed it: its name, its actions, a
// reference to the table itself or to another database's, several columns; a CHECK constraint stays.
TEST(DeferSecondaryKeys, EveryForeignKeyMovesAsWrittenAndCheckConstraintsStay) {
  const std::string columns =
      "CREATE TABLE `node` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `parent_id` int(11) DEFAULT NULL,\n"
      "  `a` int(11) NOT NULL,\n"
      "  `b` int(11) NOT NULL,\n"
      "  `c` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n";
  const std::string checks =
      "  CONSTRAINT `not a FOREIGN KEY (` CHECK (`a` > 0),\n"
      "  CONSTRAINT `CONSTRAINT_1` CHECK (`b` <> `a`)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  const std::string create =
      columns +
      "  KEY `ix_parent` (`parent_id`),\n"
      "  KEY `ix_ab` (`a`,`b`),\n"
      "  KEY `ix_c` (`c`),\n"
      "  CONSTRAINT `fk self, (odd)` FOREIGN KEY (`parent_id`) REFERENCES `node` (`id`) ON DELETE SET NULL "
      "ON UPDATE CASCADE,\n"
      "  CONSTRAINT `fk_ab` FOREIGN KEY (`a`, `b`) REFERENCES `pair` (`x`, `y`) ON DELETE CASCADE,\n"
      "  CONSTRAINT `fk_other_db` FOREIGN KEY (`c`) REFERENCES `other db`.`ref` (`id`),\n" +
      checks;
  const DeferredKeys split = defer_secondary_keys(create, "`node`", {"id"});
  EXPECT_EQ(split.create, columns + checks);
  EXPECT_EQ(split.add_keys,
            "ALTER TABLE `node`\n"
            "  ADD KEY `ix_parent` (`parent_id`),\n"
            "  ADD KEY `ix_ab` (`a`,`b`),\n"
            "  ADD KEY `ix_c` (`c`),\n"
            "  ADD CONSTRAINT `fk self, (odd)` FOREIGN KEY (`parent_id`) REFERENCES `node` (`id`) ON DELETE SET NULL "
            "ON UPDATE CASCADE,\n"
            "  ADD CONSTRAINT `fk_ab` FOREIGN KEY (`a`, `b`) REFERENCES `pair` (`x`, `y`) ON DELETE CASCADE,\n"
            "  ADD CONSTRAINT `fk_other_db` FOREIGN KEY (`c`) REFERENCES `other db`.`ref` (`id`)");
}

// The constraint moves even when the key backing it cannot (led by the AUTO_INCREMENT column): it is
// added after the rows all the same, and finds its index there.
TEST(DeferSecondaryKeys, AForeignKeyMovesAloneWhenItsIndexMustStay) {
  const std::string create =
      "CREATE TABLE `t` (\n"
      "  `code` char(3) NOT NULL,\n"
      "  `n` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  PRIMARY KEY (`code`),\n"
      "  KEY `k_n` (`n`),\n"
      "  CONSTRAINT `fk_n` FOREIGN KEY (`n`) REFERENCES `p` (`id`)\n"
      ") ENGINE=InnoDB";
  const DeferredKeys split = defer_secondary_keys(create, "`t`", {});
  EXPECT_EQ(split.create,
            "CREATE TABLE `t` (\n  `code` char(3) NOT NULL,\n  `n` int(11) NOT NULL AUTO_INCREMENT,\n"
            "  PRIMARY KEY (`code`),\n  KEY `k_n` (`n`)\n) ENGINE=InnoDB");
  EXPECT_EQ(split.add_keys, "ALTER TABLE `t`\n  ADD CONSTRAINT `fk_n` FOREIGN KEY (`n`) REFERENCES `p` (`id`)");
}

TEST(DeferSecondaryKeys, UniqueAndPlainKeysMoveTogetherWhenNothingPinsThem) {
  const std::string create =
      "CREATE TABLE `merchants` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `phone` varchar(20) NOT NULL,\n"
      "  `name` varchar(100) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `uk_phone` (`phone`),\n"
      "  KEY `idx_name` (`name`(10))\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  const DeferredKeys split = defer_secondary_keys(create, "`merchants`", {"id"});
  EXPECT_EQ(split.create,
            "CREATE TABLE `merchants` (\n"
            "  `id` int(11) NOT NULL,\n"
            "  `phone` varchar(20) NOT NULL,\n"
            "  `name` varchar(100) DEFAULT NULL,\n"
            "  PRIMARY KEY (`id`)\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  EXPECT_EQ(split.add_keys,
            "ALTER TABLE `merchants`\n  ADD UNIQUE KEY `uk_phone` (`phone`),\n  ADD KEY `idx_name` (`name`(10))");
}

TEST(DeferSecondaryKeys, AKeyAForeignKeyOfAnotherTableReferencesStaysAndSoDoThoseBeforeIt) {
  const std::string create =
      "CREATE TABLE `p` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `code` char(3) NOT NULL,\n"
      "  `x` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `uk_code` (`code`),\n"
      "  KEY `k_x` (`x`)\n"
      ") ENGINE=InnoDB";
  const DeferredKeys split = defer_secondary_keys(create, "`p`", {"code"});
  EXPECT_NE(split.create.find("UNIQUE KEY `uk_code` (`code`)\n"), std::string::npos) << split.create;
  EXPECT_EQ(split.add_keys, "ALTER TABLE `p`\n  ADD KEY `k_x` (`x`)");
  // A pinned plain key keeps the plain keys before it (their order), not those after it.
  const std::string plain =
      "CREATE TABLE `c` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `a` int(11) DEFAULT NULL,\n"
      "  `p` int(11) DEFAULT NULL,\n"
      "  `b` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `u` (`b`) USING HASH,\n"
      "  KEY `k_a` (`a`),\n"
      "  KEY `k_p` (`p`),\n"
      "  KEY `k_b` (`b`),\n"
      "  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `x` (`id`)\n"
      ") ENGINE=InnoDB";
  const DeferredKeys c = defer_secondary_keys(plain, "`c`", {"p"});
  EXPECT_EQ(c.add_keys,
            "ALTER TABLE `c`\n  ADD KEY `k_b` (`b`),\n"
            "  ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `x` (`id`)");
  EXPECT_NE(c.create.find("  UNIQUE KEY `u` (`b`) USING HASH,\n  KEY `k_a` (`a`),\n  KEY `k_p` (`p`)\n)"),
            std::string::npos)
      << c.create;
}

TEST(DeferSecondaryKeys, AnAutoIncrementColumnOutsideThePrimaryKeyKeepsItsKey) {
  const std::string create =
      "CREATE TABLE `a` (\n"
      "  `code` char(3) NOT NULL,\n"
      "  `n` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  PRIMARY KEY (`code`),\n"
      "  KEY `k_n` (`n`)\n"
      ") ENGINE=InnoDB";
  EXPECT_EQ(defer_secondary_keys(create, "`a`", {}).add_keys, "");
  EXPECT_EQ(defer_secondary_keys(create, "`a`", {}).create, create);
}

TEST(DeferSecondaryKeys, TablesItDoesNotKnowToHandleStayWhole) {
  const std::string keys =
      "  `id` int(11) NOT NULL,\n  `v` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n"
      "  KEY `k_v` (`v`)\n";
  const std::vector<std::string> cases = {
      // not InnoDB: ALTER TABLE ... DISABLE KEYS already does this
      "CREATE TABLE `t` (\n" + keys + ") ENGINE=MyISAM",
      // no primary key: InnoDB would cluster on another key
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` int(11) DEFAULT NULL,\n  UNIQUE KEY `u` (`id`),\n"
      "  KEY `k_v` (`v`)\n) ENGINE=InnoDB",
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` int(11) DEFAULT NULL,\n  KEY `k_v` (`v`),\n"
      "  CONSTRAINT `fk_v` FOREIGN KEY (`v`) REFERENCES `p` (`id`)\n) ENGINE=InnoDB",
      // partitions, system versioning
      "CREATE TABLE `t` (\n" + keys + ") ENGINE=InnoDB\n PARTITION BY HASH (`id`)\nPARTITIONS 4",
      "CREATE TABLE `t` (\n" + keys + ") ENGINE=InnoDB WITH SYSTEM VERSIONING",
      // a spatial key last (sorted among the plain keys by position), an expression key (MySQL 8),
      // a line split over two
      "CREATE TABLE `t` (\n" + keys.substr(0, keys.size() - 1) + ",\n  SPATIAL KEY `s` (`g`)\n) ENGINE=InnoDB",
      "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `v` int DEFAULT NULL,\n  PRIMARY KEY (`id`),\n"
      "  KEY `k_v` ((`v` + 1))\n) ENGINE=InnoDB",
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` varchar(9) DEFAULT 'a\nb',\n  PRIMARY KEY (`id`),\n"
      "  KEY `k_v` (`v`)\n) ENGINE=InnoDB",
      // no secondary key at all; not a CREATE TABLE
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
      "CREATE SEQUENCE `s` start with 1",
  };
  for (const auto& create : cases) {
    SCOPED_TRACE(create);
    const DeferredKeys split = defer_secondary_keys(create, "`t`", {});
    EXPECT_EQ(split.create, create);
    EXPECT_EQ(split.add_keys, "");
  }
}

TEST(DeferSecondaryKeys, AFullTextKeyStaysAndThePlainKeysBeforeItMove) {
  // The server sorts FULLTEXT keys after the others: the plain key added later still comes first.
  const std::string create =
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` varchar(9) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n"
      "  KEY `k_v` (`v`),\n  FULLTEXT KEY `f` (`v`)\n) ENGINE=InnoDB";
  const DeferredKeys split = defer_secondary_keys(create, "`t`", {});
  EXPECT_EQ(split.create,
            "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` varchar(9) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n"
            "  FULLTEXT KEY `f` (`v`)\n) ENGINE=InnoDB");
  EXPECT_EQ(split.add_keys, "ALTER TABLE `t`\n  ADD KEY `k_v` (`v`)");
}

// Issue 19, item 6: with a user FTS_DOC_ID column beside a FULLTEXT key, a deferred
// FTS_DOC_ID_INDEX fails at restore (InnoDB made its own with the FULLTEXT key: error 1280).
TEST(DeferSecondaryKeys, TheFtsDocIdIndexStaysInTheCreate) {
  const std::string create =
      "CREATE TABLE `docs` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `FTS_DOC_ID` bigint(20) unsigned NOT NULL,\n"
      "  `body` text DEFAULT NULL,\n"
      "  `n` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `FTS_DOC_ID_INDEX` (`FTS_DOC_ID`),\n"
      "  KEY `idx_n` (`n`),\n"
      "  FULLTEXT KEY `ft` (`body`)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  const DeferredKeys split = defer_secondary_keys(create, "`docs`", {});
  EXPECT_NE(split.create.find("UNIQUE KEY `FTS_DOC_ID_INDEX` (`FTS_DOC_ID`)"), std::string::npos) << split.create;
  EXPECT_EQ(split.add_keys, "ALTER TABLE `docs`\n  ADD KEY `idx_n` (`n`)");
  // The name alone pins it too (a key called so on another column is InnoDB's name all the same).
  std::string renamed = create;
  renamed.replace(renamed.find("`FTS_DOC_ID` bigint"), 12, "`doc` bigint");
  renamed.replace(renamed.find("(`FTS_DOC_ID`)"), 14, "(`doc`)");
  const DeferredKeys by_name = defer_secondary_keys(renamed, "`docs`", {});
  EXPECT_NE(by_name.create.find("UNIQUE KEY `FTS_DOC_ID_INDEX`"), std::string::npos) << by_name.create;
}

TEST(DeferSecondaryKeys, QuotedNamesAreReadWhole) {
  const std::string create =
      "CREATE TABLE `we``ird` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `a``b (c)` int(11) DEFAULT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  KEY `k (``x``), y` (`a``b (c)`)\n"
      ") ENGINE=InnoDB";
  EXPECT_EQ(defer_secondary_keys(create, "`we``ird`", {}).add_keys,
            "ALTER TABLE `we``ird`\n  ADD KEY `k (``x``), y` (`a``b (c)`)");
  EXPECT_EQ(defer_secondary_keys(create, "`we``ird`", {"a`b (c)"}).add_keys, "");
}

TEST(DeferSecondaryKeys, ColumnNamesArePinnedWhateverTheirCase) {
  // A referencing table may spell the column otherwise than its definition.
  const std::string create =
      "CREATE TABLE `t` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `merchant_id` int(11) NOT NULL,\n"
      "  `code` char(3) NOT NULL,\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `uq_code` (`code`),\n"
      "  KEY `ix_merchant` (`merchant_id`),\n"
      "  CONSTRAINT `fk` FOREIGN KEY (`Merchant_ID`) REFERENCES `m` (`ID`)\n"
      ") ENGINE=InnoDB";
  const DeferredKeys split = defer_secondary_keys(create, "`t`", {"CODE"});
  EXPECT_NE(split.create.find("  UNIQUE KEY `uq_code` (`code`)\n)"), std::string::npos) << split.create;
  EXPECT_EQ(split.add_keys,
            "ALTER TABLE `t`\n  ADD KEY `ix_merchant` (`merchant_id`),\n"
            "  ADD CONSTRAINT `fk` FOREIGN KEY (`Merchant_ID`) REFERENCES `m` (`ID`)");
}

TEST(DeferSecondaryKeys, OnlyTheEngineClauseSaysInnoDB) {
  // MyISAM lets the AUTO_INCREMENT column be the second part of a key: such a table must stay whole
  // even when its comment mentions InnoDB.
  const std::string create =
      "CREATE TABLE `t` (\n  `g` int(11) NOT NULL,\n  `n` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  PRIMARY KEY (`g`,`n`),\n  KEY `k` (`g`)\n) ENGINE=MyISAM COMMENT='was ENGINE=InnoDB'";
  EXPECT_EQ(defer_secondary_keys(create, "`t`", {}).create, create);
}

}  // namespace
}  // namespace ifnbackup::backup
