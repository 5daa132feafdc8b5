// Our extended INSERTs as LOAD DATA LOCAL text: what converts, exactly how, and what is left as SQL.
#include <gtest/gtest.h>

#include "restore/load_data.hpp"

namespace ifnbackup::restore {
namespace {

constexpr std::string_view k_options =
    " CHARACTER SET utf8mb4 FIELDS TERMINATED BY 0x09 ESCAPED BY 0x5C LINES TERMINATED BY 0x0A ";

TEST(InsertToLoadData, ValuesOfEveryKindBecomeTabSeparatedFields) {
  const auto load = insert_to_load_data(
      "INSERT INTO `t` (`id`,`amount`,`name`,`note`) VALUES "
      "(1,-12.50,'Zoé N\\'Guessan','a\\\\b\\nc\\0d\\Ze\\rf\\\"g'),(2,1.5e+10,'',NULL)");
  ASSERT_TRUE(load);
  EXPECT_EQ(load->row_count, 2u);
  EXPECT_EQ(load->rows,
            "1\t-12.50\tZoé N\\'Guessan\ta\\\\b\\nc\\0d\\Ze\\rf\\\"g\n"
            "2\t1.5e+10\t\t\\N\n");
  EXPECT_EQ(load->statement, std::string("LOAD DATA LOCAL INFILE 'ifnbackup-rows' INTO TABLE `t`") +
                                 std::string(k_options) + "(`id`,`amount`,`name`,`note`)");
}

// With a SET clause every column is assigned there: the server keeps an AUTO_INCREMENT value of 0
// from the file only for a column the SET assigns (issue 11).
TEST(InsertToLoadData, BinaryColumnsGoThroughUnhexAndEveryColumnThroughTheSet) {
  const auto load =
      insert_to_load_data("INSERT INTO `we``ird` (`id`,`h`,`b`) VALUES (1,0x00275CFF,'x'),(2,'',NULL),(3,0x0A09,'y')");
  ASSERT_TRUE(load);
  EXPECT_EQ(load->rows, "1\t00275CFF\tx\n2\t\t\\N\n3\t0A09\ty\n");
  EXPECT_EQ(load->statement, std::string("LOAD DATA LOCAL INFILE 'ifnbackup-rows' INTO TABLE `we``ird`") +
                                 std::string(k_options) +
                                 "(@ifn_0,@ifn_1,@ifn_2) SET `id`=@ifn_0,`h`=UNHEX(@ifn_1),`b`=@ifn_2");
}

TEST(InsertToLoadData, RawTabsAndNewlinesInAStringAreEscaped) {
  const auto load = insert_to_load_data("INSERT INTO `t` (`a`,`b`) VALUES ('x\ty\nz',1)\n");
  ASSERT_TRUE(load);
  EXPECT_EQ(load->rows, "x\\ty\\nz\t1\n");
}

// The loader sends a one-row INSERT as it is: its LOAD DATA text (a second copy of a huge row) is
// never made.
TEST(InsertToLoadData, FewerRowsThanAskedMakeNoText) {
  const std::string_view one = "INSERT INTO `t` (`a`,`b`) VALUES (1,0x00FF)";
  EXPECT_TRUE(insert_to_load_data(one));
  EXPECT_FALSE(insert_to_load_data(one, 2));
  const auto two = insert_to_load_data("INSERT INTO `t` (`a`,`b`) VALUES (1,0x00FF),(2,NULL)", 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->row_count, 2u);
}

TEST(InsertToLoadData, AnythingElseStaysSql) {
  for (const std::string_view insert : {
           "INSERT INTO t (`a`) VALUES (1)",        // unquoted table
           "INSERT INTO `t` VALUES (1)",            // no column list
           "INSERT INTO `t` (`a`,`b`) VALUES (1)",  // too few values
           "INSERT INTO `t` (`a`) VALUES (1,2)",    // too many
           "INSERT INTO `t` (`a`) VALUES (1),",     // cut
           "INSERT INTO `t` (`a`) VALUES (1) ON DUPLICATE KEY UPDATE a = 1",
           "INSERT INTO `t` (`a`) VALUES ('it''s')",   // '' quoting
           "INSERT INTO `t` (`a`) VALUES ('100\\%')",  // \% keeps its backslash in SQL
           "INSERT INTO `t` (`a`) VALUES ('a\\_b')",
           "INSERT INTO `t` (`a`) VALUES ('\\N')",     // "N" in SQL, NULL to LOAD DATA
           "INSERT INTO `t` (`a`) VALUES ('x\\\ty')",  // a backslash before a raw tab
           "INSERT INTO `t` (`a`) VALUES (_binary 'x')",
           "INSERT INTO `t` (`a`) VALUES (b'0101')",
           "INSERT INTO `t` (`a`) VALUES (NOW())",
           "INSERT INTO `t` (`a`) VALUES ('open",
           "INSERT INTO `t` (`h`) VALUES (0xFF),('text')",  // a quoted value in a binary column
           "REPLACE INTO `t` (`a`) VALUES (1)",
       }) {
    EXPECT_FALSE(insert_to_load_data(insert)) << insert;
  }
}

}  // namespace
}  // namespace ifnbackup::restore
