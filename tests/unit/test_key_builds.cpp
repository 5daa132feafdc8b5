// Which deferred keys the content proof may read beside: index builds that leave the rows as they are.
#include <gtest/gtest.h>

#include <string>

#include "restore/key_builds.hpp"

namespace ifnbackup::restore {
namespace {

bool in_place(const std::string& statement) {
  return adds_keys_in_place(statement, false, true);
}

TEST(KeyBuilds, OurDeferredKeysAreInPlace) {
  EXPECT_TRUE(
      in_place("ALTER TABLE `transactions`\n  ADD UNIQUE KEY `uq_ref` (`reference`),\n  ADD KEY "
               "`ix_merchant` (`merchant_id`,`created_at`),\n  ADD KEY `ix_amount` (`amount`)"));
  EXPECT_TRUE(
      in_place("ALTER TABLE `t`\n  ADD KEY `ix` (`name`(10)) COMMENT 'it''s, ADD COLUMN x',\n  ADD KEY `j` "
               "(`a`) USING BTREE"));
  EXPECT_TRUE(in_place("ALTER TABLE `a``b`\n  ADD KEY `k` (`c`) IGNORED,\n  ADD UNIQUE KEY `u` (`d`) NOT IGNORED"));
}

TEST(KeyBuilds, AnythingThatMayCopyTheTableIsNot) {
  // foreign keys (a copy under FOREIGN_KEY_CHECKS=1): held apart, never beside the proof
  EXPECT_FALSE(in_place("ALTER TABLE `c`\n  ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `p` (`id`)"));
  EXPECT_FALSE(in_place("ALTER TABLE `c`\n  ADD KEY `k` (`a`),\n  ADD FOREIGN KEY (`p`) REFERENCES `p` (`id`)"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD FULLTEXT KEY `ft` (`body`)"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD SPATIAL KEY `sp` (`g`)"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD UNIQUE KEY `u` (`blob`) USING HASH"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD PRIMARY KEY (`id`)"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD COLUMN `x` int"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD KEY `k` (`a`), FORCE"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD KEY `k` (`a`), ALGORITHM=COPY"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD KEY `k` (`a`) ENGINE=MyISAM"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD KEY `k` (`a`) /*!50100 , ENGINE=MyISAM */"));
  EXPECT_FALSE(in_place("ALTER TABLE `t` ENGINE=InnoDB"));
  EXPECT_FALSE(in_place("ALTER TABLE `t`\n  ADD KEY `k` (`a`"));
  EXPECT_FALSE(in_place("/*!40000 ALTER TABLE `t` DISABLE KEYS */"));
}

}  // namespace
}  // namespace ifnbackup::restore
