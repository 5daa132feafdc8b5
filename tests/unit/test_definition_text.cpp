// Pure text work on SHOW CREATE output: which tables are partitioned.
#include <gtest/gtest.h>

#include "backup/definition_text.hpp"

namespace ifnbackup::backup {
namespace {

TEST(IsPartitioned, MariaDBsPartitionLineAndMySQLsVersionComment) {
  EXPECT_TRUE(
      is_partitioned("CREATE TABLE `t` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n"
                     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n PARTITION BY HASH (`id`)\nPARTITIONS 3"));
  EXPECT_TRUE(
      is_partitioned("CREATE TABLE `t` (\n  `id` int NOT NULL\n) ENGINE=InnoDB\n"
                     "/*!50100 PARTITION BY RANGE (`id`)\n(PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB) */"));
}

TEST(IsPartitioned, TheWordsInAColumnCommentOrNameAreNotAPartitionClause) {
  EXPECT_FALSE(
      is_partitioned("CREATE TABLE `PARTITION BY ` (\n  `id` int NOT NULL COMMENT 'PARTITION BY HASH',\n"
                     "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
  EXPECT_FALSE(is_partitioned("CREATE TABLE `t` (\n  `id` int NOT NULL\n) ENGINE=InnoDB"));
}

}  // namespace
}  // namespace ifnbackup::backup
